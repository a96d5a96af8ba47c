"""Write-back verification on audio files shaped like public ones it once refused: a new tag block
brings what its format requires, an empty frame goes, and multi-item values are read alike."""

from __future__ import annotations

from pathlib import Path

from mutagen.apev2 import APEv2

from assets.detection import HEAD_BYTES, detect_format
from assets.metadata.audio import audio_metadata
from assets.metadata.audio_write import audio_tags_write
from assets.metadata.writeback_verify import writeback_snapshot, writeback_verify
from tests.assets.metadata import files

EDIT = {"title": "Neuer Titel", "keywords": ["zwei", "eins"], "copyright_notice": "© 2025 Archive"}


def write(path: Path, format_key: str, changes: dict) -> list[str]:
    before = writeback_snapshot(path)
    audio_tags_write(path, format_key, changes)
    return writeback_verify(before, path, "audio", changes)


def test_a_flac_file_without_comments_gets_a_block_that_names_its_vendor(tmp_path):
    path = files.flac_without_comments(tmp_path)
    assert not any(key.startswith("Vorbis:") for key in writeback_snapshot(path))

    assert write(path, "flac", EDIT) == []

    assert audio_metadata(path, {}).values["title"] == EDIT["title"]


def test_an_m4a_file_without_a_metadata_box_gets_one_with_its_handler(tmp_path):
    path = files.m4a_without_metadata_box(tmp_path)
    assert "QuickTime:HandlerType" not in writeback_snapshot(path)

    assert write(path, "m4a", EDIT) == []

    assert audio_metadata(path, {}).values["title"] == EDIT["title"]


def test_empty_id3_frames_may_go(tmp_path):
    path = files.empty_frames_mp3(tmp_path)

    assert write(path, "mp3", {"title": "New title"}) == []


def test_empty_id3_frames_are_the_only_ones_that_may_go(tmp_path):
    path = files.empty_frames_mp3(tmp_path)
    before = writeback_snapshot(path)
    audio_tags_write(path, "mp3", {"composer": "Someone"})

    assert writeback_verify(before, path, "audio", {"title": "Old title"}) == [
        'ID3v2:Composer changed from "" to "Someone", though no edited field is stored there'
    ]


def test_apev2_keywords_are_one_text_in_the_order_written(media_copy):
    # WavPack: ExifTool cannot read it, FFmpeg is the second reader.
    path = media_copy("audio/tone.wv")

    assert write(path, "wavpack", EDIT) == []

    assert list(APEv2(path)["Keywords"]) == ["zwei; eins"]
    assert audio_metadata(path, {}).values["keywords"] == ["zwei", "eins"]


def test_a_3gpp2_file_is_mpeg_4_audio_and_takes_its_edits(tmp_path):
    path = files.three_gpp2(tmp_path)
    assert detect_format(path.read_bytes()[:HEAD_BYTES], path.name).key == "m4a"

    assert write(path, "m4a", EDIT) == []

    assert audio_metadata(path, {}).values["keywords"] == EDIT["keywords"]


def test_a_wavpack_file_exiftool_reads_the_header_of_is_checked_by_ffmpeg(tmp_path):
    path = files.wavpack_with_wav_header(tmp_path)
    assert writeback_snapshot(path).get("RIFF:SampleRate") == 22050  # ExifTool reads it, without its tags

    assert write(path, "wavpack", EDIT) == []
