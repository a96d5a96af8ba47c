"""deploy/: the compose file, the Kubernetes manifests and the Dockerfile hold together with
the code (they cannot run here: no container engine)."""

import re

import pytest
import yaml

from dam.routing import QUEUES
from tests.conftest import PROJECT_DIR

DEPLOY = PROJECT_DIR / "deploy"
# Read by libraries dam configures rather than by dam's own code.
LIBRARY_VARIABLES = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "DJANGO_SETTINGS_MODULE", "PROMETHEUS_MULTIPROC_DIR"}
REQUIRED_IN_PRODUCTION = {
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DAM_STORAGE",
    "AWS_STORAGE_BUCKET_NAME",
}


def variables_dam_reads() -> set[str]:
    pattern = re.compile(
        r"""(?:os\.environ\.get|os\.environ\.setdefault|env_bool|env_int|env_list)\(\s*["']([A-Z0-9_]+)["']"""
        r"""|os\.environ\[["']([A-Z0-9_]+)["']\]"""
    )
    names = set()
    for folder in ("dam", "assets", "embeddings"):
        for path in (PROJECT_DIR / folder).rglob("*.py"):
            names |= {a or b for a, b in pattern.findall(path.read_text())}
    return names


def worker_queues(command: list[str]) -> set[str]:
    return set(command[command.index("-Q") + 1].split(","))


def test_compose_sets_only_variables_dam_reads_and_every_required_one():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    dam_services = {name: s for name, s in services.items() if "dam" in str(s.get("build", {})) or "build" in s}
    assert {"web", "worker-cpu", "worker-gpu", "beat", "migrate"} <= set(dam_services)
    known = variables_dam_reads() | LIBRARY_VARIABLES
    for name, service in dam_services.items():
        environment = set(service["environment"])
        assert environment <= known, f"{name} sets variables dam never reads: {sorted(environment - known)}"
        assert REQUIRED_IN_PRODUCTION <= environment, f"{name} lacks {sorted(REQUIRED_IN_PRODUCTION - environment)}"
    consumed = set().union(*(worker_queues(s["command"]) for n, s in dam_services.items() if "worker" in n))
    assert consumed == set(QUEUES)
    assert services["worker-gpu"]["profiles"] == ["gpu"]
    assert services["worker-gpu"]["deploy"]["resources"]["reservations"]["devices"][0]["driver"] == "nvidia"
    for name in ("postgres", "redis", "minio", "web"):
        assert "healthcheck" in services[name], f"{name} has no health check"
    assert services["postgres"]["image"].startswith("pgvector/pgvector")
    assert "celery" in services["beat"]["command"] and "beat" in services["beat"]["command"]


def manifests() -> dict[str, list[dict]]:
    folder = DEPLOY / "k8s"
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    return {
        name: [d for d in yaml.safe_load_all((folder / name).read_text()) if d] for name in kustomization["resources"]
    }


def test_the_kubernetes_base_has_probes_resources_scaling_and_one_beat():
    documents = [document for docs in manifests().values() for document in docs]
    deployments = {d["metadata"]["name"]: d for d in documents if d["kind"] == "Deployment"}
    assert {"dam-web", "dam-beat", "dam-worker-embed-gpu"} <= set(deployments)
    for name, deployment in deployments.items():
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        assert container["resources"]["requests"], f"{name} requests no resources"
        assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
        refs = {next(iter(r.values()))["name"] for r in container["envFrom"]}
        assert refs == {"dam-config", "dam-secrets"}
    web = deployments["dam-web"]["spec"]["template"]["spec"]["containers"][0]
    assert (
        web["readinessProbe"]["httpGet"]["path"] == "/readyz" and web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    )
    gpu = deployments["dam-worker-embed-gpu"]["spec"]["template"]["spec"]["containers"][0]
    assert gpu["resources"]["limits"]["nvidia.com/gpu"] == "1" and worker_queues(gpu["command"]) == {"embed_gpu"}
    beat = deployments["dam-beat"]["spec"]
    assert beat["replicas"] == 1 and beat["strategy"]["type"] == "Recreate"
    workers = {n: d for n, d in deployments.items() if "worker" in n}
    consumed = set().union(
        *(worker_queues(d["spec"]["template"]["spec"]["containers"][0]["command"]) for d in workers.values())
    )
    assert consumed == set(QUEUES)
    scaled = [d for d in documents if d["kind"] == "ScaledObject"]
    assert {s["spec"]["scaleTargetRef"]["name"] for s in scaled} == set(workers)
    for scaler in scaled:
        [trigger] = scaler["spec"]["triggers"]
        target = workers[scaler["spec"]["scaleTargetRef"]["name"]]
        queues = worker_queues(target["spec"]["template"]["spec"]["containers"][0]["command"])
        assert trigger["type"] == "redis" and trigger["metadata"]["listName"] in queues
    assert any(d["kind"] == "HorizontalPodAutoscaler" for d in documents)
    [config] = [d for d in documents if d["kind"] == "ConfigMap"]
    assert set(config["data"]) <= variables_dam_reads() | LIBRARY_VARIABLES


def test_the_dockerfile_is_multi_stage_non_root_with_a_cuda_switch():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", dockerfile, re.M)) >= 2
    assert re.search(r"^USER dam$", dockerfile, re.M) and "ARG VARIANT=cpu" in dockerfile
    assert "libimage-exiftool-perl" in dockerfile and '"gunicorn", "dam.wsgi"' in dockerfile


@pytest.mark.parametrize("name", ["README.md", "compose.yaml", "Dockerfile", "k8s/kustomization.yaml"])
def test_deploy_files_exist(name):
    assert (DEPLOY / name).is_file()
