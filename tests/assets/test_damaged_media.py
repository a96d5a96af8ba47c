"""Damaged but recognisable media: kept at ingest, and every later step works or says why not."""

import json

import pytest

from assets.decoding.sound import sound_samples
from assets.editing import asset_metadata_update, metadata_writeback
from assets.ingest import ingest_paths
from assets.models import Asset, MetadataChange
from assets.storage.blobs import blob_staged
from assets.storage.thumbnails import thumbnail_render
from tests.conftest import FIXTURES_DIR

MANIFEST = json.loads((FIXTURES_DIR / "MANIFEST.json").read_text())
DAMAGED = sorted(
    name
    for name, entry in MANIFEST.items()
    if entry.get("broken") and entry["expect_status"] == "created" and name != "broken/png-named.jpg"
)

pytestmark = pytest.mark.django_db


def ingested(name: str) -> Asset:
    [result] = ingest_paths([FIXTURES_DIR / name])
    assert result.status == "created", result.error
    assert result.warnings, f"{name} was kept without saying what is damaged"
    return Asset.objects.get(pk=result.asset_id)


def test_the_damaged_fixtures_are_the_ones_the_issue_names():
    assert set(DAMAGED) >= {
        "broken/truncated.jpg",
        "broken/fuzzed.jpg",
        "broken/truncated.flac",
        "broken/lost-sync.flac",
        "broken/broken-frames.mp3",
        "broken/malformed-page.ogg",
        "broken/broken-id3.mp3",
    }


@pytest.mark.parametrize("name", DAMAGED)
def test_damaged_media_goes_through_every_later_step(name, librarian, cms):
    asset = ingested(name)
    # The asset's JSON and JSON-LD documents answer.
    assert cms.get(f"/api/assets/{asset.pk}/").status_code == 200
    document = cms.get(f"/api/assets/{asset.pk}/", HTTP_ACCEPT="application/ld+json")
    assert document.status_code == 200 and document.json()["@type"] in ("ImageObject", "AudioObject")
    # Pictures get a thumbnail of what decodes; sound decodes for the encoders.
    if asset.kind == "image":
        assert thumbnail_render(asset.current_version_id)
        assert cms.get(f"/api/assets/{asset.pk}/thumbnail/").status_code == 200
    else:
        with blob_staged(asset.current_version.storage_name) as work:
            samples, rate = sound_samples(work)
        assert len(samples) / rate > 0.5
    # Write-back either writes a verified new version or fails with the reason, never raises.
    change = asset_metadata_update(asset, {"title": "Edited after damage"}, librarian, "admin")
    done = metadata_writeback(change.pk)
    assert done.status in (MetadataChange.Status.WRITTEN, MetadataChange.Status.FAILED)
    if done.status == MetadataChange.Status.FAILED:
        assert done.error.startswith("the file was not updated")
    else:
        assert Asset.objects.get(pk=asset.pk).current_version.metadata["title"] == "Edited after damage"
    assert cms.get(f"/api/assets/{asset.pk}/content/").status_code == 200


def test_a_recording_none_of_whose_sound_decodes_is_kept_with_its_tags(soundless_recording, librarian, cms):
    [result] = ingest_paths([soundless_recording])
    assert result.status == "created", result.error
    assert any("contains no audio that can be decoded" in warning for warning in result.warnings), result
    asset = Asset.objects.get(pk=result.asset_id)
    assert asset.title == "Only the tags are left" and asset.creators == ["Field Recordist"]
    assert asset.duration_seconds is None  # the length is what decodes, not what a header claims
    assert cms.get(f"/api/assets/{asset.pk}/").status_code == 200
    assert cms.get(f"/api/assets/{asset.pk}/", HTTP_ACCEPT="application/ld+json").status_code == 200
    assert cms.get(f"/api/assets/{asset.pk}/content/").status_code == 200
    change = asset_metadata_update(asset, {"title": "Tags edited"}, librarian, "admin")
    assert metadata_writeback(change.pk).status == MetadataChange.Status.WRITTEN
    assert Asset.objects.get(pk=asset.pk).title == "Tags edited"


def test_a_recording_with_no_sound_is_no_query_clip(soundless_recording, api_client):
    with soundless_recording.open("rb") as clip:
        response = api_client.post("/api/search/", {"file": clip}, format="multipart")
    assert response.status_code == 400
    assert "contains no audio that can be decoded" in response.json()["error"]


def test_a_header_that_claims_more_than_the_file_holds_is_not_believed(tmp_path):
    # A FLAC whose STREAMINFO claims 2**36 - 1 samples (433 hours at 44.1 kHz) in a few kilobytes:
    # it is decoded, and its length is what decodes, instead of being refused as too long.
    data = bytearray((FIXTURES_DIR / "audio" / "tone.flac").read_bytes())
    assert data[:4] == b"fLaC" and data[4] & 0x7F == 0  # STREAMINFO first
    data[21] |= 0x0F  # the total-samples field: the low 4 bits of byte 21, then bytes 22-25
    data[22:26] = b"\xff\xff\xff\xff"
    path = tmp_path / "claims-433-hours.flac"
    path.write_bytes(data)
    [result] = ingest_paths([path])
    assert result.status == "created", result.error
    assert any("the header declares" in warning and "hours" in warning for warning in result.warnings)
    assert 0 < Asset.objects.get(pk=result.asset_id).duration_seconds < 60


def test_a_picture_whose_headers_read_and_whose_pixels_do_not_is_kept(tmp_path, librarian, cms):
    # An 8-bit BMP with a palette larger than 8 bits index: Pillow reads its headers, and no
    # pixel of it decodes, even as a truncated image (ExifTool's QuickTime.heic is another).
    from tests.assets.test_bad_input import oversized_palette_bmp

    path = tmp_path / "no-pixels.bmp"
    path.write_bytes(oversized_palette_bmp())
    [result] = ingest_paths([path])
    assert result.status == "created", result.error
    assert any(warning.endswith("it has no thumbnail and no image embedding") for warning in result.warnings)
    asset = Asset.objects.get(pk=result.asset_id)
    assert (asset.width, asset.height) == (2, 2)
    assert thumbnail_render(asset.current_version_id) is None
    assert cms.get(f"/api/assets/{asset.pk}/thumbnail/").status_code == 404
    assert cms.get(f"/api/assets/{asset.pk}/", HTTP_ACCEPT="application/ld+json").status_code == 200
    assert cms.get(f"/api/assets/{asset.pk}/content/").status_code == 200
    change = asset_metadata_update(asset, {"title": "Kept without its pixels"}, librarian, "admin")
    assert change.status != MetadataChange.Status.FAILED
    assert Asset.objects.get(pk=asset.pk).title == "Kept without its pixels"
