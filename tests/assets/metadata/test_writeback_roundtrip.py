"""Every fixture format: edit title, keywords and a rights field, then diff the complete ExifTool dump.

The dump is ``exiftool -a -G1:4 -struct -j`` (print conversion on, every duplicate kept: plain
``-G1`` JSON keeps one of two same-named tags, which would hide a lost duplicate). A tag that
changes must belong to an edited field or to the allow-list documented in docs/writeback.md.
No database: the write functions are called on copies in a temporary folder.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from assets.detection import HEAD_BYTES, detect_format
from assets.editing import format_writeback_refusal
from assets.metadata.audio import audio_metadata
from assets.metadata.audio_write import audio_format_writable_fields, audio_tags_write
from assets.metadata.exiftool import exiftool_session
from assets.metadata.image import image_metadata
from assets.metadata.image_write import image_tags_write
from assets.metadata.writeback_verify import (
    WRITEBACK_BOOKKEEPING,
    WRITEBACK_LAYOUT_NAMES,
    tags_changed,
    writeback_verify,
)
from tests.conftest import FIXTURES_DIR

EDIT = {"title": "Neuer Titel, ü", "keywords": ["eins", "zwei"], "copyright_notice": "© 2025 Rights Desk"}
# The tag names the three edited fields are stored under, in every tag family of the fixtures.
EDITED_NAMES = {
    "ObjectName",
    "Title",
    "Keywords",
    "Keyword",
    "Subject",
    "UserDefinedText(KEYWORDS)",
    "Copyright",
    "CopyrightNotice",
    "Rights",
}
AUDIO_FORMATS = {".mp3": "mp3", ".flac": "flac", ".ogg": "ogg_vorbis", ".opus": "ogg_opus", ".wav": "wav"}
AUDIO_FORMATS |= {".aiff": "aiff", ".m4a": "m4a", ".wma": "asf", ".wv": "wavpack", ".tta": "tta"}


def written_by_dam(path: Path) -> bool:
    """Files dam writes back into (camera raw, BMP and AAC in ADTS get a sidecar only)."""
    media_format = detect_format(path.read_bytes()[:HEAD_BYTES], path.name)
    return not format_writeback_refusal(media_format)


FIXTURES = sorted(
    path.relative_to(FIXTURES_DIR).as_posix()
    for folder in ("images", "audio")
    for path in (FIXTURES_DIR / folder).iterdir()
    if path.is_file() and written_by_dam(path)
)


def dump(path: Path) -> dict:
    # (ExifTool exits 1 on a format it does not know, WavPack among them, and still prints its record.)
    output = subprocess.run(["exiftool", "-j", "-a", "-G1:4", "-struct", str(path)], capture_output=True)
    return json.loads(output.stdout)[0]


def edit_for(path: Path) -> dict:
    """The edit, less the fields the file's format has no tag for (WMA has no keywords)."""
    if path.suffix not in AUDIO_FORMATS:
        return EDIT
    holds = audio_format_writable_fields(AUDIO_FORMATS[path.suffix])
    return {name: value for name, value in EDIT.items() if name in holds}


def write(path: Path) -> str:
    if path.suffix in AUDIO_FORMATS:
        audio_tags_write(path, AUDIO_FORMATS[path.suffix], EDIT)
        return "audio"
    tags = exiftool_session().read([path])[str(path)]
    image_tags_write(path, EDIT, EDIT, tags)
    return "image"


def unexpected(before: dict, after: dict) -> dict:
    changed = {}
    had_iim = "File:CurrentIPTCDigest" in before
    for tag, old, new in tags_changed(before, after):
        group, _, name = tag.partition(":")
        if tag in WRITEBACK_BOOKKEEPING or name in WRITEBACK_LAYOUT_NAMES:
            continue
        if group in ("System", "Composite", "SourceFile", "ExifTool"):
            continue
        if name in EDITED_NAMES:
            continue
        if had_iim and tag == "IPTC:ApplicationRecordVersion" and not old:
            continue  # record 2's mandatory first dataset, added to IIM that had only record 1
        changed[tag] = (old, new)
    return changed


@pytest.mark.parametrize("fixture", FIXTURES)
def test_only_the_edited_tags_change(media_copy, fixture):
    path = media_copy(fixture)
    before = dump(path)

    kind = write(path)

    after = dump(path)
    assert unexpected(before, after) == {}
    had_iim = "File:CurrentIPTCDigest" in before
    assert ("File:CurrentIPTCDigest" in after) == had_iim  # MWG: IIM only where it was
    tags = exiftool_session().read([path])[str(path)]
    values = image_metadata(tags).values if kind == "image" else audio_metadata(path, tags).values
    edit = edit_for(path)
    assert {name: values[name] for name in edit} == edit
    assert writeback_verify(before_copy(media_copy, fixture), path, kind, edit) == []


def before_copy(media_copy, fixture: str) -> Path:
    return media_copy(fixture, f"original-{Path(fixture).name}")


def test_the_dump_keeps_duplicates():
    # Why -G1:4: the ID3v2.4 fixture has two TXXX frames, which plain -G1 JSON shows as one.
    found = [key for key in dump(FIXTURES_DIR / "audio" / "speech-id3v24.mp3") if key.endswith("UserDefinedText")]
    assert len(found) == 2


WIDE_EDIT = {
    "creators": ["New Creator"],
    "city": "Tromsø",
    "latitude": 69.6496,
    "longitude": 18.956,
    "date_created": "2025-02-03T04:05:06+01:00",
}


@pytest.mark.parametrize("fixture", [name for name in FIXTURES if name.startswith("images/")])
def test_gps_and_dates_into_files_without_exif_pass_verification(media_copy, fixture):
    # GPS into a file without EXIF, or a date into one without an Exif IFD, makes ExifTool create the
    # IFD with the tags EXIF requires: allowed there, and nowhere else.
    path = media_copy(fixture)
    original = before_copy(media_copy, fixture)

    image_tags_write(path, WIDE_EDIT, WIDE_EDIT, exiftool_session().read([path])[str(path)])

    assert writeback_verify(original, path, "image", WIDE_EDIT) == []
