"""Audio field values checked and shaped for tags: the part of write-back every tag family shares.

``audio_changes_normalized`` turns a caller's changes into clean values of each field's type (or
raises ``AudioWriteError`` naming the field); the helpers below give a field's keys in a tag family
and its value as tag texts.
"""

from __future__ import annotations

from assets.fields import FIELDS, FIELDS_BY_NAME, Field, FieldType
from assets.metadata.dates import iso_datetime


class AudioWriteError(Exception):
    """Writing failed; the message says why in words a librarian understands."""


# date_created is not in the field table's tag columns (its reader is separate), so its keys are here:
# the key written, then synonyms removed on every write.
DATE_KEYS = {"id3": ("TDRC",), "vorbis": ("date", "year"), "mp4": ("©day",), "ape": ("Year",), "asf": ("WM/Year",)}
# Other dates the reader falls back on (original release dates): kept while date_created has a value,
# which the reader prefers, and removed with it so that clearing the field reads back empty.
DATE_FALLBACK_KEYS = {"id3": ("TDOR",), "vorbis": ("originaldate",)}
_NUMBER_LIMIT = 65535  # MP4 stores track, disc and BPM in 16 bits; no real recording needs more


def audio_writable_fields() -> set[str]:
    """Names of the fields this module can write (those with an audio tag key, plus date_created)."""
    return {field.name for field in FIELDS if audio_keys(field)} | {"date_created"}


def audio_keys(field: Field) -> tuple[str, ...]:
    return field.id3 + field.vorbis + field.mp4 + field.ape + field.asf


def audio_changes_normalized(changes: dict[str, object]) -> dict[str, object]:
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


def is_empty(value) -> bool:
    return value is None or value == []


def family_keys(name: str, family: str, value) -> tuple[str, ...]:
    """The keys of a field in a tag family: the one written first, then those removed with it."""
    if name == "date_created":
        fallbacks = DATE_FALLBACK_KEYS.get(family, ()) if is_empty(value) else ()
        return DATE_KEYS[family] + fallbacks
    return getattr(FIELDS_BY_NAME[name], family)


def tag_texts(field: Field, value) -> list[str]:
    """A value as tag texts (numbers handled by the callers, which know their family's form)."""
    return list(value) if field.is_list else [str(value)]


def integer_text(number: float) -> str:
    # ID3, MP4 and APE tools expect a whole BPM; round half up, not to even.
    return str(int(number + 0.5))


def decimal_text(number: float) -> str:
    return str(int(number)) if number.is_integer() else repr(number)


def numbered_text(number: int, existing: str | None) -> str:
    """A track or disc number as text, keeping an existing "/total"."""
    total = existing.partition("/")[2].strip() if existing else ""
    return f"{number}/{total}" if total else str(number)
