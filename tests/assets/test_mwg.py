"""MWG reconciliation: which of EXIF, IPTC-IIM and XMP wins when they disagree."""

import json
import subprocess

import pytest

from assets.ingest import ingest_paths
from assets.metadata.mwg import IptcState, reconcile
from assets.models import Asset

SYNCED = IptcState(present=True, in_sync=True)
STALE = IptcState(present=True, in_sync=False)
NO_IIM = IptcState(present=False, in_sync=True)


def test_exif_wins_when_it_has_a_value():
    assert reconcile("exif", "iim", "xmp", SYNCED) == "exif"
    assert reconcile("exif", "iim", "xmp", STALE) == "exif"
    assert reconcile("   ", "iim", "xmp", SYNCED) == "xmp"  # blank EXIF counts as absent


def test_xmp_wins_when_the_digest_matches():
    assert reconcile(None, "iim", "xmp", SYNCED) == "xmp"


def test_iim_wins_when_the_digest_is_stale():
    assert reconcile(None, "iim", "xmp", STALE) == "iim"


def test_xmp_is_used_when_the_file_has_no_iim_block():
    assert reconcile(None, None, "xmp", NO_IIM) == "xmp"


def test_the_only_value_present_is_used():
    assert reconcile(None, None, "xmp", STALE) == "xmp"
    assert reconcile(None, "iim", None, SYNCED) == "iim"


def test_iim_truncated_by_its_length_limit_recovers_the_longer_xmp_value():
    long_city = "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch"
    assert reconcile(None, long_city[:32], long_city, STALE, iptc_limit=32) == long_city
    assert (
        reconcile(None, "Another city entirely, 32 chars!", long_city, STALE, iptc_limit=32)
        == "Another city entirely, 32 chars!"
    )


def _write(path, *args):
    subprocess.run(["exiftool", "-overwrite_original", "-q", "-m", *args, str(path)], check=True, capture_output=True)


def _mwg_composite(path) -> dict:
    """ExifTool's own MWG reading, to check that dam agrees with it."""
    output = subprocess.run(
        [
            "exiftool",
            "-j",
            "-G1",
            "-use",
            "MWG",
            "-MWG:Description",
            "-MWG:Creator",
            "-MWG:Copyright",
            "-MWG:Keywords",
            "-MWG:City",
            str(path),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output)[0]


@pytest.fixture
def disagreeing_jpeg(make_jpeg):
    """IIM and XMP written together (digest in sync), then IIM changed behind XMP's back."""
    path = make_jpeg("mwg.jpg", seed=21)
    _write(
        path,
        "-IPTC:ObjectName=Title in sync",
        "-XMP-dc:Title=Title in sync",
        "-IPTC:Caption-Abstract=Caption in sync",
        "-XMP-dc:Description=Caption in sync",
        "-IPTC:City=Oslo",
        "-XMP-photoshop:City=Oslo",
        "-IPTC:Keywords=fjord",
        "-XMP-dc:Subject=fjord",
        "-IPTC:By-line=Kari",
        "-XMP-dc:Creator=Kari",
    )
    _write(path, "-Photoshop:IPTCDigest=new")  # what an MWG-aware editor stores after syncing
    return path


def _digests(path) -> dict:
    output = subprocess.run(
        ["exiftool", "-j", "-G1", "-IPTCDigest", "-CurrentIPTCDigest", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output)[0]


@pytest.mark.django_db
def test_stale_iptc_digest_makes_iim_win_and_warns(disagreeing_jpeg):
    # Change only IIM and keep the stored digest as it was: what a tool unaware of MWG does.
    synced_digest = _digests(disagreeing_jpeg)["Photoshop:IPTCDigest"]
    _write(
        disagreeing_jpeg,
        "-IPTC:ObjectName=Title edited in IIM",
        "-IPTC:Caption-Abstract=Caption edited in IIM",
        "-IPTC:City=Bergen",
        "-IPTC:Keywords-=fjord",
        "-IPTC:Keywords+=harbour",
        "-IPTC:By-line=Ola",
    )
    _write(disagreeing_jpeg, f"-Photoshop:IPTCDigest={synced_digest}")
    digests = _digests(disagreeing_jpeg)
    assert digests["Photoshop:IPTCDigest"] != digests["File:CurrentIPTCDigest"], "the file must have a stale digest"
    [result] = ingest_paths([disagreeing_jpeg])
    asset = Asset.objects.get(pk=result.asset_id)
    assert (asset.title, asset.description, asset.city) == ("Title edited in IIM", "Caption edited in IIM", "Bergen")
    assert (asset.keywords, asset.creators) == (["harbour"], ["Ola"])
    assert any("stale IPTC digest" in warning for warning in asset.warnings)
    composite = _mwg_composite(disagreeing_jpeg)
    assert asset.description == composite["MWG:Description"]
    assert asset.city == composite["MWG:City"]


@pytest.mark.django_db
def test_digest_in_sync_makes_xmp_win(disagreeing_jpeg):
    # Change XMP only: the IIM block is unchanged, so its digest still matches and XMP wins.
    digests = _digests(disagreeing_jpeg)
    assert digests["Photoshop:IPTCDigest"] == digests["File:CurrentIPTCDigest"]
    _write(
        disagreeing_jpeg,
        "-XMP-dc:Title=Title edited in XMP",
        "-XMP-dc:Description=Caption edited in XMP",
        "-XMP-photoshop:City=Trondheim",
        "-XMP-dc:Creator=Ingrid",
    )
    [result] = ingest_paths([disagreeing_jpeg])
    asset = Asset.objects.get(pk=result.asset_id)
    assert (asset.title, asset.description, asset.city, asset.creators) == (
        "Title edited in XMP",
        "Caption edited in XMP",
        "Trondheim",
        ["Ingrid"],
    )
    assert not any("stale" in warning for warning in asset.warnings)
    composite = _mwg_composite(disagreeing_jpeg)
    assert asset.description == composite["MWG:Description"]
    assert asset.creators == [composite["MWG:Creator"]]


@pytest.mark.django_db
def test_exif_beats_iim_and_xmp_for_description_creator_and_copyright(disagreeing_jpeg):
    _write(
        disagreeing_jpeg,
        "-IFD0:ImageDescription=Caption from the camera",
        "-IFD0:Artist=Camera Owner",
        "-IFD0:Copyright=(c) Camera Owner",
        "-XMP-dc:Rights=(c) Someone in XMP",
        "-IPTC:CopyrightNotice=(c) IIM",
    )
    [result] = ingest_paths([disagreeing_jpeg])
    asset = Asset.objects.get(pk=result.asset_id)
    assert asset.description == "Caption from the camera"
    assert asset.creators == ["Camera Owner"]
    assert asset.copyright_notice == "(c) Camera Owner"
    composite = _mwg_composite(disagreeing_jpeg)
    assert (asset.description, asset.copyright_notice) == (composite["MWG:Description"], composite["MWG:Copyright"])
