"""Writing canonical field values into audio files with mutagen: the write-back half of ``audio.py``.

What a caller may rely on:

- Each field goes to the first key the field table (``assets.fields``) lists for the file's tag
  family; the field's other keys in that family are removed, so the reader (which tries them in
  order) finds the new value. ``date_created`` goes to ID3 ``TDRC`` (``TYER``/``TDAT``/``TIME`` in
  ID3v2.3), Vorbis ``date``, MP4 ``©day`` and APEv2 ``Year``.
- Only the changed fields' tags are touched: other frames, cover art and the audio data stay as
  they were (mutagen rewrites the tag region only). An empty value ("", [] or None) removes the
  field's tags.
- MP3, WAV and AIFF get ID3v2.4 by default, or ID3v2.3 with ``id3_version=3``. An MP3's existing
  ID3v1 tag is brought up to date by mutagen, and an APEv2 tag beside the ID3 tag is updated for
  the fields it already holds, so that no reader finds a stale value there.
- Fields no audio tag can hold, and fields this file's format cannot hold (e.g. the licence URL
  in MP4; ``audio_format_writable_fields`` names those it can), are ignored. Unknown field names,
  unusable values and every failure to read or write the file raise ``AudioWriteError`` with a
  message a librarian can act on; values are checked before the file is opened.

Known losses, all set by the formats rather than by choice: ID3 and MP4 store BPM as an integer
(rounded half up); ID3 timestamps have no time zone or fractions of a second (dropped); ID3v2.3
stores dates as year, day-and-month and hours-and-minutes (seconds and a month without a day are
dropped) and joins several creators into one "/"-separated text, as its specification says, which the
reader keeps as one name. mutagen fills ID3v1's comment only from a COMM frame without a language, so
an MP3's ID3v1 comment is emptied on saving (ID3v2 keeps the comment). A single list item holding ";"
reads back split, as the reader splits such values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from mutagen.aiff import AIFF
from mutagen.apev2 import APENoHeaderError, APETextValue, APEv2
from mutagen.flac import FLAC
from mutagen.id3 import COMM, ID3, TDRC, TIME, TXXX, Encoding, Frames
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4, AtomDataType, MP4FreeForm
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE

from assets.fields import FIELDS, FIELDS_BY_NAME, Field, FieldType
from assets.metadata.dates import iso_datetime


class AudioWriteError(Exception):
    """Writing failed; the message says why in words a librarian understands."""


@dataclass(frozen=True)
class _AudioFormat:
    label: str
    family: str  # the tag family, as in the field table: id3, vorbis or mp4
    opener: type


_FORMATS = {
    "mp3": _AudioFormat("MP3", "id3", MP3),
    "flac": _AudioFormat("FLAC", "vorbis", FLAC),
    "ogg_vorbis": _AudioFormat("Ogg Vorbis", "vorbis", OggVorbis),
    "ogg_opus": _AudioFormat("Ogg Opus", "vorbis", OggOpus),
    "wav": _AudioFormat("WAV", "id3", WAVE),
    "aiff": _AudioFormat("AIFF", "id3", AIFF),
    "m4a": _AudioFormat("M4A (MPEG-4)", "mp4", MP4),
}

# date_created is not in the field table's tag columns (its reader is separate), so its keys are here:
# the key written, then synonyms removed on every write.
_DATE_KEYS = {"id3": ("TDRC",), "vorbis": ("date", "year"), "mp4": ("©day",), "ape": ("Year",)}
# Other dates the reader falls back on (original release dates): kept while date_created has a value,
# which the reader prefers, and removed with it so that clearing the field reads back empty.
_DATE_FALLBACK_KEYS = {"id3": ("TDOR",), "vorbis": ("originaldate",)}

# ID3v2.3 frames whose specification separates several values with "/", which is how mutagen joins
# them; for other list frames dam writes one value joined with "; ", which the reader splits again.
_ID3V23_SLASH_FRAMES = {"TCOM", "TEXT", "TOLY", "TOPE"}  # creators (TPE1) are joined with "; " so they read back

_NUMBER_LIMIT = 65535  # MP4 stores track, disc and BPM in 16 bits; no real recording needs more
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"  # reserved characters and existing escapes stay as they are
_ID3_TIMESTAMP = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2}(?:T\d{2}:\d{2}:\d{2})?)?)?")


def audio_writable_fields() -> set[str]:
    """Names of the fields this module can write (those with an audio tag key, plus date_created)."""
    return {field.name for field in FIELDS if _audio_keys(field)} | {"date_created"}


def audio_format_writable_fields(media_format_key: str) -> set[str]:
    """The fields a file of this format can hold (``audio_writable_fields`` less, e.g., the licence URL
    in M4A): a caller that checks the read-back value should check only these."""
    family = _audio_format(media_format_key).family
    return {name for name in audio_writable_fields() if _family_keys(name, family, None)}


def audio_tags_write(path: Path, media_format_key: str, changes: dict[str, object], *, id3_version: int = 4) -> None:
    """Write canonical field values into the audio file at ``path``, in place.
    ``changes`` maps field names from assets.fields to values typed as the field table says
    (str, list[str], int, float, bool); "", [] and None remove the field's tag.
    Only the tags of the changed fields are touched; everything else in the file (other frames,
    cover art, audio data) stays as it was."""
    path = Path(path)
    audio_format = _audio_format(media_format_key)
    if id3_version not in (3, 4):
        raise AudioWriteError(f"ID3 version 2.{id3_version} cannot be written; choose 2.3 or 2.4")
    values = _normalized_changes(changes)
    family = audio_format.family
    values = {name: value for name, value in values.items() if _family_keys(name, family, value)}
    if not values:
        return  # nothing this format can hold: leave the file alone
    audio = _open(path, audio_format)
    if family == "id3":
        _id3_write(audio, values, id3_version)
    elif family == "vorbis":
        _vorbis_write(audio, values)
    else:
        _mp4_write(audio, values)
    _save(path, audio_format, lambda: _audio_save(audio, family, id3_version))
    if family == "id3":
        _save(path, audio_format, lambda: _ape_update(path, values))


def _audio_format(media_format_key: str) -> _AudioFormat:
    audio_format = _FORMATS.get(media_format_key)
    if audio_format is None:
        labels = [spec.label for spec in _FORMATS.values()]
        known = f"{', '.join(labels[:-1])} and {labels[-1]}"
        raise AudioWriteError(f"dam cannot write tags into {media_format_key!r} files, only into {known} files")
    return audio_format


# --- Values ----------------------------------------------------------------------------------


def _audio_keys(field: Field) -> tuple[str, ...]:
    return field.id3 + field.vorbis + field.mp4 + field.ape


def _normalized_changes(changes: dict[str, object]) -> dict[str, object]:
    """The changes as clean values of each field's type; fields no audio tag holds are left out."""
    writable = audio_writable_fields()
    values = {}
    for name, value in changes.items():
        field = FIELDS_BY_NAME.get(name)
        if field is None:
            raise AudioWriteError(f"there is no metadata field called {name!r}")
        if name in writable:
            values[name] = _normalized(field, value)
    return values


def _normalized(field: Field, value):
    if value is None or value == "" or value == []:
        return [] if field.is_list else None
    if field.type is FieldType.LIST:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)):
            raise AudioWriteError(f"{field.label} must be a list of texts, not {value!r}")
        # Blank items and repeats would read back differently, so they are dropped here.
        return list(dict.fromkeys(text for text in (_clean_text(item) for item in items if item is not None) if text))
    if field.type is FieldType.DATETIME:
        iso = iso_datetime(value)
        if not iso:
            raise AudioWriteError(
                f"{field.label} {value!r} is not a date; write it as YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS"
            )
        return iso
    if field.type is FieldType.INT:
        return _whole_number(field, value)
    if field.type is FieldType.FLOAT:
        return _positive_number(field, value)
    if isinstance(value, (list, tuple, dict)):
        raise AudioWriteError(f"{field.label} must be one text, not {value!r}")
    return _clean_text(value) or None


def _clean_text(value) -> str:
    # A NUL separates values inside ID3 and APEv2 frames: one in a text would cut it short on reading.
    return str(value).replace("\x00", "").strip()


def _whole_number(field: Field, value) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise AudioWriteError(f"{field.label} must be a whole number, not {value!r}") from None
    if not 1 <= number <= _NUMBER_LIMIT:
        raise AudioWriteError(f"{field.label} must be between 1 and {_NUMBER_LIMIT}, not {number}")
    return number


def _positive_number(field: Field, value) -> float:
    try:
        number = float(str(value).strip())
    except ValueError:
        raise AudioWriteError(f"{field.label} must be a number, not {value!r}") from None
    if not 0 < number <= _NUMBER_LIMIT:  # also rejects NaN
        raise AudioWriteError(f"{field.label} must be a number between 0 and {_NUMBER_LIMIT}, not {value!r}")
    return number


def _is_empty(value) -> bool:
    return value is None or value == []


def _family_keys(name: str, family: str, value) -> tuple[str, ...]:
    """The keys of a field in a tag family: the one written first, then those removed with it."""
    if name == "date_created":
        fallbacks = _DATE_FALLBACK_KEYS.get(family, ()) if _is_empty(value) else ()
        return _DATE_KEYS[family] + fallbacks
    return getattr(FIELDS_BY_NAME[name], family)


def _texts(field: Field, value) -> list[str]:
    """A value as tag texts (numbers handled by the callers, which know their family's form)."""
    return list(value) if field.is_list else [str(value)]


def _integer_text(number: float) -> str:
    # ID3, MP4 and APE tools expect a whole BPM; round half up, not to even.
    return str(int(number + 0.5))


def _decimal_text(number: float) -> str:
    return str(int(number)) if number.is_integer() else repr(number)


def _numbered(number: int, existing: str | None) -> str:
    """A track or disc number as text, keeping an existing "/total"."""
    total = existing.partition("/")[2].strip() if existing else ""
    return f"{number}/{total}" if total else str(number)


# --- Opening and saving ----------------------------------------------------------------------


def _open(path: Path, audio_format: _AudioFormat):
    if not path.is_file():
        raise AudioWriteError(f"the file {path.name} does not exist, so its tags cannot be written")
    try:
        audio = audio_format.opener(path)
    except Exception as error:  # mutagen raises many types on files it cannot parse
        raise _read_error(path, audio_format, error) from error
    if audio.tags is None:
        try:
            audio.add_tags()
        except Exception as error:
            raise _read_error(path, audio_format, error) from error
    return audio


def _read_error(path: Path, audio_format: _AudioFormat, error: Exception) -> AudioWriteError:
    cause = _os_error(error)
    if cause is not None:
        return AudioWriteError(f"the file {path.name} could not be read ({cause.strerror})")
    return AudioWriteError(
        f"the file {path.name} is not valid {audio_format.label} audio, or its tags are damaged{_mutagen_detail(error)}"
    )


def _save(path: Path, audio_format: _AudioFormat, save) -> None:
    try:
        save()
    except AudioWriteError:
        raise
    except Exception as error:
        cause = _os_error(error)
        if cause is not None:
            raise AudioWriteError(
                f"the tags of {path.name} ({audio_format.label}) could not be written: {cause.strerror}"
            ) from error
        raise AudioWriteError(
            f"the tags of {path.name} ({audio_format.label}) could not be written{_mutagen_detail(error)}"
        ) from error


def _os_error(error: BaseException | None) -> OSError | None:
    """The operating system's error behind a mutagen error (mutagen wraps them in MutagenError).

    mutagen also raises a bare IOError, with no error number, for data shorter than declared:
    that is damage in the file, not a problem with the disk or permissions, so it is not returned.
    """
    while error is not None:
        candidates = [error, *(arg for arg in error.args if isinstance(arg, BaseException))]
        for candidate in candidates:
            if isinstance(candidate, OSError) and candidate.errno is not None:
                return candidate
        error = error.__cause__
    return None


def _mutagen_detail(error: Exception) -> str:
    detail = str(error).strip()
    return f" (mutagen says: {detail})" if detail and detail != "()" else ""


def _audio_save(audio, family: str, id3_version: int) -> None:
    if family != "id3":
        audio.save()
        return
    if id3_version == 3:
        _id3_downgrade(audio.tags)
    audio.save(v2_version=id3_version)


# --- ID3 (MP3, WAV, AIFF) --------------------------------------------------------------------


def _id3_write(audio, values: dict[str, object], id3_version: int) -> None:
    tags: ID3 = audio.tags
    for name, value in values.items():
        keys = _family_keys(name, "id3", value)
        field = FIELDS_BY_NAME[name]
        existing = _id3_text(tags, keys[0])
        for key in keys:
            _id3_remove(tags, key)
        if not _is_empty(value):
            tags.add(_id3_frame(field, keys[0], value, existing, id3_version))


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
        texts = [_numbered(value, existing)]
    elif field.type is FieldType.FLOAT:
        texts = [_integer_text(value)]
    elif field.is_list and id3_version == 3 and frame_id not in _ID3V23_SLASH_FRAMES:
        texts = ["; ".join(value)]
    else:
        texts = _texts(field, value)
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


# --- APEv2 beside ID3 ------------------------------------------------------------------------


def _ape_update(path: Path, values: dict[str, object]) -> None:
    """Bring an existing APEv2 tag's copies of the changed fields up to date (never add new ones)."""
    try:
        tags = APEv2(path)
    except APENoHeaderError:
        return
    changed = False
    for name, value in values.items():
        keys = _family_keys(name, "ape", value)
        present = [key for key in tags.keys() if key.lower() in {k.lower() for k in keys}]
        if not present:
            continue
        found = tags[present[0]]
        existing = str(found) if isinstance(found, APETextValue) else None  # binary items have no "/total"
        for key in present:
            del tags[key]
        if not _is_empty(value):
            tags[keys[0]] = _ape_texts(FIELDS_BY_NAME[name], value, existing)
        changed = True
    if changed:
        tags.save(path)


def _ape_texts(field: Field, value, existing: str | None) -> list[str]:
    if field.type is FieldType.INT:
        return [_numbered(value, existing)]
    if field.type is FieldType.FLOAT:
        return [_integer_text(value)]  # as in the ID3 tag beside it, so both agree
    return _texts(field, value)


# --- Vorbis comments (FLAC, Ogg Vorbis, Ogg Opus) --------------------------------------------


def _vorbis_write(audio, values: dict[str, object]) -> None:
    tags = audio.tags  # picture blocks and METADATA_BLOCK_PICTURE are not among the keys touched
    for name, value in values.items():
        keys = _family_keys(name, "vorbis", value)
        field = FIELDS_BY_NAME[name]
        existing = _vorbis_text(tags, keys[0])
        for key in keys:
            if key in tags:  # mutagen compares Vorbis keys without regard to case
                del tags[key]
        if _is_empty(value):
            continue
        if field.type is FieldType.INT:
            texts = [_numbered(value, existing)]
        elif field.type is FieldType.FLOAT:
            texts = [_decimal_text(value)]  # Vorbis comments are text: a fractional BPM survives
        else:
            texts = _texts(field, value)
        tags[keys[0].lower()] = texts


def _vorbis_text(tags, key: str) -> str | None:
    found = tags.get(key) if key in tags else None
    return found[0] if found else None


# --- MP4 atoms (M4A) -------------------------------------------------------------------------


def _mp4_write(audio, values: dict[str, object]) -> None:
    tags = audio.tags
    for name, value in values.items():
        keys = _family_keys(name, "mp4", value)
        field = FIELDS_BY_NAME[name]
        existing = tags.get(keys[0])
        for key in keys:
            tags.pop(key, None)
        if not _is_empty(value):
            tags[keys[0]] = _mp4_value(field, keys[0], value, existing)


def _mp4_value(field: Field, key: str, value, existing) -> list:
    if key in ("trkn", "disk"):
        total = existing[0][1] if existing and len(existing[0]) > 1 else 0
        return [(value, total)]
    if key == "tmpo":
        return [int(_integer_text(value))]
    texts = _texts(field, value)
    if key.startswith("----:"):
        return [MP4FreeForm(text.encode("utf-8"), dataformat=AtomDataType.UTF8) for text in texts]
    return texts
