"""Checking a written file against its original: the edits are there, and nothing else changed.

``writeback_verify`` is what write-back runs before it keeps a new file version. It compares the
complete ExifTool dumps (``exiftool -a -G1:4 -struct -j``: every tag, duplicates included) of
the original and the new file and reports

- any tag that changed, appeared or disappeared and is neither one that an edited field is stored
  in (``field_tags``) nor on the allow-list below (``WRITEBACK_BOOKKEEPING``); IIM values are
  compared like every other tag, as ExifTool decodes them, so unedited IIM text whose bytes no
  longer match its character set is reported;
- for audio, any edited field that mutagen (dam's reader) and ExifTool do not both read back as
  written: a tag that only one reader finds is not a written tag.

The allow-list holds facts about the file rather than about the asset (file-system dates, size,
ExifTool's own notes), digests that follow the bytes (``CurrentIPTCDigest``, ``IPTCDigest``),
layout that moves when a tag block grows (TIFF strip and tile offsets, the EXIF thumbnail's and
previews' offsets, the ID3 tag size), what a format needs to hold a block it had no room for
(GIF89a, an extended WebP, a FLAC comment block's vendor, an MP4 metadata box's handler), empty
ID3 frames that go, and tags derived from others (``Composite:*``). The tags EXIF requires in a
new IFD are allowed where a write had to create that IFD (GPS into a file without EXIF). IIM
record versions and ``CodedCharacterSet`` are allowed only in files that had IIM, and record 1's
datasets only when the block was re-encoded to UTF-8 (or record 1 lacked its first dataset).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from assets.fields import FIELDS_BY_NAME
from assets.metadata.audio import audio_metadata
from assets.metadata.exiftool import exiftool_session

WRITEBACK_BOOKKEEPING = frozenset(
    {
        "ExifTool:Warning",
        "File:FileSize",
        "File:CurrentIPTCDigest",
        "File:ID3Size",
        "Photoshop:IPTCDigest",
        "IFD0:StripByteCounts",
        "QuickTime:MediaDataOffset",
        # HEIF/AVIF: the media data box changes size when ExifTool moves metadata items out of it.
        "QuickTime:MediaDataSize",
    }
)
# Layout tags allowed in any group: where image data stored after the metadata starts moves when
# the metadata grows: a multi-picture JPEG's later pictures (groups MPImage2, MPImage3...), the EXIF
# thumbnail (IFD1), every page and reduced image of a TIFF (IFD1, IFD2, SubIFD...) and the previews
# and embedded JPEGs ExifTool shows as offsets, and Canon's original decision data (its image
# verification record, which ExifTool moves with the maker notes). The data they point to is
# compared as it is.
WRITEBACK_LAYOUT_NAMES = frozenset(
    {
        "OriginalDecisionDataOffset",
        "MPImageStart",
        "ThumbnailOffset",
        "StripOffsets",
        "TileOffsets",
        "PreviewImageStart",
        "JpgFromRawStart",
        "OtherImageStart",
    }
)
# The tags EXIF requires in a new IFD, which ExifTool adds when a write creates one (GPS into a
# file without EXIF, DateTimeOriginal into one without an Exif IFD): allowed only in such an IFD.
_MANDATORY_EXIF = frozenset(
    {
        "IFD0:XResolution",
        "IFD0:YResolution",
        "IFD0:ResolutionUnit",
        "IFD0:YCbCrPositioning",
        "ExifIFD:ExifVersion",
        "ExifIFD:ComponentsConfiguration",
        "ExifIFD:FlashpixVersion",
        "ExifIFD:ColorSpace",
        "GPS:GPSVersionID",
    }
)
# Tag groups that describe the file on disk, and tags computed from others.
_BOOKKEEPING_GROUPS = ("System", "Composite", "SourceFile", "ExifTool")

_DATE_TAGS = {
    "image": (
        "ExifIFD:DateTimeOriginal",
        "ExifIFD:OffsetTimeOriginal",
        "IPTC:DateCreated",
        "IPTC:TimeCreated",
        "XMP-photoshop:DateCreated",
    ),
    "audio": (
        "RecordingTime",
        "Year",
        "Date",
        "Time",
        "OriginalReleaseTime",
        "OriginalReleaseYear",
        "ContentCreateDate",
    ),
}
# XMP structures are dumped whole (-struct): a field stored in one member changes its structure.
_XMP_STRUCTURES = {
    "XMP-plus:CopyrightOwnerName": "XMP-plus:CopyrightOwner",
    "XMP-plus:LicensorURL": "XMP-plus:Licensor",
}
# ExifTool's names (all groups: ID3v1, ID3v2_x, Vorbis, ItemList, iTunes, APE) for each audio field.
AUDIO_EXIFTOOL_NAMES = {
    "title": ("Title",),
    "creators": ("Artist", "Author"),
    "album": ("Album", "AlbumTitle"),
    "genre": ("Genre",),
    "comment": ("Comment",),
    "copyright_notice": ("Copyright",),
    "web_statement_url": ("CopyrightURL", "License"),
    "publisher": ("Publisher", "Organization", "Label"),
    "composer": ("Composer",),
    "track_number": ("Track", "TrackNumber", "Tracktotal"),
    "disc_number": ("PartOfSet", "Discnumber", "DiskNumber", "Disctotal"),
    "bpm": ("BeatsPerMinute", "Bpm"),
    "isrc": ("ISRC", "ISRCNumber"),
    "keywords": ("UserDefinedText(KEYWORDS)", "Keywords", "Keyword"),
    "description": ("UserDefinedText(DESCRIPTION)", "Description"),
}
# The text fields whose values both readers are asked for (numbers and dates are formatted
# differently by ExifTool, and are compared by mutagen alone).
_CROSS_CHECKED = ("title", "album", "genre", "comment", "copyright_notice", "composer", "creators", "keywords")
_COPY = re.compile(r":Copy\d+:")
_ID3V2_GROUP = re.compile(r"^ID3v2_\d:")
_USER_TEXT = re.compile(r"^\((?P<description>[^)]*)\) ?(?P<text>.*)$", re.DOTALL)


def writeback_snapshot(path: Path) -> dict:
    """The complete ExifTool dump that ``writeback_verify`` compares a new file with."""
    return exiftool_session().dump(Path(path))


def writeback_verify(original: Path | dict, new_path: Path, kind: str, todo: dict) -> list[str]:
    """Problems with ``new_path`` as the write-back of ``todo`` ({field: value}) into ``original``
    (a path, or its ``writeback_snapshot``); an empty list means the new file may be kept."""
    before = original if isinstance(original, dict) else writeback_snapshot(original)
    after = writeback_snapshot(new_path)
    problems = [
        f"{tag} changed from {_shown(old)} to {_shown(new)}, though no edited field is stored there"
        for tag, old, new in writeback_unexpected(before, after, kind, todo)
    ]
    if kind == "audio":
        problems += _readers_disagree(new_path, after, todo)
    return problems


def writeback_unexpected(before: dict, after: dict, kind: str, todo: dict) -> list[tuple[str, list, list]]:
    """(tag, values before, values after) for every tag that changed between the dumps ``before``
    and ``after`` though no field of ``todo`` is stored in it and the allow-list does not cover it."""
    # A changed ID3v2 version (v2.2 is written as v2.3, or DAM_ID3_VERSION forces one) renames the
    # date frames (v2.3's Year and Date are v2.4's RecordingTime): those may differ then.
    renamed = _id3_versions(before) != _id3_versions(after)
    return [
        (tag, old, new)
        for tag, old, new in tags_changed(before, after)
        if not tag_allowed(tag, kind, todo, before)
        and not (renamed and tag.partition(":")[2] in _DATE_TAGS["audio"] and tag.startswith("ID3v2:"))
        and not _room_for_metadata(tag, old, new, before)
        and not _empty_id3_frame_dropped(tag, old, new)
    ]


def tags_changed(before: dict, after: dict) -> list[tuple[str, list, list]]:
    """(tag, values before, values after) for every tag whose values differ; duplicate tags are
    compared as one list per ``Group:Tag`` (ExifTool's Copy numbers shift when a tag moves)."""
    old, new = _grouped(before), _grouped(after)
    return [(tag, old.get(tag, []), new.get(tag, [])) for tag in sorted(set(old) | set(new)) if _differ(old, new, tag)]


def tag_allowed(tag: str, kind: str, todo: dict, before: dict) -> bool:
    """Whether write-back of ``todo`` may change ``tag`` (``Group:Name`` as ``tags_changed`` gives)."""
    group, _, name = tag.partition(":")
    if tag in WRITEBACK_BOOKKEEPING or group in _BOOKKEEPING_GROUPS or name in WRITEBACK_LAYOUT_NAMES:
        return True
    if tag in _MANDATORY_EXIF and not any(key.startswith(f"{group}:") for key in before):
        return True
    return any(tag in field_tags(field, kind, before) for field in todo)


def _room_for_metadata(tag: str, old: list, new: list, before: dict) -> bool:
    """Whether the change is what a file needs to hold a metadata block it had no room for, which
    the writer adds: a GIF87a becomes GIF89a (XMP lives in an application extension, GIF89a's), a
    simple WebP an extended one (its VP8X chunk repeats the canvas size and flags the chunks
    present), a FLAC file's first comment block names its vendor, and an MP4 file's first
    metadata box its handler."""
    if tag == "GIF:GIFVersion":
        return old == ["87a"] and new == ["89a"]
    if tag == "File:FileType":
        return old == ["WEBP"] and new == ["Extended WEBP"]
    if tag == "RIFF:WebP_Flags":
        had, has = _flags(old), _flags(new)
        return had <= has and has - had <= {"XMP", "EXIF"}
    if tag in ("RIFF:ImageWidth", "RIFF:ImageHeight"):
        return {str(value) for value in old} == {str(value) for value in new}
    if tag == "Vorbis:Vendor":
        return not old and not any(key.startswith("Vorbis:") for key in before)
    if tag in ("QuickTime:HandlerType", "QuickTime:HandlerVendorID"):
        return not old
    return False


def _flags(values: list) -> set[str]:
    return {flag.strip() for value in values for flag in str(value).split(",") if flag.strip()}


def _empty_id3_frame_dropped(tag: str, old: list, new: list) -> bool:
    """mutagen writes no ID3v2 text frame without text: an empty frame goes, and nothing is lost."""
    return tag.startswith("ID3v2:") and not new and bool(old) and all(value == "" for value in old)


def field_tags(field: str, kind: str, before: dict) -> set[str]:
    """The ``Group:Name`` tags a write of ``field`` may change in a file whose dump was ``before``."""
    if kind == "audio":
        names = AUDIO_EXIFTOOL_NAMES.get(field, ()) + (_DATE_TAGS["audio"] if field == "date_created" else ())
        groups = {key.split(":")[0] for key in before} | {"ID3v1", "ID3v2", "APE", "Vorbis", "ItemList", "iTunes"}
        groups |= {"ASF"}
        return {f"{group}:{name}" for group in groups for name in names}
    had_iim = "File:CurrentIPTCDigest" in before
    had_exif = any(key.startswith(("IFD0:", "ExifIFD:")) for key in before)
    if field in ("latitude", "longitude", "altitude"):
        tags = {key for key in before if key.startswith("GPS:")} | {
            f"GPS:{name}"
            for name in (
                "GPSVersionID",
                "GPSLatitude",
                "GPSLatitudeRef",
                "GPSLongitude",
                "GPSLongitudeRef",
                "GPSAltitude",
                "GPSAltitudeRef",
            )
        }
        tags |= {"XMP-exif:GPSLatitude", "XMP-exif:GPSLongitude", "XMP-exif:GPSAltitude", "XMP-exif:GPSAltitudeRef"}
        # A file without EXIF gets an EXIF block for its GPS (with the IFD0 tags EXIF requires).
        return tags | {"File:ExifByteOrder"} if not had_exif else tags
    tags = set(_DATE_TAGS["image"]) if field == "date_created" else set()
    definition = FIELDS_BY_NAME.get(field)
    if definition is not None:
        tags |= {_XMP_STRUCTURES.get(tag, tag) for tag in definition.xmp[:1]}
        tags |= set(definition.iptc[:1]) | (set(definition.exif[:1]) if had_exif else set())
    if not had_iim:
        return {tag for tag in tags if not tag.startswith("IPTC:")}
    tags |= {"IPTC:ApplicationRecordVersion"}
    if "IPTC:EnvelopeRecordVersion" not in before:  # record 1's mandatory first dataset, which ExifTool adds
        tags |= {"IPTC:EnvelopeRecordVersion"}
    if _declared_charset(before) != "UTF8":  # the re-encoding to UTF-8 adds record 1
        tags |= {"IPTC:CodedCharacterSet", "IPTC:EnvelopeRecordVersion"}
    return tags


def _id3_versions(dump: dict) -> set[str]:
    return {key.split(":")[0] for key in dump if key.startswith("ID3v2_")}


def _declared_charset(dump: dict) -> str | None:
    declared = dump.get("IPTC:CodedCharacterSet")
    return "UTF8" if declared in ("UTF8", "\x1b%G") else declared


def _grouped(dump: dict) -> dict[str, list]:
    grouped: dict[str, list] = {}
    for key, value in dump.items():
        tag = _ID3V2_GROUP.sub("ID3v2:", _COPY.sub(":", key))  # one ID3v2 tag, whatever its version
        group, _, name = tag.partition(":")
        if name == "UserDefinedText" and isinstance(value, str):
            match = _USER_TEXT.match(value)  # ID3 TXXX frames, one pseudo-tag per description
            if match:
                tag = f"{group}:UserDefinedText({match['description'].upper()})"
        grouped.setdefault(tag, []).append(value)
    return grouped


def _differ(old: dict, new: dict, tag: str) -> bool:
    def counted(values):
        return Counter(json.dumps(value, sort_keys=True, ensure_ascii=False) for value in values)

    return counted(old.get(tag, [])) != counted(new.get(tag, []))


def _shown(values: list) -> str:
    if not values:
        return "nothing"
    text = json.dumps(values[0] if len(values) == 1 else values, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "..."


# --- Audio: both readers ---------------------------------------------------------------------


def _readers_disagree(path: Path, dump: dict, todo: dict) -> list[str]:
    """Edited fields that mutagen and ExifTool do not both read as written. For a format ExifTool
    does not read (WavPack), FFmpeg is the second reader; it shows only the first item of a
    multi-valued APEv2 tag (it stops at the NUL between items), so only that item is compared."""
    mutagen_values = audio_metadata(Path(path), {}).values
    grouped, reader = _grouped(dump), "ExifTool"
    # ExifTool 12.57 reads a WavPack file's header when it holds the original WAV header (files
    # made by the wavpack tool do), but never its APEv2 tag.
    if dump.get("ExifTool:Error") or dump.get("File:FileType") == "WV":
        grouped, reader = _ffmpeg_grouped(Path(path)), "FFmpeg"
    problems = []
    for field in (name for name in todo if name in _CROSS_CHECKED):
        wanted = _normal(field, todo[field])
        if _normal(field, mutagen_values.get(field)) != wanted:
            problems.append(f"{field}: wrote {todo[field]!r}, mutagen reads {mutagen_values.get(field)!r}")
        found = _exiftool_audio_value(grouped, field)
        if reader == "FFmpeg" and isinstance(wanted, list) and found != wanted:
            # FFmpeg shows a multi-item value up to its first NUL: the first item written, unsorted.
            wanted = _normal(field, _first_item(todo[field]))
        if found != wanted:
            problems.append(
                f"{field}: wrote {todo[field]!r}, {reader} reads {found or 'nothing'!r}"
                " (a tag only one reader finds is not written)"
            )
    return problems


def _first_item(value) -> list:
    items = [value] if isinstance(value, str) else list(value or [])
    return items[:1]


def _ffmpeg_grouped(path: Path) -> dict[str, list]:
    """FFmpeg's reading of the file's tags, keyed like ExifTool's (``FFmpeg:Title``)."""
    import av

    from assets.decoding.sound import ffmpeg_open

    try:
        with ffmpeg_open(path) as container:
            metadata = dict(container.metadata)
    except av.error.FFmpegError:
        return {}
    names = {name.lower(): name for names in AUDIO_EXIFTOOL_NAMES.values() for name in names}
    return {f"FFmpeg:{names[key.lower()]}": [value] for key, value in metadata.items() if key.lower() in names}


def _exiftool_audio_value(grouped: dict[str, list], field: str):
    """The field as ExifTool reads it from the main tag (ID3v2, Vorbis, ItemList; ID3v1 last)."""
    for group in ("ID3v2", "Vorbis", "ItemList", "iTunes", "APE", "ASF", "ID3v1", "FFmpeg"):
        for name in AUDIO_EXIFTOOL_NAMES[field]:
            values = grouped.get(f"{group}:{name}")
            if values:
                if name.startswith("UserDefinedText("):
                    values = [_USER_TEXT.match(value)["text"] for value in values]
                return _normal(field, values)
    return _normal(field, None)


def _normal(field: str, value):
    """A value as a comparable form: lists as their items (joined texts split at ";" or ID3's "/")."""
    definition = FIELDS_BY_NAME.get(field)
    if definition is None or not definition.is_list:
        if isinstance(value, list):
            value = value[0] if value else None
        return None if value in (None, "") else str(value).strip()
    items = [value] if isinstance(value, str) else list(value or [])
    split = [part.strip() for item in items for part in re.split(r"[;/]", str(item))]
    return sorted(part for part in split if part)
