"""Admin pages beside the asset list show only what the user's rights allow, and every action
checks the permission it needs."""

import pytest
from django.utils import timezone

from assets.editing import asset_metadata_update
from assets.ingest import ingest_paths
from assets.models import Asset, IngestRecord, MetadataChange
from assets.staff_groups import LIBRARIAN, VIEWER

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_assets(make_jpeg, django_user_model):
    """An open asset and an embargoed one, each with an audited edit; the hidden one with an
    unmapped keyword, a licence and a country of its own."""
    open_result, hidden_result = ingest_paths(
        [
            make_jpeg("open-original.jpg", seed=2200, tags={"IPTC:Keywords": "openword"}),
            make_jpeg(
                "secret-original.jpg",
                seed=2201,
                tags={
                    "IPTC:Keywords": "secretword",
                    "XMP-xmpRights:WebStatement": "https://secret.example/licence",
                    "XMP-photoshop:Country": "Secretland",
                },
            ),
        ]
    )
    root = django_user_model.objects.create_superuser("root", password="x")
    changes = {}
    for result, title in [(open_result, "open edit"), (hidden_result, "secret edit")]:
        asset = Asset.objects.get(pk=result.asset_id)
        changes[title] = asset_metadata_update(asset, {"title": title}, root, MetadataChange.Source.API)
    MetadataChange.objects.filter(pk__in=[c.pk for c in changes.values()]).update(
        status=MetadataChange.Status.FAILED, error="disk full"
    )
    Asset.objects.filter(pk=hidden_result.asset_id).update(embargo_until=timezone.now() + timezone.timedelta(days=3))
    return {"open": open_result.asset_id, "hidden": hidden_result.asset_id, "changes": changes}


@pytest.fixture
def as_staff(client, user_in_group):
    def login(group):
        client.force_login(user_in_group(group, staff=True))
        return client

    return login


def test_a_viewer_sees_changes_and_ingest_records_of_visible_assets_only(as_staff, two_assets):
    client = as_staff(VIEWER)
    pages = {
        "changes": client.get("/admin/assets/metadatachange/"),
        "changes search": client.get("/admin/assets/metadatachange/?q=edit"),
        "ingests": client.get("/admin/assets/ingestrecord/"),
        "ingests search": client.get("/admin/assets/ingestrecord/?q=original"),
        "report": client.get("/admin/assets/term/report/"),
        "assets": client.get("/admin/assets/asset/"),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        text = response.content.decode()
        for secret in [two_assets["hidden"], "secret", "Secretland"]:
            assert secret not in text, (name, secret)
    assert two_assets["open"] in pages["changes"].content.decode()
    assert "open-original.jpg" in pages["ingests"].content.decode()
    assert "openword" in pages["report"].content.decode()
    hidden_change = two_assets["changes"]["secret edit"]
    assert client.get(f"/admin/assets/metadatachange/{hidden_change.pk}/change/").status_code in (302, 404)
    hidden_record = IngestRecord.objects.get(asset_id=two_assets["hidden"])
    assert client.get(f"/admin/assets/ingestrecord/{hidden_record.pk}/change/").status_code in (302, 404)


def test_a_librarian_sees_every_assets_records(as_staff, two_assets):
    client = as_staff(LIBRARIAN)
    assert two_assets["hidden"] in client.get("/admin/assets/metadatachange/").content.decode()
    assert "secretword" in client.get("/admin/assets/term/report/").content.decode()


def test_retry_needs_the_change_permission(as_staff, two_assets):
    changes = [change.pk for change in two_assets["changes"].values()]
    client = as_staff(VIEWER)
    assert 'value="retry"' not in client.get("/admin/assets/metadatachange/").content.decode()
    client.post("/admin/assets/metadatachange/", {"action": "retry", "_selected_action": changes})
    assert set(MetadataChange.objects.filter(pk__in=changes).values_list("status", flat=True)) == {"failed"}

    client = as_staff(LIBRARIAN)
    assert 'value="retry"' in client.get("/admin/assets/metadatachange/").content.decode()
    client.post("/admin/assets/metadatachange/", {"action": "retry", "_selected_action": changes})
    assert MetadataChange.objects.filter(pk__in=changes, status=MetadataChange.Status.FAILED).count() == 0
