"""Writing audio tags (assets.metadata.audio_write) into real fixtures, read back by dam's own reader.

No database: every test works on copies of fixtures/audio in a temporary folder.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
from pathlib import Path

import mutagen
import numpy
import pytest
import soundfile
from mutagen.apev2 import APEv2
from mutagen.id3 import ID3, TDOR, TIT2, TPE1

from assets.fields import FIELDS_BY_NAME
from assets.metadata.audio import audio_metadata
from assets.metadata.audio_write import (
    AudioWriteError,
    audio_format_writable_fields,
    audio_tags_write,
    audio_writable_fields,
)
from tests.conftest import FIXTURES_DIR

# (fixture, format key, ID3 version written): every format, and both ID3 versions.
FORMAT_CASES = [
    pytest.param("speech-id3v24.mp3", "mp3", 4, id="mp3-id3v24"),
    pytest.param("tone-id3v23.mp3", "mp3", 3, id="mp3-id3v23"),
    pytest.param("tone-id3v1.mp3", "mp3", 4, id="mp3-id3v1-only"),
    pytest.param("tone.flac", "flac", 4, id="flac"),
    pytest.param("speech.ogg", "ogg_vorbis", 4, id="ogg-vorbis"),
    pytest.param("tone.opus", "ogg_opus", 4, id="ogg-opus"),
    pytest.param("tone.wav", "wav", 4, id="wav-id3v24"),
    pytest.param("tone.wav", "wav", 3, id="wav-id3v23"),
    pytest.param("tone.aiff", "aiff", 4, id="aiff"),
    pytest.param("tone.m4a", "m4a", 4, id="m4a"),
]
DECODABLE_CASES = [case for case in FORMAT_CASES if case.values[1] != "m4a"]
FAMILIES = {
    "mp3": "id3",
    "wav": "id3",
    "aiff": "id3",
    "flac": "vorbis",
    "ogg_vorbis": "vorbis",
    "ogg_opus": "vorbis",
    "m4a": "mp4",
}
DATE_KEYS = {"id3": {"TDRC", "TDOR"}, "vorbis": {"date", "year", "originaldate"}, "mp4": {"©day"}}


def changes_for(format_key: str, id3_version: int) -> dict[str, object]:
    """A change to every field the format holds, with non-ASCII text and a time of day."""
    changes = {
        "title": "Neue Aufnahme, zweite Fassung",
        # ID3v2.3 joins several creators into one text with "/" (its specification's separator), which
        # the reader keeps as one name: a single creator is what round-trips there.
        "creators": ["Ana Núñez"]
        if id3_version == 3 and FAMILIES[format_key] == "id3"
        else ["Ana Núñez", "Bo Ødegaard"],
        "album": "Field Recordings, Vol. 2",
        "keywords": ["harbour", "Möwe", "early morning"],
        "comment": "Re-tagged by dam.",
        "track_number": 4,
        "disc_number": 2,
        "genre": "Field recording",
        "copyright_notice": "© 2025 Example Archive",
        "date_created": "2023-04-05T10:00:00",  # minutes 00: mutagen's ID3v2.3 conversion would drop them
        "isrc": "GBAYE2500001",
        "bpm": 128.0,
        "publisher": "Example Archive Records",
        "composer": "Clara Komponistin",
        "description": "Gulls over the harbour at dawn.",
    }
    if format_key != "m4a":  # MP4 has no licence URL atom
        changes["web_statement_url"] = "https://example.org/licence"
    return changes


def read(path: Path) -> dict:
    return audio_metadata(path, {}).values


def tag_items(path: Path) -> dict[str, str]:
    """mutagen's tags as {key: representation}, keys as the reader names them where it folds them."""
    audio = mutagen.File(path)
    items = {}
    for key, value in audio.tags.items():
        if isinstance(audio.tags, ID3):
            name = key
            if value.FrameID == "COMM" and value.desc in ("", "ID3v1 Comment"):
                name = "COMM"
            elif value.FrameID == "TXXX":
                name = f"TXXX:{value.desc.upper()}"
        elif type(audio).__name__ in ("FLAC", "OggVorbis", "OggOpus"):
            name = key.lower()  # Vorbis comment keys are case-insensitive
        else:
            name = key
        items[name] = repr(value)
    return items


def field_keys(names, family: str) -> set[str]:
    """The tag keys that belong to the named fields in a family (the ones a write may touch)."""
    keys = set()
    for name in names:
        if name == "date_created":
            keys |= DATE_KEYS[family]
        else:
            keys |= {key.lower() if family == "vorbis" else key for key in getattr(FIELDS_BY_NAME[name], family)}
    return keys


def decoded(path: Path) -> numpy.ndarray:
    samples, _ = soundfile.read(path, dtype="float64", always_2d=True)
    return samples


def mdat_payload(path: Path) -> bytes:
    """The bytes of an MP4 file's top-level mdat atom (the encoded audio)."""
    data = path.read_bytes()
    offset = 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        header = 8
        if size == 1:  # 64-bit size after the type
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
            header = 16
        elif size == 0:  # the atom runs to the end of the file
            size = len(data) - offset
        if kind == b"mdat":
            return data[offset + header : offset + size]
        offset += size
    raise AssertionError(f"{path.name} has no mdat atom")


# --- Round trips ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("fixture", "format_key", "id3_version"), FORMAT_CASES)
def test_round_trip(media_copy, fixture, format_key, id3_version):
    path = media_copy(f"audio/{fixture}")
    before = read(path)
    changes = changes_for(format_key, id3_version)

    audio_tags_write(path, format_key, changes, id3_version=id3_version)

    after = read(path)
    assert {name: after[name] for name in changes} == changes
    untouched = set(before) - set(changes)
    assert {name: after[name] for name in untouched} == {name: before[name] for name in untouched}


@pytest.mark.parametrize(("fixture", "format_key", "id3_version"), FORMAT_CASES)
def test_only_the_changed_field_changes(media_copy, fixture, format_key, id3_version):
    path = media_copy(f"audio/{fixture}")
    before = read(path)

    audio_tags_write(path, format_key, {"title": "Only the title is new"}, id3_version=id3_version)

    after = read(path)
    assert after["title"] == "Only the title is new"
    assert {**after, "title": before["title"]} == before


@pytest.mark.parametrize(("fixture", "format_key", "id3_version"), FORMAT_CASES)
def test_removing_fields_reads_back_empty(media_copy, fixture, format_key, id3_version):
    path = media_copy(f"audio/{fixture}")
    removals = {
        "title": "",
        "creators": [],
        "keywords": [],
        "comment": "",
        "track_number": None,
        "date_created": "",
        "bpm": None,
        "publisher": "",
        "web_statement_url": "",
    }

    audio_tags_write(path, format_key, removals, id3_version=id3_version)

    after = read(path)
    assert {name: after[name] for name in removals} == {
        "title": "",
        "creators": [],
        "keywords": [],
        "comment": "",
        "track_number": None,
        "date_created": "",
        "bpm": None,
        "publisher": "",
        "web_statement_url": "",
    }
    assert not field_keys(removals, FAMILIES[format_key]) & set(tag_items(path))


def test_datetime_with_offset_round_trips_where_the_format_keeps_text(media_copy):
    flac, m4a = media_copy("audio/tone.flac"), media_copy("audio/tone.m4a")
    for path, format_key in ((flac, "flac"), (m4a, "m4a")):
        audio_tags_write(path, format_key, {"date_created": "2023-04-05T06:07:08+02:00"})
        assert read(path)["date_created"] == "2023-04-05T06:07:08+02:00"


def test_id3_drops_what_its_timestamps_cannot_hold(media_copy):
    v24, v23 = media_copy("audio/speech-id3v24.mp3"), media_copy("audio/tone-id3v23.mp3")
    audio_tags_write(v24, "mp3", {"date_created": "2023-04-05T06:07:08.25+02:00"})
    audio_tags_write(v23, "mp3", {"date_created": "2023-04-05T06:07:08"}, id3_version=3)
    assert read(v24)["date_created"] == "2023-04-05T06:07:08"  # no zone or fraction in ID3
    assert read(v23)["date_created"] == "2023-04-05T06:07:00"  # ID3v2.3's TIME is hours and minutes
    audio_tags_write(v23, "mp3", {"date_created": "2023-04"}, id3_version=3)
    assert read(v23)["date_created"] == "2023"  # ID3v2.3 has a day-and-month frame, none for a month alone


def test_id3v23_keeps_a_time_on_the_hour_in_dates_it_did_not_change(tmp_path, media_copy):
    path = media_copy("audio/tone-id3v23.mp3")
    audio_tags_write(path, "mp3", {"date_created": "2023-04-05T00:30:00"}, id3_version=3)

    audio_tags_write(path, "mp3", {"title": "A later edit"}, id3_version=3)

    assert read(path)["date_created"] == "2023-04-05T00:30:00"
    raw = ID3(path, translate=False)
    assert (str(raw["TYER"]), str(raw["TDAT"]), str(raw["TIME"])) == ("2023", "0504", "0030")


def test_id3v23_list_frames(media_copy):
    path = media_copy("audio/speech-id3v24.mp3")

    audio_tags_write(path, "mp3", {"keywords": ["harbour", "Möwe"], "creators": ["Ana", "Bo"]}, id3_version=3)

    raw = ID3(path, translate=False)
    assert raw.version == (2, 3, 0)
    assert raw["TXXX:KEYWORDS"].text == ["harbour; Möwe"]  # one text, split again by the reader
    assert raw["TPE1"].text == ["Ana; Bo"]  # joined so that readers (dam's included) split it back
    assert read(path)["keywords"] == ["harbour", "Möwe"]
    assert read(path)["creators"] == ["Ana", "Bo"]


def test_track_and_disc_totals_are_kept(media_copy):
    mp3, m4a, flac = media_copy("audio/speech-id3v24.mp3"), media_copy("audio/tone.m4a"), media_copy("audio/tone.flac")

    audio_tags_write(mp3, "mp3", {"track_number": 4, "disc_number": 2})
    audio_tags_write(m4a, "m4a", {"track_number": 4, "disc_number": 1})
    audio_tags_write(flac, "flac", {"track_number": 4})

    assert (str(ID3(mp3)["TRCK"]), str(ID3(mp3)["TPOS"])) == ("4/12", "2/2")
    tags = mutagen.File(m4a).tags
    assert (tags["trkn"], tags["disk"]) == ([(4, 12)], [(1, 2)])
    comments = mutagen.File(flac).tags
    assert (comments["tracknumber"], comments["tracktotal"]) == (["4"], ["12"])


def test_bpm_is_a_whole_number_where_the_format_says_so(media_copy):
    mp3, m4a, ogg = media_copy("audio/speech-id3v24.mp3"), media_copy("audio/tone.m4a"), media_copy("audio/speech.ogg")
    for path, format_key in ((mp3, "mp3"), (m4a, "m4a"), (ogg, "ogg_vorbis")):
        audio_tags_write(path, format_key, {"bpm": 92.5})
    assert str(ID3(mp3)["TBPM"]) == "93"  # rounded half up
    assert mutagen.File(m4a).tags["tmpo"] == [93]
    assert (read(mp3)["bpm"], read(m4a)["bpm"], read(ogg)["bpm"]) == (93.0, 93.0, 92.5)


def test_vorbis_synonyms_and_other_cases_are_replaced(media_copy):
    path = media_copy("audio/tone.flac")
    audio = mutagen.File(path)
    audio.tags["LABEL"] = ["Old Label"]
    audio.tags["YEAR"] = ["1999"]
    audio.save()

    audio_tags_write(path, "flac", {"publisher": "New Label", "date_created": "2024"})

    tags = mutagen.File(path).tags
    assert {key.lower() for key in tags.keys()} & {"label", "publisher", "year"} == set()
    assert (tags["organization"], tags["date"]) == (["New Label"], ["2024"])


def test_clearing_the_date_also_clears_original_dates(media_copy):
    mp3, ogg = media_copy("audio/speech-id3v24.mp3"), media_copy("audio/speech.ogg")
    tags = ID3(mp3)
    tags.add(TDOR(encoding=3, text=["1987"]))
    tags.save(mp3)
    audio = mutagen.File(ogg)
    audio.tags["originaldate"] = ["1987"]
    audio.save()

    # Setting the date keeps the original release date, which the reader reads only after it.
    audio_tags_write(mp3, "mp3", {"date_created": "2020"})
    audio_tags_write(ogg, "ogg_vorbis", {"date_created": "2020"})
    assert "TDOR" in ID3(mp3) and "originaldate" in mutagen.File(ogg).tags
    assert (read(mp3)["date_created"], read(ogg)["date_created"]) == ("2020", "2020")

    audio_tags_write(mp3, "mp3", {"date_created": ""})
    audio_tags_write(ogg, "ogg_vorbis", {"date_created": None})
    assert (read(mp3)["date_created"], read(ogg)["date_created"]) == ("", "")


def test_id3v1_tag_is_kept_up_to_date(media_copy):
    path = media_copy("audio/tone-id3v1.mp3")

    audio_tags_write(path, "mp3", {"title": "Neuer Titel", "creators": ["Ana"]})

    v1 = path.read_bytes()[-128:]
    assert v1[:3] == b"TAG"
    assert (v1[3:33].rstrip(b"\x00"), v1[33:63].rstrip(b"\x00")) == (b"Neuer Titel", b"Ana")
    assert read(path)["title"] == "Neuer Titel"


@pytest.mark.parametrize(("name", "format_key"), [("bare.wav", "wav"), ("bare.aiff", "aiff"), ("bare.flac", "flac")])
def test_files_without_tags_get_them(tmp_path, name, format_key):
    path = tmp_path / name
    samples, sample_rate = soundfile.read(FIXTURES_DIR / "audio" / "tone.wav", dtype="int16")
    soundfile.write(path, samples, sample_rate)
    changes = {"title": "First tags", "creators": ["Ana", "Bo"], "track_number": 1, "date_created": "2024-02-29"}

    audio_tags_write(path, format_key, changes)

    assert {name: read(path)[name] for name in changes} == changes
    assert numpy.array_equal(soundfile.read(path, dtype="int16")[0], samples)


def test_mp3_without_tags_gets_them(tmp_path):
    path = tmp_path / "bare.mp3"
    path.write_bytes((FIXTURES_DIR / "audio" / "tone-id3v1.mp3").read_bytes()[:-128])  # ID3v1 is the last 128 bytes
    before = decoded(path)

    audio_tags_write(path, "mp3", {"title": "First tags", "keywords": ["a", "b"]}, id3_version=3)

    assert (read(path)["title"], read(path)["keywords"]) == ("First tags", ["a", "b"])
    assert numpy.array_equal(decoded(path), before)


def test_text_is_cleaned_and_id3_urls_are_latin1(media_copy):
    path = media_copy("audio/speech-id3v24.mp3")

    audio_tags_write(
        path,
        "mp3",
        {"title": " Zwei\x00Teile ", "keywords": ["", "a", "a", " b "], "web_statement_url": "https://例え.jp/ü"},
    )

    values = read(path)
    assert (values["title"], values["keywords"]) == ("ZweiTeile", ["a", "b"])
    assert values["web_statement_url"] == "https://%E4%BE%8B%E3%81%88.jp/%C3%BC"


# --- APEv2 beside ID3 ----------------------------------------------------------------------------


def mp3_with_id3_and_ape(folder: Path) -> Path:
    """The ID3v1 fixture's MPEG audio with an ID3v2 tag and an APEv2 tag that disagree."""
    data = (FIXTURES_DIR / "audio" / "tone-id3v1.mp3").read_bytes()
    path = folder / "both.mp3"
    path.write_bytes(data[:-128])
    tags = ID3()
    tags.add(TIT2(encoding=3, text=["ID3 title"]))
    tags.add(TPE1(encoding=3, text=["ID3 artist"]))
    tags.save(path, v2_version=4)
    ape = APEv2()
    ape["Title"], ape["Composer"], ape["Track"] = "APE title", "APE composer", "7/9"
    ape.save(path)
    return path


def test_apev2_copies_are_updated_and_removed(tmp_path):
    path = mp3_with_id3_and_ape(tmp_path)
    before = decoded(path)

    audio_tags_write(path, "mp3", {"title": "New title", "composer": "", "track_number": 3, "album": "New album"})

    ape = APEv2(path)
    assert (str(ape["Title"]), str(ape["Track"])) == ("New title", "3/9")
    assert "Composer" not in ape
    assert "Album" not in ape  # an APEv2 tag is updated, never given fields it did not hold
    values = read(path)
    assert (values["title"], values["composer"], values["track_number"], values["album"]) == (
        "New title",
        "",
        3,
        "New album",
    )
    assert values["creators"] == ["ID3 artist"]
    assert numpy.array_equal(decoded(path), before)


def test_an_id3v1_tag_after_the_only_apev2_tag_stays_with_the_edits(media_copy):
    # Monkey's Audio, WavPack and Musepack files often end in APEv2 and then ID3v1 (TagLib's
    # mac-399-tagged.ape); mutagen's APEv2 save cuts the file at its tag, ID3v1 and all.
    path = media_copy("audio/tone.wv")
    ape = APEv2(path)
    ape["Title"] = "APE title"
    ape.save(path)
    v1 = b"TAG" + b"Old title".ljust(30, b"\0") + b"Old artist".ljust(30, b"\0") + b"Old album".ljust(30, b"\0")
    v1 += b"1999" + b"A comment".ljust(30, b"\0") + b"\x0c"
    with path.open("ab") as file:
        file.write(v1)

    audio_tags_write(path, "wavpack", {"title": "New title"})

    assert str(APEv2(path)["Title"]) == "New title"
    tail = path.read_bytes()[-128:]
    assert tail[:33] == b"TAG" + b"New title".ljust(30, b"\0")
    assert tail[33:] == v1[33:]  # artist, album, year, comment and genre as they were


def _wav_with_info(path, items: dict[bytes, bytes]) -> None:
    """tone.wav with a LIST/INFO chunk of ``items`` put before its data chunk."""
    import struct

    data = (FIXTURES_DIR / "audio" / "tone.wav").read_bytes()
    body = b"INFO"
    for item_id, text in items.items():
        text += b"\0"
        body += struct.pack("<4sI", item_id, len(text)) + text + (b"\0" if len(text) & 1 else b"")
    chunk = struct.pack("<4sI", b"LIST", len(body)) + body
    at = data.index(b"data")
    data = data[:at] + chunk + data[at:]
    path.write_bytes(data[:4] + struct.pack("<I", len(data) - 8) + data[8:])


def test_the_info_items_of_the_edited_fields_are_updated_and_no_other(tmp_path):
    path = tmp_path / "with-info.wav"
    _wav_with_info(
        path, {b"INAM": b"Old title", b"IART": b"Old Artist", b"ICMT": b"Recorded on the pier", b"ISFT": b"Lavf"}
    )
    before = decoded(path)

    audio_tags_write(path, "wav", {"title": "Nouveau titre, é", "creators": [], "keywords": ["pier", "gulls"]})

    info = json.loads(subprocess.run(["exiftool", "-j", "-G1", str(path)], capture_output=True, check=True).stdout)[0]
    assert info["RIFF:Title"] == "Nouveau titre, é"
    assert "RIFF:Artist" not in info  # cleared with the field
    assert info["RIFF:Comment"] == "Recorded on the pier" and info["RIFF:Software"] == "Lavf"
    assert "RIFF:Keywords" not in info  # an item the chunk did not hold is never added
    assert read(path)["title"] == "Nouveau titre, é"  # the ID3 chunk, as before
    assert numpy.array_equal(decoded(path), before)
    riff_size = int.from_bytes(path.read_bytes()[4:8], "little")
    assert riff_size == path.stat().st_size - 8


# --- Everything else stays ------------------------------------------------------------------------


@pytest.mark.parametrize(("fixture", "format_key", "id3_version"), DECODABLE_CASES)
def test_audio_data_is_unchanged(media_copy, fixture, format_key, id3_version):
    path = media_copy(f"audio/{fixture}")
    before = decoded(path)

    audio_tags_write(path, format_key, changes_for(format_key, id3_version), id3_version=id3_version)

    after = decoded(path)
    assert after.shape == before.shape
    assert numpy.array_equal(after, before)


def test_m4a_audio_data_is_unchanged(media_copy):
    path = media_copy("audio/tone.m4a")
    before = mdat_payload(path)
    pcm_before = ffmpeg_pcm(path)

    audio_tags_write(path, "m4a", changes_for("m4a", 4))

    assert mdat_payload(path) == before
    # The sample table must still point at the audio after the moov atom grew.
    assert ffmpeg_pcm(path) == pcm_before


def ffmpeg_pcm(path: Path) -> bytes | None:
    """Decoded PCM from ffmpeg, or None where ffmpeg is not installed (the mdat check still runs)."""
    if shutil.which("ffmpeg") is None:
        return None
    command = ["ffmpeg", "-v", "error", "-i", str(path), "-f", "s16le", "-acodec", "pcm_s16le", "-"]
    return subprocess.run(command, check=True, capture_output=True).stdout


@pytest.mark.parametrize(
    ("fixture", "format_key"), [("speech-id3v24.mp3", "mp3"), ("tone.flac", "flac"), ("tone.m4a", "m4a")]
)
def test_cover_art_survives(media_copy, fixture, format_key):
    path = media_copy(f"audio/{fixture}")
    before = pictures(path)
    assert before

    audio_tags_write(path, format_key, changes_for(format_key, 4))

    assert pictures(path) == before
    assert read(path)["has_cover_art"] is True


def pictures(path: Path) -> list[bytes]:
    audio = mutagen.File(path)
    if getattr(audio, "pictures", None):
        return [picture.data for picture in audio.pictures]
    if isinstance(audio.tags, ID3):
        return [frame.data for frame in audio.tags.getall("APIC")]
    return [bytes(cover) for cover in audio.tags.get("covr", [])]


@pytest.mark.parametrize(("fixture", "format_key", "id3_version"), FORMAT_CASES)
def test_other_tags_stay_as_they_were(media_copy, fixture, format_key, id3_version):
    path = media_copy(f"audio/{fixture}")
    # Genre, ISRC and BPM stay unchanged, so that every fixture keeps tags that must come through as they were.
    kept = {"genre", "isrc", "bpm"}
    changes = {name: value for name, value in changes_for(format_key, id3_version).items() if name not in kept}
    owned = field_keys(changes, FAMILIES[format_key])
    before = {key: value for key, value in tag_items(path).items() if key not in owned}

    audio_tags_write(path, format_key, changes, id3_version=id3_version)

    after = {key: value for key, value in tag_items(path).items() if key not in owned}
    assert before
    assert after == before


def test_nothing_this_format_holds_leaves_the_file_alone(media_copy):
    path = media_copy("audio/tone.m4a")
    original = path.read_bytes()

    audio_tags_write(path, "m4a", {"web_statement_url": "https://example.org/licence", "headline": "Not audio"})

    assert path.read_bytes() == original


def test_writable_fields():
    assert audio_writable_fields() == {
        "title",
        "description",
        "keywords",
        "genre",
        "comment",
        "creators",
        "copyright_notice",
        "web_statement_url",
        "publisher",
        "composer",
        "album",
        "track_number",
        "disc_number",
        "bpm",
        "isrc",
        "date_created",
    }


def test_format_writable_fields():
    assert audio_format_writable_fields("m4a") == audio_writable_fields() - {"web_statement_url"}
    for format_key in ("mp3", "wav", "aiff", "flac", "ogg_vorbis", "ogg_opus"):
        assert audio_format_writable_fields(format_key) == audio_writable_fields()
    with pytest.raises(AudioWriteError, match="'png' files"):
        audio_format_writable_fields("png")


# --- Errors --------------------------------------------------------------------------------------


def test_a_file_that_is_not_audio(media_copy):
    path = media_copy("broken/not-media.txt", "notes.mp3")
    original = path.read_bytes()

    with pytest.raises(AudioWriteError, match=r"notes\.mp3 is not valid MP3 audio"):
        audio_tags_write(path, "mp3", {"title": "x"})
    assert path.read_bytes() == original


def test_random_bytes_and_a_format_that_does_not_match(media_copy):
    with pytest.raises(AudioWriteError, match=r"random\.mp3 is not valid MP3 audio"):
        audio_tags_write(media_copy("broken/random.mp3"), "mp3", {"title": "x"})
    with pytest.raises(AudioWriteError, match=r"tone\.flac is not valid M4A \(MPEG-4\) audio"):
        audio_tags_write(media_copy("audio/tone.flac"), "m4a", {"title": "x"})


def test_unknown_format_key(media_copy):
    path = media_copy("audio/tone.flac")
    with pytest.raises(
        AudioWriteError, match=r"cannot write tags into 'jpeg' files, only into MP3, FLAC, .* and Musepack files"
    ):
        audio_tags_write(path, "jpeg", {"title": "x"})


def test_missing_file(tmp_path):
    with pytest.raises(AudioWriteError, match=r"gone\.flac does not exist"):
        audio_tags_write(tmp_path / "gone.flac", "flac", {"title": "x"})


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write read-only files")
def test_read_only_file(media_copy):
    path = media_copy("audio/tone.flac")
    path.chmod(0o444)
    with pytest.raises(AudioWriteError, match=r"tone\.flac \(FLAC\) could not be written: Permission denied"):
        audio_tags_write(path, "flac", {"title": "x"})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"colour": "blue"}, r"no metadata field called 'colour'"),
        ({"track_number": "three"}, r"Track number must be a whole number, not 'three'"),
        ({"track_number": 0}, r"Track number must be between 1 and 65535"),
        ({"bpm": "fast"}, r"Beats per minute must be a number, not 'fast'"),
        ({"date_created": "June 2020"}, r"Date created 'June 2020' is not a date"),
        ({"title": ["a", "b"]}, r"Title must be one text"),
    ],
)
def test_unusable_values_change_nothing(media_copy, changes, message):
    path = media_copy("audio/tone.flac")
    original = path.read_bytes()
    with pytest.raises(AudioWriteError, match=message):
        audio_tags_write(path, "flac", {"title": "Would be written", **changes})
    assert path.read_bytes() == original


def test_id3_version_must_be_3_or_4(media_copy):
    with pytest.raises(AudioWriteError, match=r"ID3 version 2\.2 cannot be written"):
        audio_tags_write(media_copy("audio/tone.wav"), "wav", {"title": "x"}, id3_version=2)


def _without_id3_chunk(media_copy, fixture: str) -> tuple[Path, str]:
    path = media_copy(fixture)
    mutagen.File(path).delete()  # the ID3 chunk goes: the write-back adds a new one
    return path, ">I" if fixture.endswith(".aiff") else "<I"


def _wrong_container_size(path: Path, order: str, case: str) -> None:
    data = bytearray(path.read_bytes())
    if case == "undercounts":  # ExifTool's RIFF.wav, TagLib's zero-size-chunk.wav: only the first chunk
        data[4:8] = struct.pack(order, 4 + 8 + struct.unpack(order, data[16:20])[0])
    elif case == "odd chunk without its pad byte":  # TagLib's noise_odd.aif
        data += b"APPL" + struct.pack(order, 3) + b"dam"
        data[4:8] = struct.pack(order, len(data) - 8)
    else:  # "zeros counted as chunks": a recorder's preallocated space after the chunks
        data += bytes(64)
        data[4:8] = struct.pack(order, len(data) - 8)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("fixture", ["audio/tone.wav", "audio/tone.aiff"])
@pytest.mark.parametrize("case", ["undercounts", "odd chunk without its pad byte", "zeros counted as chunks"])
def test_a_new_id3_chunk_is_found_where_the_container_size_disagrees_with_the_chunks(media_copy, fixture, case):
    path, order = _without_id3_chunk(media_copy, fixture)
    _wrong_container_size(path, order, case)
    before, sound = path.read_bytes(), decoded(path)
    audio_tags_write(path, fixture.rsplit(".", 1)[1], {"title": "Found by every reader"})
    assert read(path)["title"] == "Found by every reader"
    exiftool = subprocess.run(["exiftool", "-j", "-Title", "-Warning", str(path)], capture_output=True, text=True)
    assert json.loads(exiftool.stdout)[0].get("Title") == "Found by every reader", exiftool.stdout
    after = path.read_bytes()
    # Every chunk stays where it was (the container size aside), the new one after them.
    chunks_end = len(before) - 64 if case == "zeros counted as chunks" else len(before)
    assert after[8:chunks_end] == before[8:chunks_end]
    if case == "zeros counted as chunks":
        assert after.endswith(bytes(64))
    assert numpy.array_equal(decoded(path), sound)


def test_a_container_size_that_is_right_is_left_alone(media_copy):
    from assets.metadata.iff_layout import container_size_repair

    for fixture in ("audio/tone.wav", "audio/tone.aiff"):
        path = media_copy(fixture)
        before = path.read_bytes()
        assert not container_size_repair(path) and path.read_bytes() == before
