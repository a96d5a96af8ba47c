"""ID3 write-back keeps the file's version and its ID3v1 tag, and writes keywords both readers see."""

from __future__ import annotations

from pathlib import Path

import pytest
from mutagen.apev2 import APEv2
from mutagen.id3 import ID3, TXXX

from assets.metadata.audio import audio_metadata
from assets.metadata.audio_write import AudioWriteError, audio_tags_write
from assets.metadata.writeback_verify import writeback_snapshot, writeback_verify
from tests.assets.metadata import files

EDIT = {"title": "Neuer Titel", "keywords": ["harbour", "Möwe"], "copyright_notice": "© 2025 Archive"}


def write(path: Path, changes: dict, **options) -> tuple[list[str], list[str]]:
    before = writeback_snapshot(path)
    notes = audio_tags_write(path, "mp3", changes, **options)
    return notes, writeback_verify(before, path, "audio", changes)


def raw(path: Path) -> ID3:
    return ID3(path, translate=False, load_v1=False)


def test_id3v23_stays_id3v23_with_its_artists_and_year(tmp_path):
    path = files.id3v23_two_artists_mp3(tmp_path)
    artists = raw(path)["TPE1"].text

    notes, problems = write(path, EDIT)

    tags = raw(path)
    assert (notes, problems, tags.version) == ([], [], (2, 3, 0))
    assert tags["TPE1"].text == artists and str(tags["TYER"]) == "2019" and "TDRC" not in tags
    assert str(tags["TXXX:MusicBrainz Album Id"]) == "e7c6d1f6-0000-4000-8000-000000000001"
    assert str(tags["TIT2"]) == "Neuer Titel"


def test_id3v24_stays_id3v24(media_copy):
    path = media_copy("audio/speech-id3v24.mp3")

    notes, problems = write(path, EDIT)

    assert (notes, problems, raw(path).version) == ([], [], (2, 4, 0))


def test_id3v22_is_written_as_id3v23_and_says_why(tmp_path):
    path = files.id3v22_mp3(tmp_path)

    notes, problems = write(path, {"title": "New title"})

    tags = raw(path)
    assert tags.version == (2, 3, 0) and problems == []
    assert notes == [
        "ID3v2.2 tag rewritten as ID3v2.3: mutagen cannot write ID3v2.2, and v2.3 keeps its frames and dates"
    ]
    assert (str(tags["TIT2"]), str(tags["TPE1"]), str(tags["TALB"]), str(tags["TYER"])) == (
        "New title",
        "Vintage Band",
        "First Album",
        "1998",
    )


def test_a_file_without_id3v2_gets_id3v24_and_the_setting_may_force_a_version(tmp_path, media_copy):
    bare = tmp_path / "bare.mp3"
    bare.write_bytes(files.mpeg_frames())
    audio_tags_write(bare, "mp3", {"title": "x"})
    assert raw(bare).version == (2, 4, 0)

    path = media_copy("audio/tone-id3v23.mp3")
    notes = audio_tags_write(path, "mp3", {"title": "x"}, id3_version=4)
    assert raw(path).version == (2, 4, 0) and notes == ["ID3v2.3 tag rewritten as ID3v2.4 (DAM_ID3_VERSION)"]
    with pytest.raises(AudioWriteError, match=r"ID3 version 2\.2 cannot be written"):
        audio_tags_write(path, "mp3", {"title": "x"}, id3_version=2)


def test_id3v1_only_gets_an_id3v2_tag_with_the_edits_alone(tmp_path):
    path = files.id3v1_only_mp3(tmp_path)

    _notes, problems = write(path, EDIT)

    assert problems == []
    assert set(raw(path).keys()) == {"TIT2", "TXXX:KEYWORDS", "TCOP"}  # nothing copied from ID3v1
    v1 = path.read_bytes()[-128:]
    assert v1 == files.V1[:3] + b"Neuer Titel".ljust(30, b"\x00") + files.V1[33:]  # only the title changed
    values = audio_metadata(path, {}).values
    assert (values["creators"], values["album"]) == (["V1 Artist"], "V1 Album")  # still read from ID3v1


def test_id3v1_beside_id3v2_gets_only_the_edited_fields(tmp_path):
    path = files.id3v1_and_v2_mp3(tmp_path)

    _notes, problems = write(path, {"title": "T", "comment": "Neu", "track_number": 9, "genre": "Jazz"})

    assert problems == []
    v1 = path.read_bytes()[-128:]
    assert v1[3:33].rstrip(b"\x00") == b"T" and v1[97:125].rstrip(b"\x00") == b"Neu"
    assert (v1[126], v1[127]) == (9, 8)  # genre 8 is Jazz
    assert v1[33:97] == files.V1[33:97]  # artist, album and year as they were
    assert "COMM:ID3v1 Comment:eng" not in raw(path)


def test_apev2_saving_does_not_remove_id3v1(tmp_path):
    path = files.id3v1_and_v2_mp3(tmp_path)
    v1 = path.read_bytes()[-128:]
    ape = APEv2()
    ape["Title"] = "APE title"
    ape.save(path)  # APEv2 goes before ID3v1, and mutagen drops ID3v1 on saving it
    if path.read_bytes()[-128:-125] != b"TAG":
        path.write_bytes(path.read_bytes() + v1)

    audio_tags_write(path, "mp3", {"title": "New"})

    assert path.read_bytes()[-128:-125] == b"TAG" and str(APEv2(path)["Title"]) == "New"


def test_keywords_are_one_text_that_exiftool_reads_whole(media_copy):
    path = media_copy("audio/speech-id3v24.mp3")

    _notes, problems = write(path, {"keywords": ["harbour", "Möwe", "early morning"]})

    assert problems == []
    assert raw(path)["TXXX:KEYWORDS"].text == ["harbour; Möwe; early morning"]


def test_keywords_one_reader_cannot_see_fail_verification(media_copy):
    # The old form: NUL-separated values, of which ExifTool shows only the first.
    path = media_copy("audio/speech-id3v24.mp3")
    before = writeback_snapshot(path)
    tags = ID3(path)
    tags.delall("TXXX:KEYWORDS")
    tags.add(TXXX(encoding=3, desc="KEYWORDS", text=["harbour", "Möwe"]))
    tags.save(path)

    problems = writeback_verify(before, path, "audio", {"keywords": ["harbour", "Möwe"]})

    assert problems == [
        "keywords: wrote ['harbour', 'Möwe'], ExifTool reads ['harbour'] (a tag only one reader finds is not written)"
    ]
