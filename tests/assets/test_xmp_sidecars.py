"""XMP sidecars paired at folder ingest: read by the MWG rules, kept beside the version, orphans reported."""

import shutil

import pytest

from assets.ingest import ingest_paths
from assets.models import Asset
from tests.conftest import FIXTURES_DIR, exiftool_write

pytestmark = pytest.mark.django_db

EMPTY_XMP = "<?xpacket begin='' id='W5M0MpCehiHzreSzNTczkc9d'?><x:xmpmeta xmlns:x='adobe:ns:meta/'></x:xmpmeta>"


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
    assert asset.current_version.raw_tags["sidecar"]["name"] == sidecar_name
    assert asset.current_version.raw_tags["sidecar"]["storage_name"].startswith("sidecars/")


def test_orphan_sidecar_is_reported_as_one(tmp_path):
    sidecar(tmp_path / "IMG_0002.xmp", {"XMP-dc:Title": "Nobody's"})
    [result] = ingest_paths([tmp_path])
    assert result.status == "failed" and "XMP sidecar with no media file beside it" in result.error
