"""Canonical metadata of an audio file from its tags, read with mutagen.

ID3v1, ID3v2.2/2.3/2.4 (MP3, WAV, AIFF, TTA), APEv2 (beside ID3 in MP3; alone in Monkey's Audio,
WavPack and Musepack), Vorbis comments (FLAC, Ogg Vorbis, Opus), MP4 atoms and Windows Media
attributes (WMA); AAC in ADTS has no tags. Where mutagen finds nothing or cannot parse the tags,
ExifTool's reading (RIFF INFO, AIFF text chunks, and anything mutagen trips over) fills in.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

import mutagen
from mutagen.apev2 import APENoHeaderError, APEv2
from mutagen.id3 import ID3, ID3FileType
from mutagen.id3._util import BitPaddedInt
from mutagen.mp3 import HeaderNotFoundError

from assets.fields import FIELDS, Field, coerce, empty_metadata
from assets.metadata.clean_text import tag_warnings, tags_clean
from assets.metadata.dates import iso_datetime
from assets.metadata.result import MetadataRead

logger = logging.getLogger(__name__)

_FAMILY_NAMES = {"id3": "ID3", "vorbis": "Vorbis comment", "mp4": "MP4", "ape": "APEv2"}
_EXIFTOOL_AUDIO_KEYS = {key for field in FIELDS for key in field.exiftool_audio} | {
    "RIFF:DateCreated",
    "QuickTime:CreateDate",
}

# Date tags per family, best first (ID3v2.3's TYER is read by mutagen as TDRC).
_DATE_KEYS = {
    "id3": ("TDRC", "TDOR"),
    "vorbis": ("date", "originaldate", "year"),
    "mp4": ("©day",),
    "ape": ("Year",),
    "asf": ("WM/Year",),
}


def _text_keys(family: str | None) -> set[str]:
    """The tags of a family that canonical values are read from (others may hold binary data)."""
    if family is None:
        return set()
    return {key for field in FIELDS for key in getattr(field, family)} | set(_DATE_KEYS.get(family, ()))


def _text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, tuple):  # MP4 track and disc numbers: (number, total)
        return "/".join(str(part) for part in value if part)
    return str(value)


def _id3_values(tags: ID3) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for key, frame in tags.items():
        frame_id = key.split(":")[0]
        if frame_id == "TXXX":
            name = f"TXXX:{frame.desc.upper()}"
            texts = [str(t) for t in frame.text]
        elif frame_id == "COMM":
            # The plain comment has no description; mutagen gives ID3v1's comment one of its own.
            if frame.desc not in ("", "ID3v1 Comment"):
                continue
            name, texts = "COMM", [str(t) for t in frame.text]
        elif frame_id.startswith("W") and hasattr(frame, "url"):
            name, texts = frame_id, [frame.url]
        elif frame_id == "APIC":
            name, texts = "APIC", [f"{frame.mime} picture, {len(frame.data)} bytes"]
        elif hasattr(frame, "text"):
            name, texts = frame_id, [str(t) for t in frame.text]
        else:
            name, texts = frame_id, [str(frame)]
        values.setdefault(name, []).extend(texts)
    return values


def _family_values(audio) -> tuple[str | None, dict[str, list[str]]]:
    """The tag family of a mutagen file and its tags as {key: [text, ...]}."""
    tags = audio.tags
    if tags is None:
        return None, {}
    if isinstance(tags, ID3):
        return "id3", _id3_values(tags)
    module = type(tags).__module__
    if "mp4" in module:
        return "mp4", {
            key: [_text(v) for v in (value if isinstance(value, list) else [value])] for key, value in tags.items()
        }
    if "apev2" in module:
        return "ape", {key: _text(value).split("\x00") for key, value in tags.items()}
    if "asf" in module:  # attribute objects: their text, binary ones (pictures) described
        return "asf", {
            key: [f"{len(item.value)} bytes" if isinstance(item.value, bytes) else str(item.value) for item in items]
            for key, items in tags.items()
        }
    # Vorbis comments: case-insensitive keys, stored lower-case here.
    values: dict[str, list[str]] = {}
    for key, value in tags.items():
        values.setdefault(key.lower(), []).extend(value if isinstance(value, list) else [value])
    return "vorbis", values


def _lookup(values: dict[str, list[str]], keys: tuple[str, ...], family: str) -> list[str] | None:
    folded = {k.lower(): v for k, v in values.items()} if family in ("vorbis", "ape") else values
    for key in keys:
        found = folded.get(key.lower() if family in ("vorbis", "ape") else key)
        if found:
            return found
    return None


def _has_cover_art(audio, family: str | None, values: dict[str, list[str]]) -> bool:
    if getattr(audio, "pictures", None):  # FLAC picture blocks
        return True
    if family == "id3":
        return "APIC" in values
    if family == "mp4":
        return "covr" in values
    if family == "vorbis":
        return "metadata_block_picture" in values or "coverart" in values
    if family == "asf":
        return "WM/Picture" in values
    if family == "ape":
        return any(key.lower().startswith("cover art") for key in values)
    return False


def audio_tags_open(path: Path, opener=mutagen.File, **options):
    """The file opened by mutagen (``opener``: ``mutagen.File`` or a format's class), or, for an
    MP3 with no MPEG frame mutagen can sync to (a tag sample with its audio cut away), its ID3
    tag alone: the tag is whole, and reading or writing it needs no audio."""
    try:
        return opener(path, **options)
    except HeaderNotFoundError:
        with open(path, "rb") as file:
            if file.read(3) != b"ID3":
                raise
        return ID3FileType(path, **options)


class ID3CutShort:
    """An ID3v2 tag read without its file (mutagen's file types need a whole one): no stream facts."""

    info = None

    def __init__(self, tags: ID3):
        self.tags = tags


def id3_cut_short(path: Path) -> ID3CutShort | None:
    """An ID3v2 tag that the end of the file cuts short, read as far as it goes, or None (a whole
    tag, a tag too damaged to read even as far as it goes, or no whole frame before the cut).

    mutagen refuses such a tag whole; the frames before the cut are whole (TagLib reads them too).
    Its declared size is set to what the file holds, so nothing is read past the end."""
    with open(path, "rb") as file:
        header = file.read(10)
        if len(header) < 10 or header[:3] != b"ID3" or any(byte & 0x80 for byte in header[6:10]):
            return None
        declared = BitPaddedInt(header[6:10])
        body = file.read(declared)
    if len(body) >= declared:  # the tag is whole: its damage is something else
        return None
    try:
        tags = ID3(io.BytesIO(header[:6] + BitPaddedInt.to_str(len(body), width=4) + body))
    except Exception as error:  # mutagen raises many types on broken tags
        logger.info("unreadable cut-short ID3 tag in %s: %s", path, error)
        return None
    return ID3CutShort(tags) if tags else None  # no whole frame before the cut: nothing recognisable


def audio_metadata(path: Path, exiftool_tags: dict) -> MetadataRead:
    """Read tags from ``path``; ``exiftool_tags`` is ExifTool's reading of the same file."""
    values = empty_metadata()
    warnings: list[str] = []
    raw: dict = {"exiftool": exiftool_tags}
    family, tag_values = None, {}
    try:
        audio = audio_tags_open(path)
    except Exception as error:  # mutagen raises many types on broken tags
        audio = id3_cut_short(path)
        if audio is not None:
            warnings.append("the ID3 tag is cut short by the end of the file: the frames before the cut were read")
        else:
            warnings.append(
                f"the audio tags are damaged and could not be read by mutagen ({error}); ExifTool's reading was used"
            )
    if audio is not None:
        family, tag_values = _family_values(audio)
        raw["mutagen"] = {"format": type(audio).__name__, "family": family, "tags": tag_values}
        info = audio.info
        values["duration_seconds"] = round(float(getattr(info, "length", 0) or 0), 3) or None
        values["sample_rate"] = getattr(info, "sample_rate", None) or None
        values["channels"] = getattr(info, "channels", None) or None
        values["has_cover_art"] = _has_cover_art(audio, family, tag_values)
    ape_values = _ape_values(path) if family == "id3" or family is None else {}
    if ape_values:
        raw["apev2"] = ape_values
    # The raw dump keeps what the tags held; the canonical values are read from clean text.
    tag_values, problems = tags_clean(tag_values, _text_keys(family), id3=family == "id3")
    warnings += tag_warnings(problems, _FAMILY_NAMES.get(family, "audio"))
    ape_values, problems = tags_clean(ape_values, _text_keys("ape"))
    warnings += tag_warnings(problems, "APEv2")
    exiftool_tags, problems = tags_clean(exiftool_tags, _EXIFTOOL_AUDIO_KEYS)
    warnings += tag_warnings(problems)
    for field in FIELDS:
        if field.derived:
            continue
        values[field.name] = _field_value(field, family, tag_values, ape_values, exiftool_tags)
    values["date_created"] = _date_created(family, tag_values, exiftool_tags)
    if exiftool_tags.get("ExifTool:Warning"):
        # ExifTool notices damage mutagen reads straight through (e.g. a frame longer than its tag).
        warnings.append(f"ExifTool: {exiftool_tags['ExifTool:Warning']}; check the tags read from this file")
    return MetadataRead(values=values, warnings=warnings, raw=raw)


def _field_value(field: Field, family, tag_values, ape_values, exiftool_tags):
    sources = []
    if family:
        sources.append((getattr(field, family), tag_values, family))
    if ape_values:
        sources.append((field.ape, ape_values, "ape"))
    for keys, found_in, source_family in sources:
        found = _lookup(found_in, keys, source_family) if keys else None
        if found:
            if field.is_list and len(found) == 1 and ";" in found[0]:
                found = found[0].split(";")
            return coerce(field, found)
    for key in field.exiftool_audio:
        if exiftool_tags.get(key) not in (None, ""):
            return coerce(field, exiftool_tags[key])
    return coerce(field, None)


def _date_created(family, tag_values, exiftool_tags) -> str:
    if family:
        found = _lookup(tag_values, _DATE_KEYS.get(family, ()), family)
        if found:
            return iso_datetime(found[0].replace("/", "-"))
    for key in ("RIFF:DateCreated", "QuickTime:CreateDate"):
        if exiftool_tags.get(key):
            return iso_datetime(exiftool_tags[key])
    return ""


def _ape_values(path: Path) -> dict[str, list[str]]:
    """APEv2 tags that sit beside ID3 in MP3 files (or alone)."""
    try:
        tags = APEv2(path)
    except APENoHeaderError:
        return {}
    except Exception as error:
        logger.info("unreadable APEv2 tag in %s: %s", path, error)
        return {}
    return {key: _text(value).split("\x00") for key, value in tags.items()}
