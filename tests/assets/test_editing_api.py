"""PATCH /api/assets/{id}/: the same audited edit as the admin, written back by a real worker."""

import pytest
from rest_framework.test import APIClient

from assets.ingest import ingest_paths
from assets.models import Asset, MetadataChange
from assets.staff_groups import LIBRARIAN, RIGHTS_MANAGER, VIEWER
from tests.conftest import FIXTURES_DIR, wait_for


@pytest.fixture
def client_for(user_in_group):
    """An API client authenticated as a user in the staff group ``group``."""

    def make(group: str) -> APIClient:
        client = APIClient()
        client.force_authenticate(user_in_group(group))
        return client

    return make


@pytest.fixture
def asset():
    [result] = ingest_paths([FIXTURES_DIR / "images" / "sample.jpg"])
    return Asset.objects.get(pk=result.asset_id)


@pytest.mark.django_db
def test_librarian_patches_metadata_and_gets_an_audited_change(client_for, asset):
    client = client_for(LIBRARIAN)
    response = client.patch(
        f"/api/assets/{asset.pk}/", {"metadata": {"title": "From the API", "keywords": ["api"]}}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["asset"]["metadata"]["title"] == "From the API"
    assert body["change"]["status"] == "pending" and body["change"]["fields"] == ["keywords", "title"]
    change = MetadataChange.objects.get(pk=body["change"]["id"])
    assert change.user.username == "librarian" and change.source == "api"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("group", "payload", "status"),
    [
        (VIEWER, {"metadata": {"title": "x"}}, 403),
        (LIBRARIAN, {"metadata": {"copyright_notice": "(c) x"}}, 403),
        (LIBRARIAN, {"embargo_until": "2030-01-01T00:00:00Z"}, 403),
        (RIGHTS_MANAGER, {"embargo_until": "2030-01-01T00:00:00Z", "allowed_territories": ["no", "SE"]}, 200),
        (RIGHTS_MANAGER, {"metadata": {"title": "x"}}, 403),
        (LIBRARIAN, {"metadata": {"latitude": 100, "longitude": 10}}, 400),
        (LIBRARIAN, {"allowed_territories": ["Norway"]}, 400),
    ],
)
def test_staff_groups_and_validation_through_the_api(client_for, asset, group, payload, status):
    response = client_for(group).patch(f"/api/assets/{asset.pk}/", payload, format="json")
    assert response.status_code == status, response.content
    if status != 200:
        assert "error" in response.json()
        assert MetadataChange.objects.count() == 0


@pytest.mark.django_db
def test_rights_manager_restrictions_are_normalised_and_recorded(client_for, asset):
    client = client_for(RIGHTS_MANAGER)
    client.patch(f"/api/assets/{asset.pk}/", {"allowed_territories": ["no", "SE", "NO"]}, format="json")
    asset.refresh_from_db()
    assert asset.allowed_territories == ["NO", "SE"]
    assert MetadataChange.objects.get().status == "recorded"  # nothing to write into the file


@pytest.mark.django_db
def test_patching_an_asset_the_caller_cannot_see_is_404(client_for, asset):
    asset.withdrawn_at = asset.created_at
    asset.save()
    viewer = client_for(VIEWER)
    assert viewer.patch(f"/api/assets/{asset.pk}/", {"metadata": {"title": "x"}}, format="json").status_code == 404


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_api_edit_is_written_into_a_new_file_by_the_worker(celery_worker, client_for):
    [result] = ingest_paths([FIXTURES_DIR / "audio" / "tone.flac"])
    client = client_for(LIBRARIAN)
    response = client.patch(
        f"/api/assets/{result.asset_id}/", {"metadata": {"title": "Written by the worker"}}, format="json"
    )
    change_id = response.json()["change"]["id"]
    change = wait_for(
        lambda: MetadataChange.objects.filter(pk=change_id, status="written").first(),
        timeout=60,
        message="the worker to write the file",
    )
    asset = Asset.objects.get(pk=result.asset_id)
    assert asset.current_version_id == change.file_version_id and asset.current_version.number == 2
    assert asset.current_version.metadata["title"] == "Written by the worker"
    assert "metadata_writeback_task" in celery_worker.log()
