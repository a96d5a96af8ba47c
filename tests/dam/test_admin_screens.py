"""Every admin page a librarian works in, in headless Chromium at 1366 × 768 and 1920 × 1080: laid
out without cut-off columns or broken headers. The screenshots are kept under
test-artifacts/admin-screens/ (one PNG per page and size) for a person to look at."""

import os
import shutil
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from assets.ingest import ingest_paths
from assets.models import Asset, FileVersion
from assets.staff_groups import LIBRARIAN
from assets.storage.thumbnails import thumbnail_render
from dam.demo_data import demo_vocabulary_install
from embeddings.defaults import default_models_register
from embeddings.pipeline import embed_assets
from tests.conftest import FIXTURES_DIR, PROJECT_DIR

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENS = PROJECT_DIR / "test-artifacts" / "admin-screens"
SIZES = [(1366, 768), (1920, 1080)]

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(600),  # a dozen pages at two sizes, in a real browser, on a busy machine
]


@pytest.fixture
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def library():
    """The demo's sample media and vocabulary, thumbnails rendered here (no worker needed)."""
    default_models_register()  # the models that ship in packages, as the demo has them
    demo_vocabulary_install()
    results = ingest_paths([FIXTURES_DIR / "images", FIXTURES_DIR / "audio", FIXTURES_DIR / "broken"])
    for version in FileVersion.objects.filter(asset__kind="image"):
        thumbnail_render(version.pk)
    embed_assets("asset_text", list(Asset.objects.values_list("pk", flat=True)))  # here, not by a worker
    return {Path(r.path).name: r.asset_id for r in results if r.asset_id}


def logged_in(browser, live_server, username: str, size: tuple[int, int]):
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("input[type=submit]")
    page.wait_for_selector("#content")
    return page


def shoot(page, name: str, size: tuple[int, int]) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}-{size[0]}x{size[1]}.png"), full_page=True)


def right_edge(page, selector: str) -> float:
    return page.eval_on_selector(selector, "e => e.getBoundingClientRect().right")


def lines(page, selector: str) -> list[float]:
    """How many lines of text each matching element takes (height over line height)."""
    return page.eval_on_selector_all(
        selector,
        "els => els.map(e => { const s = getComputedStyle(e); const r = document.createRange();"
        " r.selectNodeContents(e); const h = r.getBoundingClientRect().height;"
        " return h / (parseFloat(s.lineHeight) || parseFloat(s.fontSize) * 1.2); })",
    )


@pytest.fixture
def migration_validated():
    """A re-embedding migration of the asset_text role, backfilled and validated, for its page."""
    pytest.importorskip("sentence_transformers", reason="the ml extra is not installed")
    from embeddings.models import Migration
    from embeddings.reembedding import states, validation
    from tests.embeddings.reembedding.conftest import backfill_here, versions

    _, new = versions()
    migration = states.migration_start(states.migration_plan("asset_text", new, reason="new preprocessing"))
    backfill_here(migration)
    return validation.migration_validate(Migration.objects.get(pk=migration.pk))


def test_the_admin_pages_at_laptop_and_desktop_sizes(live_server, browser, library, django_user_model):
    django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    lena = django_user_model.objects.create_user("lena", password="pw", is_staff=True)
    lena.groups.add(Group.objects.get(name=LIBRARIAN))
    for size in SIZES:
        librarian_pages(logged_in(browser, live_server, "lena", size), live_server.url, library, size)
        root = logged_in(browser, live_server, "root", size)
        root.goto(f"{live_server.url}/admin/embeddings/migration/")
        shoot(root, "migrations-empty", size)
        assert "No re-embedding migration yet" in root.inner_text("#content")
        root.close()


def test_the_migration_pages_at_laptop_and_desktop_sizes(
    live_server, browser, library, migration_validated, django_user_model
):
    django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    for size in SIZES:
        root = logged_in(browser, live_server, "root", size)
        root.goto(f"{live_server.url}/admin/embeddings/migration/")
        shoot(root, "migrations", size)
        assert right_edge(root, "#result_list thead th:last-child") <= size[0]
        root.goto(f"{live_server.url}/admin/embeddings/migration/{migration_validated.pk}/change/")
        root.wait_for_selector("img[alt^='drift plot']")
        shoot(root, "migration", size)
        assert root.locator("#dam-transitions button").all_inner_texts() == [
            "Validate the new vectors",
            "Cut over: search uses the new version",
            "Roll back to the old version",
        ]
        assert "new preprocessing" in root.inner_text("#content")
        root.close()


def librarian_pages(page, url: str, library: dict, size: tuple[int, int]) -> None:
    width = size[0]
    page.goto(f"{url}/admin/")
    shoot(page, "index", size)
    assert "Periodic tasks" not in page.content()
    assert max(lines(page, "#dam-geo-completeness th")) < 1.5  # headers on one line, not in fragments

    page.goto(f"{url}/admin/assets/asset/")
    page.wait_for_selector("#result_list")
    shoot(page, "asset-list", size)
    assert right_edge(page, "#result_list thead th:last-child") <= width  # every column in sight
    assert "CC0 1.0" in page.inner_text("#result_list")  # the licence by name
    assert max(lines(page, "#result_list .field-updated_at")) < 1.5

    page.goto(f"{url}/admin/assets/asset/{library['sample.jpg']}/change/")
    shoot(page, "asset-change", size)
    assert page.locator("#dam-map svg path").count() >= 3  # coastlines and borders drawn under the dot
    assert page.locator("select#id_digital_source_type").count() == 1
    assert "CC0 1.0" in page.inner_text(".field-web_statement_url_label")

    page.goto(f"{url}/admin/assets/metadatachange/")
    shoot(page, "metadata-changes", size)
    page.goto(f"{url}/admin/assets/ingestrecord/")
    shoot(page, "ingest-records", size)
    assert max(lines(page, "#result_list .field-created_at")) < 1.5
    assert right_edge(page, "#result_list thead th:last-child") <= width

    page.goto(f"{url}/admin/assets/term/report/")
    shoot(page, "vocabulary-report", size)
    assert page.locator("form.dam-create-term").count() >= 1
    assert max(lines(page, ".dam-table th")) < 1.5
    page.goto(f"{url}/admin/assets/term/")
    shoot(page, "terms", size)

    # The first query loads the text models in the server: slow on a busy machine.
    page.goto(f"{url}/admin/embeddings/modelversion/search/?q=harbour", timeout=180_000)
    shoot(page, "search", size)
    assert page.locator("#dam-evidence-kinds li").count() == 4
    page.close()
