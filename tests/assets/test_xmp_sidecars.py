"""XMP sidecars paired at folder ingest: read by the MWG rules, kept beside the version, orphans reported."""

import json
import shutil
import subprocess

import pytest
from django.test import override_settings

from assets.editing import asset_metadata_update
from assets.ingest import ingest_paths
from assets.models import Asset
from assets.storage.blobs import blob_open
from tests.conftest import FIXTURES_DIR, exiftool_write

pytestmark = pytest.mark.django_db

EMPTY_XMP = "<?xpacket begin='' id='W5M0MpCehiHzreSzNTczkc9d'?><x:xmpmeta xmlns:x='adobe:ns:meta/'></x:xmpmeta>"


def exiftool_read(path) -> dict:
    output = subprocess.run(["exiftool", "-j", "-G1", "-n", str(path)], capture_output=True, text=True, check=True)
    return json.loads(output.stdout)[0]


def sidecar(path, tags: dict):
    path.write_text(EMPTY_XMP, encoding="utf-8")
    exiftool_write(path, tags)
    return path


@pytest.mark.parametrize("sidecar_name", ["IMG_0001.dng.xmp", "IMG_0001.xmp", "IMG_0001.XMP"])
def test_raw_sidecar_is_paired_and_outranks_the_embedded_values(tmp_path, sidecar_name):
    shutil.copyfile(FIXTURES_DIR / "images" / "sample.dng", tmp_path / "IMG_0001.dng")
    sidecar(tmp_path / sidecar_name, {"XMP-dc:Title": "From the sidecar", "XMP-dc:Creator": "Ana Editor"})
    results = list(ingest_paths([tmp_path]))
    assert [r.status for r in results] == ["created"], [r.error for r in results]
    asset = Asset.objects.get(pk=results[0].asset_id)
    assert asset.title == "From the sidecar"
    assert asset.creators == ["Ana Editor"]  # over the raw's EXIF Artist: MWG makes the sidecar the master
    version = asset.current_version
    assert version.raw_tags["sidecar"]["name"] == sidecar_name
    assert version.raw_tags["sidecar"]["tags"]["XMP-dc:Title"] == "From the sidecar"
    assert version.sidecar_name.startswith("sidecars/") and len(version.sidecar_sha256) == 64


def test_orphan_sidecar_is_reported_as_one(tmp_path):
    sidecar(tmp_path / "IMG_0002.xmp", {"XMP-dc:Title": "Nobody's"})
    [result] = ingest_paths([tmp_path])
    assert result.status == "failed" and "XMP sidecar with no media file beside it" in result.error


def test_a_sidecar_named_without_its_media_file_says_which_file_to_ingest(tmp_path):
    shutil.copyfile(FIXTURES_DIR / "images" / "sample.dng", tmp_path / "IMG_0004.dng")
    (tmp_path / "IMG_0004.csv").write_text("not media, and first by name\n")
    sidecar(tmp_path / "IMG_0004.xmp", {"XMP-dc:Title": "With its raw"})
    [result] = ingest_paths([tmp_path / "IMG_0004.xmp"])
    assert result.status == "failed" and "the XMP sidecar of IMG_0004.dng" in result.error
    assert not Asset.objects.exists()
    # Named together, the two are one asset, and the sidecar gives no second result.
    [result] = ingest_paths([tmp_path / "IMG_0004.dng", tmp_path / "IMG_0004.xmp"])
    assert result.status == "created" and Asset.objects.get().title == "With its raw"


def test_a_raw_and_jpeg_pair_gives_the_name_alike_sidecar_to_the_raw_alone(tmp_path):
    # IMG_0005.JPG sorts before IMG_0005.dng; Lightroom writes IMG_0005.xmp for the raw of the pair.
    shutil.copyfile(FIXTURES_DIR / "images" / "sample.dng", tmp_path / "IMG_0005.dng")
    shutil.copyfile(FIXTURES_DIR / "images" / "sample.jpg", tmp_path / "IMG_0005.JPG")
    sidecar(tmp_path / "IMG_0005.xmp", {"XMP-dc:Title": "The raw's edits"})
    results = list(ingest_paths([tmp_path]))
    assert [r.status for r in results] == ["created", "created"], [r.error for r in results]
    by_type = {asset.mime_type: asset for asset in Asset.objects.all()}
    raw, jpeg = by_type["image/x-adobe-dng"], by_type["image/jpeg"]
    assert raw.title == "The raw's edits" and raw.current_version.sidecar_name
    assert jpeg.title != "The raw's edits" and not jpeg.current_version.sidecar_name
    assert "sidecar" not in jpeg.current_version.raw_tags
    # darktable's full-name form belongs to the file it names, whatever else is there.
    sidecar(tmp_path / "IMG_0005.JPG.xmp", {"XMP-dc:Title": "The JPEG's own"})
    Asset.objects.all().delete()
    list(ingest_paths([tmp_path]))
    titles = {asset.mime_type: asset.title for asset in Asset.objects.all()}
    assert titles == {"image/x-adobe-dng": "The raw's edits", "image/jpeg": "The JPEG's own"}


@override_settings(DAM_WRITEBACK="embed")
def test_edits_of_a_raw_file_go_into_its_own_sidecar_which_keeps_everything_else(tmp_path, librarian, cms):
    original = (FIXTURES_DIR / "images" / "sample.dng").read_bytes()
    (tmp_path / "IMG_0003.dng").write_bytes(original)
    sidecar(tmp_path / "IMG_0003.xmp", {"XMP-dc:Title": "Before", "XMP-xmp:Label": "Red", "XMP-xmp:Rating": 4})
    [result] = ingest_paths([tmp_path])
    asset = Asset.objects.get(pk=result.asset_id)
    change = asset_metadata_update(asset, {"title": "After"}, librarian, "admin")
    assert change.status == "recorded" and "never written" in change.note
    response = cms.get(f"/api/assets/{asset.pk}/sidecar/")
    served = tmp_path / "served.xmp"
    served.write_bytes(response.content)
    tags = exiftool_read(served)
    assert (tags["XMP-dc:Title"], tags["XMP-xmp:Label"], tags["XMP-xmp:Rating"]) == ("After", "Red", 4)
    with blob_open(asset.current_version.storage_name) as handle:
        assert handle.read() == original  # the raw file itself is never written


def test_a_sidecar_on_its_own_is_named_for_what_it_is(tmp_path):
    path = sidecar(tmp_path / "sent-alone.xmp", {"XMP-dc:Title": "Alone"})
    from assets.ingest import IngestSource, ingest_sources

    [result] = ingest_sources([IngestSource(name="sent-alone.xmp", label="upload", open=lambda: path.open("rb"))])
    assert result.status == "failed" and "an XMP sidecar" in result.error
