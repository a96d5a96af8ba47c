"""ID3 write-back (MP3, WAV, AIFF): the edited frames change, the tag keeps its version and the rest.

What a caller may rely on:

- **Version.** The file's ID3v2 version is kept: v2.3 stays v2.3 (``TYER``/``TDAT``/``TIME``
  dates, "/"-joined lists), v2.4 stays v2.4, a file without ID3v2 gets v2.4. ID3v2.2 (old iTunes
  rips) is written as v2.3, because mutagen cannot write v2.2: v2.3 is the version v2.2 frames map
  onto one for one (``TT2`` -> ``TIT2``, ``TYE`` -> ``TYER``...), where v2.4 would also turn the
  date frames into ``TDRC``; ``id3_write`` returns a note that says so. ``DAM_ID3_VERSION`` (3 or
  4) forces one version for every file instead. A tag whose version stays is not translated:
  frames dam does not edit are written back as they were read.
- **ID3v1.** An MP3's existing ID3v1 tag gets the edited fields (title, artist, album, year,
  comment, track, genre; Latin-1, cut to ID3v1's widths) and keeps every other byte; it is never
  removed (APEv2 saving would drop it: it is put back) and never added. ID3v1 values are never
  copied into the ID3v2 tag: a file with only ID3v1 gets an ID3v2 tag holding the edited fields
  alone (readers still fall back on ID3v1 for the rest).
- **Keywords.** No ID3 frame is standard for keywords; dam writes ``TXXX:KEYWORDS`` as one text,
  the keywords joined with "; ". ExifTool shows only the first of several values of a TXXX frame
  (ID3v2.4's NUL-separated form), while one joined text reads whole in ExifTool, mutagen, Mp3tag,
  foobar2000 and MusicBrainz Picard; dam's reader splits it at ";" again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from mutagen._constants import GENRES
from mutagen.id3 import COMM, ID3, TDAT, TDRC, TIME, TXXX, TYER, Encoding, Frames

from assets.fields import FIELDS_BY_NAME, Field, FieldType
from assets.metadata.audio_values import AudioWriteError, family_keys, integer_text, is_empty, numbered_text, tag_texts

# ID3v2.3 frames whose specification separates several values with "/", which is how mutagen joins
# them; for other list frames dam writes one value joined with "; ", which the reader splits again.
_ID3V23_SLASH_FRAMES = {"TCOM", "TEXT", "TOLY", "TOPE"}  # creators (TPE1) are joined with "; " so they read back
# ID3v2.3's date frames, replaced (with the v2.4 ones) whenever date_created is written.
_V23_DATE_FRAMES = ("TYER", "TDAT", "TIME", "TRDA")
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"  # reserved characters and existing escapes stay as they are
_ID3_TIMESTAMP = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2}):(\d{2}))?)?)?")
_ID3V1_SIZE = 128


@dataclass(frozen=True)
class Id3Plan:
    """How to open and save one file's ID3 tag."""

    version: int  # the ID3v2 minor version written: 3 or 4
    translate: bool  # whether mutagen converts the frames on loading (only when the version changes)
    note: str = ""  # why the version differs from the file's, for the librarian


def id3_plan(existing: tuple[int, ...] | None, forced: int | None) -> Id3Plan:
    """The version to write for a file whose tag is ``existing`` (None: no ID3v2 tag)."""
    if forced not in (None, 0, 3, 4):
        raise AudioWriteError(f"ID3 version 2.{forced} cannot be written; choose 2.3 or 2.4")
    current = existing[1] if existing and existing[0] == 2 else None
    if forced:
        note = (
            f"ID3v2.{current} tag rewritten as ID3v2.{forced} (DAM_ID3_VERSION)"
            if current not in (None, forced)
            else ""
        )
        return Id3Plan(forced, translate=current != forced, note=note)
    if current is None:
        return Id3Plan(4, translate=True)
    if current == 2:
        note = "ID3v2.2 tag rewritten as ID3v2.3: mutagen cannot write ID3v2.2, and v2.3 keeps its frames and dates"
        return Id3Plan(3, translate=True, note=note)
    return Id3Plan(current, translate=False)


def id3_write(tags: ID3, values: dict[str, object], plan: Id3Plan) -> None:
    """Put the changed fields into ``tags`` (loaded as ``plan`` says), ready for ``id3_save_prepare``."""
    for name, value in values.items():
        keys = family_keys(name, "id3", value)
        if name == "date_created":
            keys += _V23_DATE_FRAMES + (("TORY",) if is_empty(value) else ())
        field = FIELDS_BY_NAME[name]
        existing = _id3_text(tags, keys[0])
        for key in keys:
            _id3_remove(tags, key)
        if not is_empty(value):
            tags.add(_id3_frame(field, keys[0], value, existing, plan.version))


def id3_save_prepare(tags: ID3, plan: Id3Plan) -> None:
    """Bring the frames to the version about to be saved."""
    if plan.version == 4:
        return
    if plan.translate:
        _id3_downgrade(tags)
    else:
        _id3v23_dates(tags)  # only dam's new TDRC needs converting: the rest was read as v2.3


def _id3_remove(tags: ID3, key: str) -> None:
    frame_id, _, description = key.partition(":")
    if frame_id == "COMM":
        # The reader takes the plain comment (no description) and ID3v1's, which mutagen names so.
        matches = [frame for frame in tags.getall("COMM") if frame.desc in ("", "ID3v1 Comment")]
    elif frame_id == "TXXX":
        matches = [frame for frame in tags.getall("TXXX") if frame.desc.upper() == description.upper()]
    else:
        tags.delall(frame_id)
        return
    for frame in matches:
        del tags[frame.HashKey]


def _id3_text(tags: ID3, key: str) -> str | None:
    frames = tags.getall(key)
    texts = getattr(frames[0], "text", None) if frames else None
    return str(texts[0]) if texts else None


def _id3_frame(field: Field, key: str, value, existing: str | None, id3_version: int):
    frame_id, _, description = key.partition(":")
    if field.name == "date_created":
        # ID3 timestamps have no time zone or fraction of a second.
        return TDRC(encoding=Encoding.UTF8, text=[_ID3_TIMESTAMP.match(value).group(0)])
    if frame_id.startswith("W") and frame_id != "WXXX":
        return Frames[frame_id](url=_latin1_url(value))
    if field.type is FieldType.INT:
        texts = [numbered_text(value, existing)]
    elif field.type is FieldType.FLOAT:
        texts = [integer_text(value)]
    elif field.is_list and (frame_id == "TXXX" or (id3_version == 3 and frame_id not in _ID3V23_SLASH_FRAMES)):
        texts = ["; ".join(value)]
    else:
        texts = tag_texts(field, value)
    if frame_id == "COMM":
        return COMM(encoding=Encoding.UTF8, lang="eng", desc="", text=texts)
    if frame_id == "TXXX":
        return TXXX(encoding=Encoding.UTF8, desc=description, text=texts)
    return Frames[frame_id](encoding=Encoding.UTF8, text=texts)


def _latin1_url(url: str) -> str:
    """ID3 URL frames are ISO-8859-1: other characters are percent-encoded (as an IRI becomes a URI)."""
    try:
        url.encode("latin-1")
    except UnicodeEncodeError:
        return quote(url, safe=_URL_SAFE)
    return url


def _id3_downgrade(tags: ID3) -> None:
    """Convert the tags to ID3v2.3, as mutagen needs before saving as 2.3.

    mutagen's conversion writes TIME only when hour and minute are both non-zero, so 10:00 or
    00:30 would be lost (from any date in the file, edited or not); TIME is added back here.
    """
    stamp = tags["TDRC"].text[0] if "TDRC" in tags and tags["TDRC"].text else None
    tags.update_to_v23()
    if stamp is not None and stamp.hour is not None and stamp.minute is not None and "TIME" not in tags:
        if "TDAT" in tags:  # v2.3 keeps a time only beside a day
            tags.add(TIME(encoding=Encoding.UTF8, text=f"{stamp.hour:02d}{stamp.minute:02d}"))


def _id3v23_dates(tags: ID3) -> None:
    """dam's TDRC as ID3v2.3's year, day-and-month and time frames."""
    frames = tags.getall("TDRC")
    if not frames:
        return
    tags.delall("TDRC")
    match = _ID3_TIMESTAMP.match(str(frames[0].text[0]) if frames[0].text else "")
    if not match:
        return
    year, month, day, hour, minute, _second = match.groups()
    tags.add(TYER(encoding=Encoding.UTF8, text=[year]))
    if day:  # v2.3 has no frame for a month alone
        tags.add(TDAT(encoding=Encoding.UTF8, text=[f"{day}{month}"]))
        if hour:
            tags.add(TIME(encoding=Encoding.UTF8, text=[f"{hour}{minute}"]))


# --- ID3v1 ---------------------------------------------------------------------------------------


def id3v1_block(path: Path) -> bytes | None:
    """The file's ID3v1 tag (its last 128 bytes), or None."""
    with open(path, "rb") as file:
        file.seek(0, 2)
        if file.tell() < _ID3V1_SIZE:
            return None
        file.seek(-_ID3V1_SIZE, 2)
        block = file.read(_ID3V1_SIZE)
    return block if block[:3] == b"TAG" else None


def id3v1_updated(block: bytes, values: dict[str, object]) -> bytes:
    """``block`` with the edited fields it holds replaced; every other byte stays."""
    data = bytearray(block)
    version_11 = data[125] == 0 and data[126] != 0  # ID3v1.1: a zero byte, then the track number
    if "track_number" in values and not any(data[125:127]):
        version_11 = True  # a comment of 28 bytes or fewer leaves room for a track number
    texts = {
        "title": (3, 30),
        "creators": (33, 30),
        "album": (63, 30),
        "comment": (97, 28 if version_11 else 30),
    }
    for name, value in values.items():
        if name in texts:
            start, width = texts[name]
            text = "; ".join(value) if isinstance(value, list) else ("" if value is None else str(value))
            data[start : start + width] = _id3v1_text(text, width)
        elif name == "date_created":
            data[93:97] = _id3v1_text(str(value or "")[:4], 4)
        elif name == "track_number" and version_11:
            data[125] = 0
            data[126] = value if isinstance(value, int) and 0 < value < 256 else 0
        elif name == "genre":
            data[127] = _genre_number(value)
    return bytes(data)


def id3v1_restore(path: Path, block: bytes) -> None:
    """Put ``block`` at the end of the file, replacing the ID3v1 tag there (or adding it back)."""
    present = id3v1_block(path) is not None
    with open(path, "r+b") as file:
        file.seek(-_ID3V1_SIZE if present else 0, 2)
        file.write(block)
        file.truncate()


def _id3v1_text(text: str, width: int) -> bytes:
    # ID3v1 is Latin-1; a character it lacks becomes "?", as every ID3v1 writer does.
    return text.encode("latin-1", errors="replace")[:width].ljust(width, b"\x00")


def _genre_number(value) -> int:
    text = str(value or "").strip().lower()
    for number, name in enumerate(GENRES[:256]):
        if name.lower() == text:
            return number
    return 255  # ID3v1's "no genre"
