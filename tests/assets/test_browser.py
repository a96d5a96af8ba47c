"""A librarian in a real browser: edits title, keywords (autocomplete) and location, saves, and the
new file version on disk carries the edits. Screenshots go to test-artifacts/."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group

from assets.ingest import ingest_paths
from assets.models import Asset, MetadataChange, Term
from assets.staff_groups import LIBRARIAN
from tests.conftest import FIXTURES_DIR, PROJECT_DIR, wait_for

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = PROJECT_DIR / "test-artifacts"

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason="Debian's chromium is not installed (scripts/test.sh installs it when run as root)",
    ),
]


@pytest.fixture
def browser_page():
    playwright_api = pytest.importorskip("playwright.sync_api")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        yield page
        browser.close()


def tags_on_disk(path: Path) -> dict:
    output = subprocess.run(["exiftool", "-j", "-G1", "-n", str(path)], capture_output=True, text=True, check=True)
    return json.loads(output.stdout)[0]


@pytest.mark.django_db(transaction=True)
def test_librarian_edits_in_the_browser_and_the_file_changes(
    live_server, celery_worker, browser_page, django_user_model
):
    ARTIFACTS.mkdir(exist_ok=True)
    Term.objects.create(preferred_label="Harbours", aliases=["harbour", "port"])
    [result] = ingest_paths([FIXTURES_DIR / "images" / "sample.jpg"])
    user = django_user_model.objects.create_user(username="lena", password="lena-password", is_staff=True)
    user.groups.add(Group.objects.get(name=LIBRARIAN))
    page = browser_page

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "lena")
    page.fill("#id_password", "lena-password")
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/assets/asset/")
    page.wait_for_selector("#result_list")
    page.screenshot(path=str(ARTIFACTS / "asset-list.png"), full_page=True)

    page.goto(f"{live_server.url}/admin/assets/asset/{result.asset_id}/change/")
    page.fill("#id_title", "Harbour at first light")
    # Keywords: remove one, then pick a vocabulary term through the autocomplete.
    page.click(".select2-selection__choice[title='sails'] .select2-selection__choice__remove")
    page.click(".field-keywords .select2-search__field")
    page.keyboard.type("harb")
    page.wait_for_selector(".select2-results__option:has-text('Harbours')")
    page.keyboard.press("Enter")
    page.fill("#id_latitude", "60.3913")
    page.fill("#id_longitude", "5.3221")
    page.fill("#id_city", "Bergen")
    page.screenshot(path=str(ARTIFACTS / "asset-edit.png"), full_page=True)
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist")
    assert "Saved" in page.inner_text(".messagelist")

    asset = Asset.objects.get(pk=result.asset_id)
    assert asset.title == "Harbour at first light" and "Harbours" in asset.keywords and "sails" not in asset.keywords
    change = wait_for(
        lambda: MetadataChange.objects.filter(asset=asset, status="written").first(),
        timeout=60,
        message="the worker to write the new file version",
    )
    new_file = settings.DAM_MEDIA_DIR / change.file_version.storage_name
    tags = tags_on_disk(new_file)
    assert tags["XMP-dc:Title"] == tags["IPTC:ObjectName"] == "Harbour at first light"
    assert "Harbours" in tags["XMP-dc:Subject"] and "sails" not in tags["XMP-dc:Subject"]
    assert (tags["GPS:GPSLatitude"], tags["GPS:GPSLatitudeRef"], tags["XMP-photoshop:City"]) == (60.3913, "N", "Bergen")
    page.goto(f"{live_server.url}/admin/assets/asset/{result.asset_id}/change/")
    page.screenshot(path=str(ARTIFACTS / "asset-after-save.png"), full_page=True)
    assert "Written into the file" in page.content()
