"""Each supported format's metadata, read from the real fixture files (fixtures/MANIFEST.json)."""

import json

import pytest

from assets.ingest import ingest_paths
from assets.models import Asset, IngestRecord
from tests.conftest import FIXTURES_DIR, exiftool_write

MANIFEST = json.loads((FIXTURES_DIR / "MANIFEST.json").read_text())
MEDIA = sorted(name for name, entry in MANIFEST.items() if not entry.get("broken"))
BROKEN = sorted(name for name, entry in MANIFEST.items() if entry.get("broken"))

pytestmark = pytest.mark.django_db


def ingest_fixture(name: str):
    [result] = ingest_paths([FIXTURES_DIR / name])
    return result


@pytest.mark.parametrize("name", MEDIA)
def test_fixture_metadata_reads_as_written(name):
    entry = MANIFEST[name]
    result = ingest_fixture(name)
    assert result.status == "created", result.error
    asset = Asset.objects.get(pk=result.asset_id)
    assert (asset.kind, asset.mime_type) == (entry["kind"], entry["mime_type"])
    read = {field: getattr(asset, field) for field in entry["expect"]}
    assert read == entry["expect"]
    if entry.get("expect_warning"):
        assert asset.warnings
    else:
        assert asset.warnings == []


def test_every_supported_format_has_a_fixture():
    from assets.detection import FORMATS

    covered = {MANIFEST[name]["mime_type"] for name in MEDIA}
    # HEIC is made at test time below (its encoder ships with pillow-heif); no free encoder writes
    # Monkey's Audio or Musepack (fixtures/make_formats.py). Camera raw files are written byte by
    # byte (fixtures/make_raw.py).
    no_free_encoder = {"heic", "ape", "musepack"}
    expected = {media_format.mime_type for media_format in FORMATS.values() if media_format.key not in no_free_encoder}
    assert expected <= covered


@pytest.mark.parametrize("name", BROKEN)
def test_broken_fixture_gets_its_expected_outcome(name):
    entry = MANIFEST[name]
    result = ingest_fixture(name)
    assert result.status == entry["expect_status"], (result.error, entry["purpose"])
    record = IngestRecord.objects.get()
    assert record.status == entry["expect_status"]
    if result.status == "failed":
        assert result.error and record.error == result.error
        assert Asset.objects.count() == 0
    else:
        asset = Asset.objects.get(pk=result.asset_id)
        assert asset.warnings
        for field, value in entry.get("expect", {}).items():
            assert getattr(asset, field) == value, field


def test_failure_reasons_name_the_problem():
    reasons = {name: ingest_fixture(name).error for name in BROKEN if MANIFEST[name]["expect_status"] == "failed"}
    assert reasons["broken/empty.jpg"] == "the file is empty (0 bytes)"
    assert "PDF document" in reasons["broken/mislabelled-pdf.jpg"]
    assert reasons["broken/not-media.txt"] == "the file is text, not a supported image or audio file"
    assert "decompression bomb" in reasons["broken/bomb.png"] and "900 megapixels" in reasons["broken/bomb.png"]
    for reason in reasons.values():
        assert "staging" not in reason and "var/" not in reason  # no internal paths in what a librarian reads


def test_damaged_media_is_kept_with_a_warning_that_says_what_is_damaged():
    warnings = {
        name: ingest_fixture(name).warnings
        for name in BROKEN
        if MANIFEST[name]["expect_status"] == "created" and MANIFEST[name]["kind"]
    }
    assert any("truncated" in warning for warning in warnings["broken/truncated.jpg"])
    assert any("damaged" in warning for warning in warnings["broken/fuzzed.jpg"])
    assert any("truncated" in warning for warning in warnings["broken/truncated.flac"])
    assert any("libsndfile cannot decode" in warning for warning in warnings["broken/lost-sync.flac"])
    assert any("damaged frame" in warning for warning in warnings["broken/broken-frames.mp3"])
    assert any("malformed page" in warning for warning in warnings["broken/malformed-page.ogg"])


def test_heic_image_with_xmp(tmp_path):
    from PIL import Image

    path = tmp_path / "phone.heic"
    Image.new("RGB", (96, 64), (30, 120, 200)).save(path, format="HEIF", quality=70)
    exiftool_write(
        path,
        {
            "XMP-dc:Title": "From a phone",
            "XMP-dc:Subject": ["beach", "dusk"],
            "XMP-exif:GPSLatitude": -8.65,
            "XMP-exif:GPSLongitude": 115.13,
        },
    )
    [result] = ingest_paths([path])
    assert result.status == "created", result.error
    asset = Asset.objects.get(pk=result.asset_id)
    assert (asset.mime_type, asset.width, asset.height) == ("image/heic", 96, 64)
    assert (asset.title, asset.keywords, asset.latitude, asset.longitude) == (
        "From a phone",
        ["beach", "dusk"],
        -8.65,
        115.13,
    )
