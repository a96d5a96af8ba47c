"""The steps after ingest for the formats beyond the common ones and for damaged media: thumbnails,
samples for encoders, write-back where mutagen writes the format, the sidecar elsewhere."""

import io
import shutil

import pytest
from django.test import override_settings
from PIL import Image

from assets.decoding.sound import sound_samples
from assets.editing import asset_metadata_update, metadata_writeback, writable_fields
from assets.ingest import ingest_paths
from assets.metadata.audio_write import audio_tags_write
from assets.models import Asset
from assets.storage.blobs import blob_open
from assets.storage.thumbnails import thumbnail_render
from tests.conftest import FIXTURES_DIR

pytestmark = pytest.mark.django_db


def ingested(name: str) -> Asset:
    [result] = ingest_paths([FIXTURES_DIR / name])
    assert result.status == "created", result.error
    return Asset.objects.get(pk=result.asset_id)


def thumbnail(asset: Asset) -> Image.Image:
    key = thumbnail_render(asset.current_version_id)
    assert key, f"no thumbnail for {asset.mime_type}"
    with blob_open(key) as handle:
        return Image.open(io.BytesIO(handle.read())).convert("RGB")


@pytest.mark.parametrize(
    "name",
    [
        "images/animated.gif",
        "images/sample.bmp",
        "images/sample.psd",
        "images/sample.psb",
        "images/sample-rle.psb",
        "images/sample.avif",
        "images/stereo.mpo",
        "images/sample.dng",
        "images/preview-only.cr2",
        "broken/truncated.jpg",
        "broken/fuzzed.jpg",
    ],
)
def test_every_image_type_and_damaged_jpeg_gets_a_thumbnail(name):
    picture = thumbnail(ingested(name))
    assert picture.size[0] == 320 or picture.size[1] == 320 or picture.size == (320, 240)


def test_gif_thumbnail_is_its_first_frame():
    with Image.open(FIXTURES_DIR / "images" / "animated.gif") as gif:
        first = gif.convert("RGB").getpixel((10, 10))
    assert thumbnail(ingested("images/animated.gif")).getpixel((10, 10)) == pytest.approx(first, abs=12)


def test_an_rle_compressed_psb_composite_decodes_to_the_same_pixels_as_an_uncompressed_one():
    from assets.decoding.pictures import picture_decode
    from assets.detection import FORMATS

    rle = picture_decode(FIXTURES_DIR / "images" / "sample-rle.psb", FORMATS["psb"]).image
    plain = picture_decode(FIXTURES_DIR / "images" / "sample.psb", FORMATS["psb"]).image
    assert rle.size == plain.size == (320, 240)
    assert rle.convert("RGB").tobytes() == plain.convert("RGB").tobytes()


def _wide_rle_psb(width: int, height: int) -> tuple[bytes, Image.Image]:
    """An RLE PSB of noise (PackBits cannot shorten it), so each compressed row is longer than the
    65,535 bytes PSD's row counts can say, and the picture."""
    import random
    import sys

    sys.path.insert(0, str(FIXTURES_DIR))
    from make_formats import psd_bytes

    picture = Image.frombytes("RGB", (width, height), random.Random(7).randbytes(width * height * 3))
    return psd_bytes(picture, version=2, rle=True), picture


def test_a_psb_whose_compressed_rows_are_longer_than_a_psd_can_say_decodes(tmp_path):
    path = tmp_path / "panorama.psb"
    data, picture = _wide_rle_psb(70_000, 3)
    assert int.from_bytes(data[44:48], "big") > 0xFFFF  # the first row's length (no mode data, resources, layers)
    path.write_bytes(data)
    [result] = ingest_paths([path])
    assert result.status == "created", result.error
    asset = Asset.objects.get(pk=result.asset_id)
    assert (asset.width, asset.height) == (70_000, 3)
    from assets.decoding.pictures import picture_decode
    from assets.detection import FORMATS

    assert picture_decode(path, FORMATS["psb"]).image.convert("RGB").tobytes() == picture.tobytes()


def test_a_wide_psb_cut_short_is_kept_with_its_size_and_no_pixels(tmp_path):
    path = tmp_path / "panorama-cut.psb"
    data, _ = _wide_rle_psb(70_000, 3)
    path.write_bytes(data[: len(data) // 2])
    [result] = ingest_paths([path])
    assert result.status == "created", result.error
    assert any("composite image cannot be read" in warning for warning in result.warnings), result.warnings
    asset = Asset.objects.get(pk=result.asset_id)
    assert (asset.width, asset.height) == (70_000, 3)
    assert thumbnail_render(asset.current_version_id) is None


def test_a_psb_over_the_pixel_limit_is_refused_before_its_rows_are_read(tmp_path):
    path = tmp_path / "huge.psb"
    data, _ = _wide_rle_psb(70_000, 3)
    data = data[:14] + (300_000).to_bytes(4, "big") + (300_000).to_bytes(4, "big") + data[22:]
    path.write_bytes(data)
    [result] = ingest_paths([path])
    assert result.status == "failed"
    assert "refused as a possible decompression bomb" in result.error


def test_raw_thumbnail_comes_from_its_embedded_preview():
    # make_formats.py draws the preview on a (210, 90, 160) background.
    assert thumbnail(ingested("images/preview-only.cr2")).getpixel((5, 5)) == pytest.approx((210, 90, 160), abs=12)


@pytest.mark.parametrize("name", ["audio/tone.wma", "audio/tone.wv", "audio/tone.tta", "audio/tone.aac"])
def test_ffmpeg_decodes_samples_for_encoders(name):
    samples, rate = sound_samples(FIXTURES_DIR / name)
    assert rate == 22050 and 1.3 < len(samples) / rate < 2.1 and float(abs(samples).max()) > 0.05


@pytest.mark.parametrize(("name", "key"), [("tone.wma", "asf"), ("tone.wv", "wavpack"), ("tone.tta", "tta")])
def test_write_back_where_mutagen_writes_the_format(tmp_path, name, key):
    from assets.metadata.audio import audio_metadata

    path = tmp_path / name
    shutil.copyfile(FIXTURES_DIR / "audio" / name, path)
    audio_tags_write(path, key, {"title": "Edited title", "creators": ["Ana One"], "track_number": 7})
    values = audio_metadata(path, {}).values
    assert (values["title"], values["creators"], values["track_number"]) == ("Edited title", ["Ana One"], 7)
    assert values["album"] == "dam Fixture Sessions"  # not edited, kept


@override_settings(DAM_WRITEBACK="embed")
@pytest.mark.parametrize(("name", "reason"), [("audio/tone.aac", "ADTS"), ("images/sample.dng", "never written")])
def test_formats_dam_does_not_write_keep_the_edit_in_the_sidecar(cms, librarian, name, reason):
    asset = ingested(name)
    assert writable_fields(asset) == set()
    change = asset_metadata_update(asset, {"title": "Only in the sidecar"}, librarian, "admin")
    assert change.status == "recorded" and reason in change.note
    assert metadata_writeback(change.pk).status == "recorded"
    assert asset.versions.count() == 1
    sidecar = cms.get(f"/api/assets/{asset.pk}/sidecar/")
    assert sidecar.status_code == 200 and b"Only in the sidecar" in sidecar.content


@pytest.mark.parametrize(
    "name",
    [
        "images/animated.gif",
        "images/sample.bmp",
        "images/sample.psd",
        "images/sample.psb",
        "images/sample.avif",
        "images/stereo.mpo",
        "images/sample.dng",
        "images/preview-only.cr2",
        "images/sample-rle.psb",
        "images/sensor.dng",
        "images/camera.nef",
        "images/camera.arw",
        "images/camera.orf",
        "images/camera.rw2",
        "images/camera.raf",
        "images/camera.cr3",
        "audio/tone.wma",
        "audio/tone.aac",
    ],
)
def test_every_new_type_has_a_delivery_copy_or_says_why_not(cms, name):
    asset = ingested(name)
    response = cms.get(f"/api/assets/{asset.pk}/content/")
    if name == "images/preview-only.cr2":  # ExifTool will not strip this minimal CR2 layout
        assert response.status_code == 422 and "delivery copy cannot be made" in response.json()["error"]
    else:
        assert response.status_code == 200, response.content[:300]


@override_settings(DAM_WRITEBACK="embed")
def test_a_bigtiff_is_an_image_whose_edits_go_to_the_sidecar(tmp_path, cms, librarian):
    path = tmp_path / "big.tif"
    Image.new("RGB", (48, 32), (20, 90, 160)).save(path, big_tiff=True)
    assert path.read_bytes()[:4] == b"II+\x00"
    [result] = ingest_paths([path])
    assert result.status == "created", result.error
    asset = Asset.objects.get(pk=result.asset_id)
    assert asset.kind == "image" and thumbnail(asset).getpixel((0, 0)) == (20, 90, 160)

    change = asset_metadata_update(asset, {"title": "Only in the sidecar"}, librarian, "admin")

    assert change.status == "recorded" and "ExifTool cannot write BigTIFF" in change.note
    sidecar = cms.get(f"/api/assets/{asset.pk}/sidecar/")
    assert sidecar.status_code == 200 and b"Only in the sidecar" in sidecar.content
    response = cms.get(f"/api/assets/{asset.pk}/content/")
    assert response.status_code == 422 and "ExifTool cannot write BigTIFF" in response.json()["error"]
