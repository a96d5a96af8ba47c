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


def test_an_id3_tag_cut_short_by_the_end_of_the_file_is_read_as_far_as_it_goes(tmp_path, librarian):
    # TagLib's w000.mp3 and compressed_id3_frame.mp3: an ID3v2.3 tag that declares more bytes than
    # the file holds, and no audio. mutagen refuses such a tag whole; the frames before the cut are whole.
    from mutagen.id3 import COMM, ID3, TIT2, TPE1

    tag = ID3()
    tag.add(TIT2(encoding=3, text="Knowing You"))
    tag.add(TPE1(encoding=3, text="Sergio Galoyan"))
    tag.add(COMM(encoding=3, lang="eng", desc="", text="a comment that the end of the file cuts " * 20))
    path = tmp_path / "cut-short.mp3"
    tag.save(path, v2_version=3, padding=lambda info: 0)
    path.write_bytes(path.read_bytes()[:-300])  # inside the comment frame
    [result] = ingest_paths([path])
    assert result.status == "created", result.error
    assert any("the ID3 tag is cut short by the end of the file" in warning for warning in result.warnings)
    asset = Asset.objects.get(pk=result.asset_id)
    assert asset.title == "Knowing You" and asset.creators == ["Sergio Galoyan"]
    # mutagen cannot rewrite such a tag: the write-back fails with that reason, and the file stays.
    before = asset.current_version_id
    change = asset_metadata_update(asset, {"title": "Edited"}, librarian, "admin")
    done = metadata_writeback(change.pk)
    assert done.status == MetadataChange.Status.FAILED
    assert done.error == (
        "the file was not updated: the ID3 tag of cut-short.mp3 is cut short by the end of the file: "
        "dam does not rewrite a tag it cannot read whole"
    )  # named as the librarian knows the file, not by its working copy's name
    assert Asset.objects.get(pk=asset.pk).current_version_id == before


def test_a_recording_whose_header_reads_is_kept_though_ffmpeg_finds_no_stream(tmp_path):
    # mutagen's 106-short-picture-block-size.flac: a PICTURE block that declares 0 bytes and holds
    # a picture. FFmpeg reads the picture as further blocks and finds no stream; mutagen reads
    # STREAMINFO (44.1 kHz, stereo) and the picture. A header that reads is recognisable media.
    import struct

    data = (FIXTURES_DIR / "audio" / "tone.flac").read_bytes()
    streaminfo = data[8 : 8 + int.from_bytes(data[5:8], "big")]
    import io

    from mutagen.flac import FLAC
    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (10, 10), "teal").save(png, "PNG")
    png = png.getvalue()
    picture = struct.pack(">II9sI", 3, 9, b"image/png", 0) + struct.pack(">5I", 10, 10, 24, 0, len(png)) + png
    path = tmp_path / "short-picture-block.flac"
    # STREAMINFO, a PICTURE (type 6) that declares 0 bytes, the last block (padding), the frames.
    blocks = b"\x00" + len(streaminfo).to_bytes(3, "big") + streaminfo + b"\x06\x00\x00\x00" + picture
    blocks += b"\x81\x00\x00\x10" + bytes(16)
    path.write_bytes(b"fLaC" + blocks + data[data.index(b"\xff\xf8") :])
    [result] = ingest_paths([path])
    assert result.status == "created", result.error
    assert any("contains no audio that can be decoded" in warning for warning in result.warnings), result
    asset = Asset.objects.get(pk=result.asset_id)
    assert asset.duration_seconds is None
    assert asset.current_version.metadata["sample_rate"] == FLAC(FIXTURES_DIR / "audio" / "tone.flac").info.sample_rate


def test_random_bytes_named_mp3_are_still_refused():
    [result] = ingest_paths([FIXTURES_DIR / "broken" / "random.mp3"])
    assert result.status == "failed" and "contains no audio that can be decoded" in result.error
