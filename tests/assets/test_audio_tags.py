"""Audio tag families the fixtures do not cover: ID3v2.2 (mutagen cannot write it) and APEv2."""

import struct

import pytest
from mutagen.apev2 import APEv2
from mutagen.id3 import ID3, TIT2

from assets.ingest import ingest_paths
from assets.models import Asset
from tests.conftest import FIXTURES_DIR

pytestmark = pytest.mark.django_db


def mpeg_frames() -> bytes:
    """The MPEG audio of a fixture without its tags (ID3v1 is the last 128 bytes)."""
    data = (FIXTURES_DIR / "audio" / "tone-id3v1.mp3").read_bytes()
    assert data[-128:-125] == b"TAG"
    return data[:-128]


def synchsafe(size: int) -> bytes:
    return bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])


def id3v22_tag(frames: dict[str, str]) -> bytes:
    """An ID3v2.2 tag (three-letter frame IDs, three-byte sizes), written by hand."""
    body = b""
    for frame_id, text in frames.items():
        payload = b"\x00" + text.encode("latin-1")
        body += frame_id.encode() + struct.pack(">I", len(payload))[1:] + payload
    return b"ID3\x02\x00\x00" + synchsafe(len(body)) + body


def test_id3v22_frames_are_read(tmp_path):
    path = tmp_path / "old-itunes.mp3"
    path.write_bytes(
        id3v22_tag({"TT2": "Old iTunes rip", "TP1": "Vintage Band", "TAL": "First Album", "TRK": "7/9", "TYE": "1998"})
        + mpeg_frames()
    )
    [result] = ingest_paths([path])
    assert result.status == "created", result.error
    asset = Asset.objects.get(pk=result.asset_id)
    assert (asset.title, asset.creators, asset.album, asset.track_number, asset.date_created) == (
        "Old iTunes rip",
        ["Vintage Band"],
        "First Album",
        7,
        "1998",
    )


def test_apev2_alone(tmp_path):
    path = tmp_path / "ape-only.mp3"
    path.write_bytes(mpeg_frames())
    tag = APEv2()
    tag["Title"], tag["Artist"], tag["Album"], tag["Track"], tag["ISRC"] = (
        "APE title",
        "APE artist",
        "APE album",
        "4",
        "ZZX0Z2499999",
    )
    tag.save(path)
    [result] = ingest_paths([path])
    asset = Asset.objects.get(pk=result.asset_id)
    assert (asset.title, asset.creators, asset.album, asset.track_number, asset.isrc) == (
        "APE title",
        ["APE artist"],
        "APE album",
        4,
        "ZZX0Z2499999",
    )
    assert asset.current_version.raw_tags["apev2"]["Title"] == ["APE title"]


def test_id3v2_wins_and_apev2_fills_what_id3_lacks(tmp_path):
    path = tmp_path / "both.mp3"
    path.write_bytes(mpeg_frames())
    tags = ID3()
    tags.add(TIT2(text=["ID3 title"]))
    tags.save(path, v2_version=4)
    ape = APEv2()
    ape["Title"], ape["Composer"] = "APE title", "APE composer"
    ape.save(path)
    [result] = ingest_paths([path])
    asset = Asset.objects.get(pk=result.asset_id)
    assert (asset.title, asset.composer) == ("ID3 title", "APE composer")
