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
        (LIBRARIAN, {"metadata": {"latitude": 0, "longitude": 0}}, 400),
        (LIBRARIAN, {"metadata": {"latitude": None}}, 400),
        (RIGHTS_MANAGER, {"consent_status": "maybe"}, 400),
        (RIGHTS_MANAGER, {"restricted_to_groups": ["No such group"]}, 400),
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
def test_null_island_is_refused_by_the_api_as_by_the_admin(client_for, asset):
    client = client_for(LIBRARIAN)
    response = client.patch(
        f"/api/assets/{asset.pk}/", {"metadata": {"latitude": 0.0, "longitude": 0.0}}, format="json"
    )
    assert response.status_code == 400 and "placeholder" in str(response.json())
    asset.refresh_from_db()
    assert asset.latitude != 0 and MetadataChange.objects.count() == 0
    equator = client.patch(
        f"/api/assets/{asset.pk}/", {"metadata": {"latitude": 0.0, "longitude": 10.0}}, format="json"
    )
    assert equator.status_code == 200, equator.content  # one coordinate 0 is a real place


@pytest.mark.django_db
def test_rights_managers_restrict_an_asset_to_groups_through_the_api(client_for, asset):
    from django.contrib.auth.models import Group

    response = client_for(RIGHTS_MANAGER).patch(
        f"/api/assets/{asset.pk}/", {"restricted_to_groups": [VIEWER]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert list(asset.restricted_to_groups.values_list("name", flat=True)) == [VIEWER]
    change = MetadataChange.objects.get()
    assert change.changes == {"restricted_to_groups": {"from": [], "to": [VIEWER]}} and change.status == "recorded"
    assert Group.objects.get(name=VIEWER).restricted_assets.get() == asset


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
