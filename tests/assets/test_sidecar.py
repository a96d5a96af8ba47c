"""XMP sidecars, and the setting that never touches originals."""

import json
import subprocess

import pytest
from django.contrib.auth.models import Group
from django.test import override_settings

from assets.editing import asset_metadata_update
from assets.ingest import ingest_paths
from assets.models import Asset, FileVersion
from assets.staff_groups import LIBRARIAN
from tests.conftest import FIXTURES_DIR

pytestmark = pytest.mark.django_db


def read_xmp(data: bytes, tmp_path) -> dict:
    path = tmp_path / "sidecar.xmp"
    path.write_bytes(data)
    output = subprocess.run(["exiftool", "-j", "-G1", "-n", str(path)], capture_output=True, text=True, check=True)
    return json.loads(output.stdout)[0]


@pytest.mark.parametrize("name", ["audio/tone.flac", "images/sample.jpg"])
def test_sidecar_carries_the_metadata_for_any_format(api_client, tmp_path, name):
    [result] = ingest_paths([FIXTURES_DIR / name])
    response = api_client.get(f"/api/assets/{result.asset_id}/sidecar/")
    assert response.status_code == 200 and response["Content-Disposition"].endswith(f'{result.asset_id}.xmp"')
    tags = read_xmp(response.content, tmp_path)
    asset = Asset.objects.get(pk=result.asset_id)
    assert tags["XMP-dc:Title"] == asset.title
    creators = tags["XMP-dc:Creator"]
    assert (creators if isinstance(creators, list) else [creators]) == asset.creators


@override_settings(DAM_WRITEBACK="sidecar")
def test_sidecar_mode_never_touches_originals(api_client, django_user_model, tmp_path):
    user = django_user_model.objects.create_user(username="lib", password="x")
    user.groups.add(Group.objects.get(name=LIBRARIAN))
    user = django_user_model.objects.get(pk=user.pk)
    [result] = ingest_paths([FIXTURES_DIR / "images" / "sample.webp"])
    asset = Asset.objects.get(pk=result.asset_id)
    change = asset_metadata_update(
        asset, {"title": "Only in the sidecar", "latitude": 47.0, "longitude": 8.0}, user, "admin"
    )
    assert change.status == "recorded" and FileVersion.objects.filter(asset=asset).count() == 1
    tags = read_xmp(api_client.get(f"/api/assets/{asset.pk}/sidecar/").content, tmp_path)
    assert tags["XMP-dc:Title"] == "Only in the sidecar"
    assert (tags["XMP-exif:GPSLatitude"], tags["XMP-exif:GPSLongitude"]) == (47, 8)
