"""Writing canonical field values into audio files with mutagen: the write-back half of ``audio.py``.

What a caller may rely on:

- Each field goes to the first key the field table (``assets.fields``) lists for the file's tag
  family; the field's other keys in that family are removed, so the reader (which tries them in
  order) finds the new value. ``date_created`` goes to ID3 ``TDRC`` (``TYER``/``TDAT``/``TIME`` in
  ID3v2.3), Vorbis ``date``, MP4 ``©day`` and APEv2 ``Year``.
- Only the changed fields' tags are touched: other frames, cover art and the audio data stay as
  they were (mutagen rewrites the tag region only). An empty value ("", [] or None) removes the
  field's tags.
- MP3, WAV and AIFF keep their ID3v2 version (see ``id3_write``: v2.2 becomes v2.3, files without
  ID3v2 get v2.4) unless ``id3_version`` (3 or 4) forces one. An existing ID3v1 tag (of an MP3, or
  after the APEv2 tag of Monkey's Audio, WavPack or Musepack) gets the edited fields and keeps the
  rest; an APEv2 tag beside the ID3 tag, and a WAV file's RIFF INFO chunk (``riff_info``), are
  updated for the fields they already hold, so that no reader finds a stale value there.
- Fields no audio tag can hold, and fields this file's format cannot hold (e.g. the licence URL
  in MP4; ``audio_format_writable_fields`` names those it can), are ignored. Unknown field names,
  unusable values and every failure to read or write the file raise ``AudioWriteError`` with a
  message a librarian can act on; values are checked before the file is opened.

Known losses, all set by the formats rather than by choice: ID3 and MP4 store BPM as an integer
(rounded half up); ID3 timestamps have no time zone or fractions of a second (dropped); ID3v2.3
stores dates as year, day-and-month and hours-and-minutes (seconds and a month without a day are
dropped) and joins several creators into one text; ID3v1 holds Latin-1 texts of at most 30 bytes.
A single list item holding ";" reads back split, as the reader splits such values.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mutagen.aiff import AIFF
from mutagen.apev2 import APENoHeaderError, APETextValue, APEv2
from mutagen.asf import ASF
from mutagen.flac import FLAC
from mutagen.id3 import ID3FileType
from mutagen.monkeysaudio import MonkeysAudio
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4, AtomDataType, MP4FreeForm
from mutagen.musepack import Musepack
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.trueaudio import TrueAudio
from mutagen.wave import WAVE
from mutagen.wavpack import WavPack

from assets.fields import FIELDS_BY_NAME, Field, FieldType
from assets.metadata.audio import audio_tags_open, id3_cut_short
from assets.metadata.audio_values import (
    AudioWriteError,
    audio_changes_normalized,
    audio_writable_fields,
    decimal_text,
    family_keys,
    integer_text,
    is_empty,
    numbered_text,
    tag_texts,
)
from assets.metadata.id3_write import (
    Id3Plan,
    id3_plan,
    id3_save_prepare,
    id3_write,
    id3v1_block,
    id3v1_restore,
    id3v1_updated,
)
from assets.metadata.iff_layout import container_size_repair
from assets.metadata.riff_info import riff_info_update


@dataclass(frozen=True)
class _AudioFormat:
    label: str
    family: str  # the tag family, as in the field table: id3, vorbis, mp4, ape or asf
    opener: type


_FORMATS = {
    "mp3": _AudioFormat("MP3", "id3", MP3),
    "flac": _AudioFormat("FLAC", "vorbis", FLAC),
    "ogg_vorbis": _AudioFormat("Ogg Vorbis", "vorbis", OggVorbis),
    "ogg_opus": _AudioFormat("Ogg Opus", "vorbis", OggOpus),
    "wav": _AudioFormat("WAV", "id3", WAVE),
    "aiff": _AudioFormat("AIFF", "id3", AIFF),
    "m4a": _AudioFormat("M4A (MPEG-4)", "mp4", MP4),
    "tta": _AudioFormat("TTA", "id3", TrueAudio),
    "asf": _AudioFormat("WMA", "asf", ASF),
    "wavpack": _AudioFormat("WavPack", "ape", WavPack),
    "ape": _AudioFormat("Monkey's Audio", "ape", MonkeysAudio),
    "musepack": _AudioFormat("Musepack", "ape", Musepack),
}
# Formats whose tags mutagen cannot write: edits go to the XMP sidecar only, for this reason.
SIDECAR_ONLY = {"aac": "AAC in ADTS has no place for tags"}


def audio_format_writable_fields(media_format_key: str) -> set[str]:
    """The fields a file of this format can hold (``audio_writable_fields`` less, e.g., the licence URL
    in M4A): a caller that checks the read-back value should check only these."""
    if media_format_key in SIDECAR_ONLY:
        return set()
    family = _audio_format(media_format_key).family
    return {name for name in audio_writable_fields() if family_keys(name, family, None)}


def audio_tags_write(
    path: Path, media_format_key: str, changes: dict[str, object], *, id3_version: int | None = None
) -> list[str]:
    """Write canonical field values into the audio file at ``path``, in place.
    ``changes`` maps field names from assets.fields to values typed as the field table says
    (str, list[str], int, float, bool); "", [] and None remove the field's tag.
    Only the tags of the changed fields are touched; everything else in the file (other frames,
    cover art, audio data) stays as it was. ``id3_version`` None (or 0) keeps each file's ID3v2
    version; 3 or 4 forces one. Returns notes for the librarian (e.g. why an ID3 version changed)."""
    path = Path(path)
    audio_format = _audio_format(media_format_key)
    id3_plan(None, id3_version)  # checks the setting before anything is opened
    values = audio_changes_normalized(changes)
    family = audio_format.family
    values = {name: value for name, value in values.items() if family_keys(name, family, value)}
    if not values:
        return []  # nothing this format can hold: leave the file alone
    if family != "id3":
        # mutagen's APEv2 save drops an ID3v1 tag after the APEv2 one: it is put back, with the edits.
        v1 = id3v1_block(path) if family == "ape" else None
        audio = _open(path, audio_format)
        {"vorbis": _vorbis_write, "mp4": _mp4_write, "ape": _ape_write, "asf": _asf_write}[family](audio, values)
        _save(path, audio_format, audio.save)
        if v1 is not None:
            _save(path, audio_format, lambda: id3v1_restore(path, id3v1_updated(v1, values)))
        return []
    return _id3_file_write(path, audio_format, values, id3_version)


def _id3_file_write(path: Path, audio_format: _AudioFormat, values: dict, id3_version: int | None) -> list[str]:
    # Opened once to learn the tag's version, then as the plan says (never merging ID3v1 in).
    if audio_format.opener in (WAVE, AIFF):
        # mutagen reads the chunks the container's size covers and adds a new ID3 chunk where it
        # says the container ends: where that disagrees with the chunks, it is set right first.
        container_size_repair(path)
    found = _open(path, audio_format, add_tags=False, load_v1=False, translate=False)
    plan = id3_plan(found.tags.version if found.tags is not None else None, id3_version)
    if plan.translate:
        audio = _open(path, audio_format, load_v1=False, v2_version=plan.version)
    else:
        audio = found
    v1 = id3v1_block(path) if audio_format.opener is MP3 else None
    id3_write(audio.tags, values, plan)
    id3_save_prepare(audio.tags, plan)
    _save(path, audio_format, lambda: _id3_save(audio, plan))
    _save(path, audio_format, lambda: _ape_update(path, values))
    if audio_format.opener is WAVE:
        _save(path, audio_format, lambda: riff_info_update(path, values, _field_texts))
    if v1 is not None:
        _save(path, audio_format, lambda: id3v1_restore(path, id3v1_updated(v1, values)))
    return [plan.note] if plan.note else []


def _id3_save(audio: ID3FileType, plan: Id3Plan) -> None:
    if isinstance(audio, ID3FileType):  # MP3 (its ID3 tag alone, too) and TTA; WAV and AIFF hold ID3 in a chunk
        audio.save(v2_version=plan.version, v1=1)  # ID3v1 is put back as it was, with the edits, after
    else:
        audio.save(v2_version=plan.version)


def _audio_format(media_format_key: str) -> _AudioFormat:
    audio_format = _FORMATS.get(media_format_key)
    if audio_format is None:
        labels = [spec.label for spec in _FORMATS.values()]
        known = f"{', '.join(labels[:-1])} and {labels[-1]}"
        raise AudioWriteError(f"dam cannot write tags into {media_format_key!r} files, only into {known} files")
    return audio_format


# --- Opening and saving ----------------------------------------------------------------------


def _open(path: Path, audio_format: _AudioFormat, add_tags: bool = True, **options):
    if not path.is_file():
        raise AudioWriteError(f"the file {path.name} does not exist, so its tags cannot be written")
    try:
        audio = audio_tags_open(path, audio_format.opener, **options)
    except Exception as error:  # mutagen raises many types on files it cannot parse
        raise _read_error(path, audio_format, error) from error
    if audio.tags is None and add_tags:
        try:
            audio.add_tags()
        except Exception as error:
            raise _read_error(path, audio_format, error) from error
    return audio


def _read_error(path: Path, audio_format: _AudioFormat, error: Exception) -> AudioWriteError:
    cause = _os_error(error)
    if cause is not None:
        return AudioWriteError(f"the file {path.name} could not be read ({cause.strerror})")
    if id3_cut_short(path) is not None:
        return AudioWriteError(
            f"the ID3 tag of {path.name} is cut short by the end of the file: dam does not rewrite a tag "
            "it cannot read whole"
        )
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


# --- APEv2 beside ID3 ------------------------------------------------------------------------


def _ape_update(path: Path, values: dict[str, object]) -> None:
    """Bring an existing APEv2 tag's copies of the changed fields up to date (never add new ones)."""
    try:
        tags = APEv2(path)
    except APENoHeaderError:
        return
    changed = False
    for name, value in values.items():
        keys = family_keys(name, "ape", value)
        present = [key for key in tags.keys() if key.lower() in {k.lower() for k in keys}]
        if not present:
            continue
        found = tags[present[0]]
        existing = str(found) if isinstance(found, APETextValue) else None  # binary items have no "/total"
        for key in present:
            del tags[key]
        if not is_empty(value):
            tags[keys[0]] = _ape_texts(FIELDS_BY_NAME[name], value, existing)
        changed = True
    if changed:
        tags.save(path)


def _field_texts(field: Field, value, existing: str | None, float_text=integer_text) -> list[str]:
    """What a tag family that stores text (APEv2, ASF, Vorbis) holds for ``value``: a number keeps
    the ``/total`` of the ``existing`` text; a float is written by ``float_text`` (an integer by
    default, as in the ID3 tag beside an APEv2 tag, so both agree)."""
    if field.type is FieldType.INT:
        return [numbered_text(value, existing)]
    if field.type is FieldType.FLOAT:
        return [float_text(value)]
    return tag_texts(field, value)


def _ape_write(audio, values: dict[str, object]) -> None:
    """APEv2 as the only tag (Monkey's Audio, WavPack, Musepack): keys compared without case."""
    tags = audio.tags
    for name, value in values.items():
        keys = family_keys(name, "ape", value)
        present = [key for key in tags.keys() if key.lower() in {k.lower() for k in keys}]
        found = tags[present[0]] if present else None
        existing = str(found) if isinstance(found, APETextValue) else None
        for key in present:
            del tags[key]
        if not is_empty(value):
            tags[keys[0]] = _ape_texts(FIELDS_BY_NAME[name], value, existing)


def _ape_texts(field: Field, value, existing: str | None) -> list[str]:
    # One text joined with "; ", which the reader splits again: ExifTool shows the items of a
    # multi-item APEv2 value run together (it drops the NULs between them), FFmpeg only the first.
    texts = _field_texts(field, value, existing)
    return ["; ".join(texts)] if field.is_list else texts


# --- Windows Media attributes (WMA) ----------------------------------------------------------


def _asf_write(audio, values: dict[str, object]) -> None:
    _text_tags_write(audio.tags, "asf", values, _asf_text)


def _asf_text(tags, key: str) -> str | None:
    return str(tags[key][0].value) if key in tags and tags[key] else None


# --- Vorbis comments (FLAC, Ogg Vorbis, Ogg Opus) --------------------------------------------


def _vorbis_write(audio, values: dict[str, object]) -> None:
    # Picture blocks and METADATA_BLOCK_PICTURE are not among the keys touched; mutagen compares
    # Vorbis keys without regard to case. Vorbis comments are text: a fractional BPM survives.
    _text_tags_write(audio.tags, "vorbis", values, _vorbis_text, key_stored=str.lower, float_text=decimal_text)


def _text_tags_write(
    tags, family: str, values: dict[str, object], existing_text, key_stored=str, float_text=integer_text
) -> None:
    """Each edited field's keys of ``family`` removed from ``tags`` and, unless the value is empty,
    its texts stored under the first key (``key_stored`` spells it). ``existing_text(tags, key)``
    reads the text a number's ``/total`` is kept from."""
    for name, value in values.items():
        keys = family_keys(name, family, value)
        existing = existing_text(tags, keys[0])
        for key in keys:
            if key in tags:
                del tags[key]
        if not is_empty(value):
            tags[key_stored(keys[0])] = _field_texts(FIELDS_BY_NAME[name], value, existing, float_text)


def _vorbis_text(tags, key: str) -> str | None:
    found = tags.get(key) if key in tags else None
    return found[0] if found else None


# --- MP4 atoms (M4A) -------------------------------------------------------------------------


def _mp4_write(audio, values: dict[str, object]) -> None:
    tags = audio.tags
    for name, value in values.items():
        keys = family_keys(name, "mp4", value)
        field = FIELDS_BY_NAME[name]
        existing = tags.get(keys[0])
        for key in keys:
            tags.pop(key, None)
        if not is_empty(value):
            tags[keys[0]] = _mp4_value(field, keys[0], value, existing)


def _mp4_value(field: Field, key: str, value, existing) -> list:
    if key in ("trkn", "disk"):
        total = existing[0][1] if existing and len(existing[0]) > 1 else 0
        return [(value, total)]
    if key == "tmpo":
        return [int(integer_text(value))]
    texts = tag_texts(field, value)
    if key.startswith("----:"):
        return [MP4FreeForm(text.encode("utf-8"), dataformat=AtomDataType.UTF8) for text in texts]
    return texts
