"""The read-only admin: list with previews, asset page with every group, ingest failures."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assets.ingest import ingest_paths
from tests.conftest import FIXTURES_DIR

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser(username="admin", password="pw", email="a@example.org")
    client.force_login(user)
    return client


def test_list_shows_thumbnails_players_and_titles(staff_client):
    results = {
        r.path.rsplit("/", 1)[-1]: r
        for r in ingest_paths([FIXTURES_DIR / "images" / "sample.jpg", FIXTURES_DIR / "audio" / "tone.flac"])
    }
    page = staff_client.get("/admin/assets/asset/").content.decode()
    assert "Sails at Bennelong Point" in page and "Tone sample, FLAC" in page
    assert f"/api/assets/{results['sample.jpg'].asset_id}/thumbnail/" in page
    assert "<audio controls" in page and f"/api/assets/{results['tone.flac'].asset_id}/files/1/download/" in page


def test_list_query_count_does_not_grow_with_the_page(staff_client, make_jpeg):
    list(ingest_paths([make_jpeg(f"q{i}.jpg", seed=950 + i) for i in range(3)]))
    with CaptureQueriesContext(connection) as few:
        staff_client.get("/admin/assets/asset/")
    list(ingest_paths([make_jpeg(f"r{i}.jpg", seed=960 + i) for i in range(20)]))
    with CaptureQueriesContext(connection) as many:
        staff_client.get("/admin/assets/asset/")
    assert len(many) == len(few)


def test_asset_page_groups_fields_and_shows_raw_tags_and_files(staff_client):
    [result] = ingest_paths([FIXTURES_DIR / "images" / "sample.jpg"])
    page = staff_client.get(f"/admin/assets/asset/{result.asset_id}/change/").content.decode()
    for heading in ("Description", "People and rights", "Location", "Technical", "Raw tags", "File versions"):
        assert heading in page
    assert "Audio</h2>" not in page  # no audio fields on an image
    assert "Bennelong Point" in page and "XMP-dc:Title" in page
    assert f"/api/assets/{result.asset_id}/files/1/download/" in page


def test_failed_ingests_are_listed_with_their_reason(staff_client):
    list(ingest_paths([FIXTURES_DIR / "broken" / "corrupt.png"]))
    page = staff_client.get("/admin/assets/ingestrecord/?status__exact=failed").content.decode()
    assert "corrupt.png" in page and "its content is corrupt and cannot be decoded" in page
