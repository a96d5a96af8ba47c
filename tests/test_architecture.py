"""The import graph keeps the layout's promises (docs/architecture.md): dependencies point one way.

Read by grimp from the source, function-level imports included, so a loop hidden inside a
function counts like any other.
"""

from __future__ import annotations

import functools

import grimp
import pytest

APPS = ("assets", "embeddings")
PACKAGES = ("dam", *APPS, "benchmarks")


def _graph_built() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, include_external_packages=False, cache_dir=None)


@functools.cache
def graph() -> grimp.ImportGraph:
    """The graph as read, shared by the checks that only read it."""
    return _graph_built()


def _imports_between(importer: str, imported: str) -> list[str]:
    found = graph().find_matching_direct_imports(import_expression=f"{importer}.** -> {imported}.**")
    found += graph().find_matching_direct_imports(import_expression=f"{importer}.** -> {imported}")
    return sorted({f"{each['importer']} -> {each['imported']}" for each in found})


@pytest.mark.parametrize("app", APPS)
def test_apps_never_import_the_project_package(app):
    assert _imports_between(app, "dam") == []


def test_assets_never_imports_embeddings():
    assert _imports_between("assets", "embeddings") == []


@pytest.mark.parametrize("importer", ["dam", *APPS])
def test_nothing_imports_the_benchmarks(importer):
    assert _imports_between(importer, "benchmarks") == []


MCP_SERVER = "embeddings.mcp"
# The services that write (docs/architecture.md: "Services write, selectors read").
WRITE_SERVICES = (
    "assets.editing",
    "assets.ingest",
    "assets.vocabulary.merge",
    "assets.vocabulary.importing",
    "embeddings.registry",
    "embeddings.pipeline",
    "embeddings.enqueue",
    "embeddings.reembedding",
)


@pytest.mark.parametrize("service", WRITE_SERVICES)
def test_the_mcp_server_is_read_only(service):
    """It reads through selectors, search and the JSON-LD builder; it never imports a service that writes."""
    assert _imports_between(MCP_SERVER, service) == []


def test_only_its_transports_import_the_mcp_server():
    """The server is a client of the apps, not part of them: only its own command reaches it
    (the project's urls include its routes by name)."""
    inside = {module for module in graph().modules if module == MCP_SERVER or module.startswith(f"{MCP_SERVER}.")}
    importers = {importer for module in inside for importer in graph().find_modules_that_directly_import(module)}
    assert importers - inside == {"embeddings.management.commands.mcp"}


def _strongly_connected(imports: grimp.ImportGraph) -> list[set[str]]:
    """The loops of the graph: Tarjan's strongly connected components (iterative), those with
    more than one module or a module importing itself."""
    modules = set(imports.modules)

    def imported_by(module: str):
        return iter(sorted(imports.find_modules_directly_imported_by(module) & modules))

    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    for root in sorted(modules):
        if root in index:
            continue
        work = [(root, imported_by(root))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, imported_by(child)))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1 or node in imports.find_modules_directly_imported_by(node):
                    components.append(component)
    return components


def _without_service_task_pairs(imports: grimp.ImportGraph) -> grimp.ImportGraph:
    """The one loop allowed: a service and its app's Celery task module (the service enqueues its
    own task on commit; the task calls the service). Those imports are set aside."""
    for module in sorted(imports.modules):
        package, _, name = module.rpartition(".")
        if name != "tasks":
            continue
        for service in sorted(imports.find_modules_directly_imported_by(module)):
            beside = service.startswith(f"{package}.")  # the app's tasks module serves its sub-packages too
            if beside and imports.direct_import_exists(importer=service, imported=module):
                imports.remove_import(importer=module, imported=service)
                imports.remove_import(importer=service, imported=module)
    return imports


def _loops(imports: grimp.ImportGraph) -> list[list[str]]:
    return sorted(sorted(component) for component in _strongly_connected(_without_service_task_pairs(imports)))


def test_the_import_graph_has_no_loops_but_a_service_and_its_task():
    assert _loops(_graph_built()) == []


def test_the_loop_finder_reports_a_loop():
    """The check above can fail: a loop added to a copy of the graph is found, and is no
    service-and-task pair."""
    imports = _graph_built()
    imports.add_import(importer="assets.models", imported="assets.ingest")
    assert any({"assets.models", "assets.ingest"} <= set(loop) for loop in _loops(imports))
