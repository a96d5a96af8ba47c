"""RIFF INFO in WAV files: the INFO items of the edited fields brought up to date.

Windows Explorer, Audacity, Adobe Audition and ExifTool read a WAV file's ``LIST``/``INFO`` chunk;
dam writes a WAV's tags into its ID3 chunk (mutagen), so an INFO item left as it was would be a
stale value another reader finds. As with an APEv2 tag beside ID3, each INFO item the chunk
already holds for an edited field gets the new value (Latin-1 where it can hold the text, as
readers expect, else UTF-8; NUL-terminated, padded to an even length), or goes when the field is
cleared. No item is added, a chunk dam cannot parse is left alone, and every other byte of the
file stays: the file is copied around the new chunk, never read whole into memory.
"""

from __future__ import annotations

import os
import shutil
import struct
import tempfile
from collections.abc import Callable
from pathlib import Path

from assets.fields import FIELDS_BY_NAME, Field
from assets.metadata.audio_values import is_empty

# ExifTool's names of the INFO items (the field table's ``exiftool_audio`` "RIFF:..." entries).
INFO_IDS = {
    "Title": b"INAM",
    "Subject": b"ISBJ",
    "Keywords": b"IKEY",
    "Genre": b"IGNR",
    "Comment": b"ICMT",
    "Artist": b"IART",
    "Copyright": b"ICOP",
    "Product": b"IPRD",
    "TrackNumber": b"ITRK",
}
_COPY_BUFFER = 1 << 20


def info_ids(field: Field) -> tuple[bytes, ...]:
    """The INFO items that hold ``field``."""
    names = [tag.split(":", 1)[1] for tag in field.exiftool_audio if tag.startswith("RIFF:")]
    return tuple(INFO_IDS[name] for name in names if name in INFO_IDS)


def riff_info_update(path: Path, values: dict[str, object], texts: Callable[[Field, object, str | None], list[str]]):
    """Bring the INFO items of the fields in ``values`` up to date in the WAV file at ``path``;
    ``texts(field, value, existing)`` gives a value's texts (joined with "; " into one item)."""
    with open(path, "rb") as file:
        found = _info_chunk(file)
        if found is None:
            return
        offset, size = found
        file.seek(offset + 12)
        items = _items(file.read(size - 4))
    if items is None:
        return
    changed = False
    for name, value in values.items():
        field = FIELDS_BY_NAME[name]
        ids = info_ids(field)
        present = [index for index, (item_id, _) in enumerate(items) if item_id in ids]
        if not present:
            continue
        existing = items[present[0]][1].rstrip(b"\0").decode("latin-1")
        text = b"" if is_empty(value) else _encoded("; ".join(texts(field, value, existing)))
        for index in present:
            items[index] = (items[index][0], text)
        changed = True
    if changed:
        _rewrite(path, offset, size, _chunk([(item_id, data) for item_id, data in items if data]))


def _encoded(text: str) -> bytes:
    # INFO has no declared encoding: ExifTool and Windows read Latin-1 (the Western code page);
    # a text Latin-1 cannot hold is written as UTF-8, which keeps its characters for a reader told so.
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def _info_chunk(file) -> tuple[int, int] | None:
    """(offset, size) of the first ``LIST`` chunk of form ``INFO``, or None."""
    head = file.read(12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    end = os.fstat(file.fileno()).st_size
    offset = 12
    while offset + 8 <= end:
        file.seek(offset)
        chunk_id, size = struct.unpack("<4sI", file.read(8))
        if offset + 8 + size > end:
            return None  # a chunk longer than the file: not one dam rewrites around
        if chunk_id == b"LIST" and size >= 4 and file.read(4) == b"INFO":
            return offset, size
        offset += 8 + size + (size & 1)
    return None


def _items(data: bytes) -> list[tuple[bytes, bytes]] | None:
    items, position = [], 0
    while position + 8 <= len(data):
        item_id, size = struct.unpack("<4sI", data[position : position + 8])
        if position + 8 + size > len(data):
            return None
        items.append((item_id, data[position + 8 : position + 8 + size]))
        position += 8 + size + (size & 1)
    return items


def _chunk(items: list[tuple[bytes, bytes]]) -> bytes:
    body = b"INFO"
    for item_id, text in items:
        data = text.rstrip(b"\0") + b"\0"
        body += struct.pack("<4sI", item_id, len(data)) + data + (b"\0" if len(data) & 1 else b"")
    return struct.pack("<4sI", b"LIST", len(body)) + body


def _rewrite(path: Path, offset: int, size: int, chunk: bytes) -> None:
    """The file with the chunk at ``offset`` (of ``size``) replaced by ``chunk``; the RIFF size
    grows or shrinks by the difference (a size that was wrong stays as wrong as it was)."""
    old_length = 8 + size + (size & 1)
    with open(path, "rb") as source, tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as target:
        try:
            riff_size = struct.unpack("<I", source.read(8)[4:])[0]
            source.seek(0)
            _copy(source, target, offset)
            target.write(chunk)
            source.seek(offset + old_length)
            shutil.copyfileobj(source, target, _COPY_BUFFER)
            target.seek(4)
            target.write(struct.pack("<I", max(riff_size + len(chunk) - old_length, 0) & 0xFFFFFFFF))
        except BaseException:
            os.unlink(target.name)
            raise
    shutil.copymode(path, target.name)
    os.replace(target.name, path)


def _copy(source, target, count: int) -> None:
    while count > 0:
        block = source.read(min(_COPY_BUFFER, count))
        if not block:
            return
        target.write(block)
        count -= len(block)
