"""Camera raw files (fixtures/make_raw.py): each maker's type ingests as an image with its EXIF
mapped, is pictured from its embedded preview (or, for a DNG of sensor data only, developed by
LibRaw within the memory budget), and edits go to an XMP sidecar while the raw file stays
byte-identical. (Metadata values of every fixture: tests/assets/test_metadata_formats.py.)"""

import io
import json
import shutil
import subprocess

import pytest
from django.test import override_settings
from PIL import Image, ImageOps

from assets.decoding.pictures import picture_decode
from assets.detection import FORMATS
from assets.editing import asset_metadata_update, metadata_writeback, writable_fields
from assets.ingest import ingest_paths
from assets.models import Asset
from assets.storage.blobs import blob_open
from assets.storage.thumbnails import thumbnail_render
from tests.conftest import FIXTURES_DIR, exiftool_write

pytestmark = pytest.mark.django_db

# Each fixture: its format key, its MIME type, and the background its preview is drawn on
# (make_raw.CAMERAS); sensor.dng's is the drawing's, as LibRaw develops it.
RAW_FILES = {
    "camera.nef": ("nef", "image/x-nikon-nef", (200, 40, 40)),
    "camera.arw": ("arw", "image/x-sony-arw", (40, 200, 40)),
    "camera.orf": ("orf", "image/x-olympus-orf", (40, 40, 200)),
    "camera.rw2": ("rw2", "image/x-panasonic-rw2", (200, 200, 40)),
    "camera.raf": ("raf", "image/x-fuji-raf", (200, 40, 200)),
    "camera.cr3": ("cr3", "image/x-canon-cr3", (40, 200, 200)),
    "sensor.dng": ("dng", "image/x-adobe-dng", (250, 90, 160)),
}
MAKES = {
    "nef": "NIKON CORPORATION",
    "arw": "SONY",
    "orf": "OLYMPUS IMAGING CORP.",
    "rw2": "Panasonic",
    "raf": "FUJIFILM",
    "cr3": "Canon",
    "dng": "dam",
}


def ingested(name: str) -> Asset:
    [result] = ingest_paths([FIXTURES_DIR / "images" / name])
    assert result.status == "created", result.error
    return Asset.objects.get(pk=result.asset_id)


def exiftool_read(path) -> dict:
    output = subprocess.run(["exiftool", "-j", "-G1", "-n", str(path)], capture_output=True, text=True, check=True)
    return json.loads(output.stdout)[0]


@pytest.mark.parametrize("name", RAW_FILES)
def test_each_raw_type_ingests_as_an_image_with_its_exif_mapped(name):
    key, mime_type, _ = RAW_FILES[name]
    asset = ingested(name)
    assert (asset.kind, asset.mime_type) == ("image", mime_type)
    assert asset.current_version.storage_name.endswith(f".{FORMATS[key].extension}")
    assert asset.creators == ["Sam Tester"]
    assert asset.copyright_notice == "(c) 2026 dam fixtures"
    assert asset.date_created == "2026-03-14T09:26:53"
    assert asset.current_version.raw_tags["exiftool"]["IFD0:Make"] == MAKES[key]
    assert asset.warnings == []


@pytest.mark.parametrize("name", RAW_FILES)
def test_each_raw_type_gets_a_thumbnail_of_its_picture(name):
    _, _, background = RAW_FILES[name]
    asset = ingested(name)
    key = thumbnail_render(asset.current_version_id)
    assert key, f"no thumbnail for {name}"
    with blob_open(key) as handle:
        thumbnail = Image.open(io.BytesIO(handle.read())).convert("RGB")
    assert thumbnail.getpixel((3, 3)) == pytest.approx(background, abs=20)


@pytest.mark.parametrize("name", [name for name in RAW_FILES if name != "sensor.dng"])
def test_the_picture_is_the_embedded_preview_exiftool_extracts(name):
    key, _, _ = RAW_FILES[name]
    path = FIXTURES_DIR / "images" / name
    picture = picture_decode(path, FORMATS[key])
    assert picture.source.startswith("the embedded ") and picture.image.size == (320, 240)
    tag = picture.source.removeprefix("the embedded ")
    preview = subprocess.run(["exiftool", "-b", f"-{tag}", str(path)], capture_output=True, check=True).stdout
    with Image.open(io.BytesIO(preview)) as extracted:
        assert extracted.convert("RGB").tobytes() == picture.image.convert("RGB").tobytes()


def test_a_dng_of_sensor_data_only_is_developed_by_libraw_at_half_size():
    picture = picture_decode(FIXTURES_DIR / "images" / "sensor.dng", FORMATS["dng"])
    assert "LibRaw" in picture.source and picture.image.size == (160, 120)
    # The drawing: a (250, 90, 160) background and a (240, 200, 40) rectangle from (40, 40) to (200, 180),
    # as LibRaw's camera white balance, colour matrix and brightening render them.
    assert picture.image.getpixel((2, 2)) == pytest.approx((250, 90, 160), abs=20)
    assert picture.image.getpixel((50, 50)) == pytest.approx((240, 200, 40), abs=25)


@override_settings(DAM_MAX_IMAGE_DECODE_BYTES=300_000)
def test_developing_sensor_data_over_the_memory_budget_is_not_tried_and_the_raw_is_kept():
    # 320×240 16-bit sensor data and its half-size development need about 440 kB (budget.raw_decode_bytes).
    [result] = ingest_paths([FIXTURES_DIR / "images" / "sensor.dng"])
    assert result.status == "created"
    asset = Asset.objects.get(pk=result.asset_id)
    [warning] = asset.warnings
    assert "too large to develop safely" in warning and "DAM_MAX_IMAGE_DECODE_BYTES" in warning
    assert asset.creators == ["Sam Tester"]  # the metadata is kept


@override_settings(DAM_MAX_IMAGE_PIXELS=50_000)
def test_sensor_data_over_the_pixel_limit_is_refused_before_it_is_unpacked():
    [result] = ingest_paths([FIXTURES_DIR / "images" / "sensor.dng"])
    assert result.status == "failed" and "320×240 pixels" in result.error and "decompression bomb" in result.error


@override_settings(DAM_WRITEBACK="embed")
@pytest.mark.parametrize("name", RAW_FILES)
def test_edits_of_each_raw_type_go_to_an_xmp_sidecar_and_the_raw_stays_byte_identical(cms, librarian, tmp_path, name):
    original = (FIXTURES_DIR / "images" / name).read_bytes()
    asset = ingested(name)
    assert writable_fields(asset) == set()
    change = asset_metadata_update(asset, {"title": "Edited in dam", "keywords": ["harbour"]}, librarian, "admin")
    assert change.status == "recorded" and "never written" in change.note
    assert metadata_writeback(change.pk).status == "recorded"
    assert asset.versions.count() == 1
    with blob_open(asset.current_version.storage_name) as handle:
        assert handle.read() == original
    response = cms.get(f"/api/assets/{asset.pk}/sidecar/")
    assert response.status_code == 200
    served = tmp_path / "served.xmp"
    served.write_bytes(response.content)
    tags = exiftool_read(served)
    assert (tags["XMP-dc:Title"], tags["XMP-dc:Subject"]) == ("Edited in dam", "harbour")
    assert tags["XMP-dc:Creator"] == "Sam Tester"  # what the raw said, carried into its sidecar


@pytest.mark.parametrize("name", RAW_FILES)
def test_each_raw_type_pairs_with_its_darktable_sidecar_which_outranks_the_camera(tmp_path, name):
    key, _, _ = RAW_FILES[name]
    raw = tmp_path / f"IMG_0001.{key.upper()}"
    shutil.copyfile(FIXTURES_DIR / "images" / name, raw)
    sidecar = tmp_path / f"{raw.name}.xmp"  # darktable's naming: the whole file name, then .xmp
    sidecar.write_text("<x:xmpmeta xmlns:x='adobe:ns:meta/'></x:xmpmeta>", encoding="utf-8")
    exiftool_write(sidecar, {"XMP-dc:Title": "Pier at dawn", "XMP-dc:Creator": "Ana Editor"})
    [result] = ingest_paths([tmp_path])
    assert result.status == "created", result.error
    asset = Asset.objects.get(pk=result.asset_id)
    assert (asset.title, asset.creators) == ("Pier at dawn", ["Ana Editor"])  # over the camera's Artist
    assert asset.copyright_notice == "(c) 2026 dam fixtures"  # the sidecar is silent: the camera's stays
    assert asset.current_version.raw_tags["sidecar"]["name"] == sidecar.name


@pytest.mark.parametrize(("name", "orientation"), [("camera.nef", 6), ("camera.cr3", 8), ("camera.orf", 3)])
def test_a_turned_shot_is_shown_upright_though_its_preview_is_not(tmp_path, name, orientation):
    # Cameras record the turn in the raw's EXIF (IFD0), not in the preview they embed.
    key, _, background = RAW_FILES[name]
    turned = tmp_path / f"turned.{key}"
    shutil.copyfile(FIXTURES_DIR / "images" / name, turned)
    subprocess.run(
        ["exiftool", "-q", "-overwrite_original", "-n", f"-IFD0:Orientation={orientation}", str(turned)], check=True
    )
    picture = picture_decode(turned, FORMATS[key])
    assert picture.image.size == (320, 240)  # as embedded, with the turn to apply where it is shown or embedded
    upright_size = (240, 320) if orientation in (6, 8) else (320, 240)
    # The preview's white ellipse is centred at (133, 100) of 320×240; where the turn takes it:
    upright = {6: (239 - 100, 133), 8: (100, 319 - 133), 3: (319 - 133, 239 - 100)}[orientation]
    shown = ImageOps.exif_transpose(picture.image).convert("RGB")
    assert shown.size == upright_size and shown.getpixel(upright) == pytest.approx((250, 250, 250), abs=25)
    [result] = ingest_paths([turned])
    thumbnail_key = thumbnail_render(Asset.objects.get(pk=result.asset_id).current_version_id)
    with blob_open(thumbnail_key) as handle:
        thumbnail = Image.open(io.BytesIO(handle.read())).convert("RGB")
    assert thumbnail.size == upright_size
    assert thumbnail.getpixel(upright) == pytest.approx((250, 250, 250), abs=25)
    assert thumbnail.getpixel((3, 3)) == pytest.approx(background, abs=20)


def dng_declaring(width: int, height: int) -> bytes:
    """sensor.dng with IFD0's ImageWidth and ImageLength (LONG, in the entry) rewritten."""
    import struct

    data = bytearray((FIXTURES_DIR / "images" / "sensor.dng").read_bytes())
    count = struct.unpack_from("<H", data, 8)[0]
    for entry in range(10, 10 + 12 * count, 12):
        tag = struct.unpack_from("<H", data, entry)[0]
        if tag in (0x0100, 0x0101):
            struct.pack_into("<I", data, entry + 8, width if tag == 0x0100 else height)
    return bytes(data)


def test_sensor_data_declaring_a_bomb_is_refused_before_libraw_unpacks_it(tmp_path):
    path = tmp_path / "bomb.dng"
    path.write_bytes(dng_declaring(60_000, 40_000))
    [result] = ingest_paths([path])
    assert result.status == "failed" and "decompression bomb" in result.error, result.error


def test_sensor_data_cut_short_is_kept_with_what_can_be_said(tmp_path):
    data = (FIXTURES_DIR / "images" / "sensor.dng").read_bytes()
    path = tmp_path / "cut.dng"
    path.write_bytes(data[: len(data) // 3])
    [result] = ingest_paths([path])
    assert result.status == "created", result.error
    asset = Asset.objects.get(pk=result.asset_id)
    assert asset.creators == ["Sam Tester"]  # the metadata before the cut is kept
    [warning] = asset.warnings
    assert "ends before its sensor data does" in warning and "no thumbnail" in warning
