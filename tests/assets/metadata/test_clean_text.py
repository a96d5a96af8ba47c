"""Damaged tags never put control characters or stray frame bytes into canonical values."""

import pytest

from assets.ingest import ingest_paths
from assets.metadata.clean_text import id3_frame_spill, tags_clean, text_clean
from assets.models import Asset


def test_text_clean_keeps_text_tabs_and_line_breaks():
    assert text_clean("a\tb\r\nc\rd") == "a\tb\nc\nd"
    assert text_clean("\x03dam\x00 Fixture\x15\x7f\x9b Sessions") == "dam Fixture Sessions"
    assert text_clean("Zoë — 東京 🙂") == "Zoë — 東京 🙂"


def test_a_swallowed_id3_frame_is_cut_off():
    # What mutagen reads from a TPE1 frame that declares 16 MB in an 80-byte tag.
    texts = ["Sam TesterTALB", "", "", "\x15", "", "\x03dam Fixture Sessions"]
    assert id3_frame_spill(texts) == (["Sam Tester"], "TALB")
    # Text that only looks like a frame ID is text.
    assert id3_frame_spill(["TALB", "abc", "x"]) == (["TALB", "abc", "x"], None)
    assert id3_frame_spill(["ABCD\x00\x00\x00\x05\x00\x00\x03hello"])[1] is None  # not an ID3 frame ID
    assert id3_frame_spill(["x TIT2\x00\x00\x7f\x7f\x00\x00\x03ab"])[1] is None  # declares more than follows


def test_tags_clean_reports_each_damaged_tag_and_leaves_the_input_alone():
    swallowed = ["Sam TesterTALB", "", "", "\x15", "", "\x03dam Fixture Sessions"]
    tags = {"TPE1": swallowed, "TIT2": ["fine"], "COMM": ["a\r\nb\x07"]}
    cleaned, problems = tags_clean(tags, id3=True)
    assert cleaned == {"TPE1": ["Sam Tester"], "TIT2": ["fine"], "COMM": ["a\nb"]}
    assert set(problems) == {"TPE1", "COMM"} and "TALB" in problems["TPE1"] and "U+0007" in problems["COMM"]
    assert tags["TPE1"][0] == "Sam TesterTALB"
    # Only the tags asked for are touched (others may hold binary data as text).
    cleaned, problems = tags_clean({"A": "x\x01", "B": "y\x01"}, keys={"A"})
    assert cleaned == {"A": "x", "B": "y\x01"} and set(problems) == {"A"}


@pytest.mark.django_db
def test_the_damaged_id3_fixture_reads_clean_with_a_warning_and_a_faithful_raw_dump(media_copy):
    [result] = ingest_paths([media_copy("broken/broken-id3.mp3")])
    asset = Asset.objects.get(pk=result.asset_id)
    assert asset.title == "Damaged ID3 tag, good audio"
    assert asset.creators == ["Sam Tester"]
    assert any("ID3 tag TPE1" in warning and "TALB" in warning for warning in asset.warnings), asset.warnings
    raw = asset.current_version.raw_tags["mutagen"]["tags"]["TPE1"]
    assert raw == ["Sam TesterTALB", "", "", "\x15", "", "\x03dam Fixture Sessions"]


@pytest.mark.django_db
def test_control_characters_in_image_tags_are_dropped_and_the_tag_named(make_jpeg):
    path = make_jpeg("damaged.jpg", seed=41, tags={"IPTC:ObjectName": "Harbour\x15 at dawn", "IPTC:By-line": "\x03Ann"})
    [result] = ingest_paths([path])
    asset = Asset.objects.get(pk=result.asset_id)
    assert asset.title == "Harbour at dawn" and asset.creators == ["Ann"]
    named = " ".join(asset.warnings)
    assert "tag IPTC:ObjectName held damaged text" in named and "IPTC:By-line" in named
    raw = asset.current_version.raw_tags["exiftool"]
    assert raw["IPTC:ObjectName"] == "Harbour\x15 at dawn"
