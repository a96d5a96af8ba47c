"""Delivery copies (contentUrl): private tags gone, rights tags kept, originals untouched."""

import hashlib
import json
import subprocess

import pytest
from django.conf import settings
from django.core.files.storage import default_storage

from assets.ingest import ingest_paths
from assets.models import Asset
from assets.storage.delivery import delivery_copy_key

pytestmark = pytest.mark.django_db

PRIVATE = {
    "ExifIFD:SerialNumber": "CAM-123456",
    "ExifIFD:LensSerialNumber": "LENS-987",
    "ExifIFD:OwnerName": "Jo Private",
    "XMP-iptcCore:CreatorWorkEmail": "jo@example.org",
    "XMP-iptcCore:CreatorWorkTelephone": "+47 555 0100",
    "XMP-iptcCore:CreatorAddress": "1 Private Road",
    "IPTC:Contact": "jo@example.org",
}
RIGHTS = {
    "XMP-dc:Creator": "Jo Photographer",
    "XMP-photoshop:Credit": "Example Agency",
    "XMP-dc:Rights": "(c) 2026 Example Agency",
    "XMP-xmpRights:WebStatement": "https://example.org/licence",
    "XMP-xmpRights:UsageTerms": "Editorial use only",
    "XMP-plus:LicensorURL": "https://example.org/buy",
}
GPS = {"GPSLatitude": 69.65, "GPSLatitudeRef": "N", "GPSLongitude": 18.96, "GPSLongitudeRef": "E"}


def read_tags(data: bytes, tmp_path) -> dict:
    path = tmp_path / "read.jpg"
    path.write_bytes(data)
    output = subprocess.run(["exiftool", "-j", "-G1", "-n", str(path)], capture_output=True, text=True, check=True)
    return json.loads(output.stdout)[0]


@pytest.fixture
def asset(make_jpeg):
    [result] = ingest_paths([make_jpeg("private.jpg", seed=1100, tags={**PRIVATE, **RIGHTS, **GPS})])
    return Asset.objects.get(pk=result.asset_id)


def content(api_client, asset) -> bytes:
    response = api_client.get(f"/api/assets/{asset.id}/content/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    return b"".join(response.streaming_content)


def test_private_tags_are_gone_and_rights_stay(api_client, asset, tmp_path):
    tags = read_tags(content(api_client, asset), tmp_path)
    for tag in PRIVATE:
        assert tag not in tags, tag
    for tag, value in RIGHTS.items():
        assert tags[tag] == value, tag
    assert tags["GPS:GPSLatitude"] == 69.65  # kept: this asset is not flagged sensitive


def test_gps_is_stripped_for_sensitive_assets(api_client, asset, tmp_path):
    Asset.objects.filter(pk=asset.pk).update(location_sensitive=True)
    tags = read_tags(content(api_client, Asset.objects.get(pk=asset.pk)), tmp_path)
    assert not [tag for tag in tags if "GPS" in tag]
    assert tags["XMP-dc:Creator"] == "Jo Photographer"


def test_the_original_is_untouched_and_copies_are_cached(api_client, asset, tmp_path):
    original = settings.DAM_MEDIA_DIR / asset.current_version.storage_name
    before = original.read_bytes()
    first = content(api_client, asset)
    key = delivery_copy_key(asset)
    assert key.startswith("delivery/") and asset.current_version.sha256 in key
    modified = default_storage.get_modified_time(key)
    assert content(api_client, asset) == first
    assert default_storage.get_modified_time(key) == modified  # served from the cache, not made again
    assert original.read_bytes() == before
    assert hashlib.sha256(before).hexdigest() == asset.current_version.sha256
    original_tags = read_tags(before, tmp_path)
    assert all(original_tags[tag] == value for tag, value in PRIVATE.items())  # the copy, not the file, lost them


def test_sensitive_and_open_copies_are_cached_apart(asset):
    open_key = delivery_copy_key(asset)
    asset.location_sensitive = True
    assert delivery_copy_key(asset) != open_key
