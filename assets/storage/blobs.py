"""Content-addressed storage of raw files through Django's storage API (local disk or S3).

An object's key is derived from the SHA-256 of its bytes, never from a file name, so a stored
object is never overwritten by different bytes and a name from outside never decides a path.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage


def content_key(sha256: str, extension: str, prefix: str = "files") -> str:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
    return f"{prefix}/{sha256[:2]}/{sha256[2:4]}/{sha256}.{extension}"


def blob_store(key: str, content: Callable[[], AbstractContextManager[File]]) -> str:
    """Store the bytes that ``content()`` gives under ``key``, unless an object is already there,
    and return ``key``.

    What a caller may rely on:

    * An object is never overwritten: ``key`` must name its bytes (a content key, or a key made
      from a content key and what was done to those bytes, such as a delivery policy).
    * ``content`` is called only when the object is missing, so the work it does (rendering,
      stripping tags) is skipped for objects that exist. It returns a context manager that gives
      the ``File`` to store (a ``File`` is one itself); the block ends, and the file is closed,
      once the bytes are stored.
    * When two processes store one key at once, both get ``key`` back, the object stored first
      stays, and the copy the storage saved under another name is deleted.
    """
    if default_storage.exists(key):
        return key
    if isinstance(default_storage, FileSystemStorage):
        _local_store(default_storage, key, content)
        return key
    with content() as file:  # an S3 PUT is atomic: the object exists whole or not at all
        saved = default_storage.save(key, file)
    if saved != key:
        # Another process stored the same bytes between our check and our save: keep theirs.
        default_storage.delete(saved)
    return key


def _local_store(storage: FileSystemStorage, key: str, content: Callable[[], AbstractContextManager[File]]) -> None:
    """Write beside the final name, then link it into place: a process killed mid-write leaves a
    hidden ``.partial`` file, never a short object under a content key (which would then be
    taken for the whole file by every later ``exists`` check)."""
    final = Path(storage.path(key))
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = final.with_name(f".{final.name}.{uuid.uuid4().hex}.partial")
    try:
        with content() as file, partial.open("wb") as out:
            for chunk in file.chunks():
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if storage.file_permissions_mode is not None:
            partial.chmod(storage.file_permissions_mode)
        try:
            os.link(partial, final)  # never replaces: the first complete copy stays
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links: an atomic rename (the same bytes)
            os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)


def blob_save(source: Path, sha256: str, extension: str, prefix: str = "files") -> str:
    """Store ``source`` under its content key and return the key. Idempotent: an object that is
    already there (the same bytes, by construction) is left as it is (see ``blob_store``)."""
    key = content_key(sha256, extension, prefix)
    return blob_store(key, lambda: File(source.open("rb"), name=key))


def blob_open(key: str):
    return default_storage.open(key, "rb")


@contextmanager
def blob_staged(key: str) -> Iterator[Path]:
    """A private local copy of a stored object, under a name dam chose (same extension), removed
    afterwards: for tools that need a path (ExifTool, mutagen, decoders) and may change the copy."""
    from django.conf import settings

    staging = Path(settings.DAM_STAGING_DIR)
    staging.mkdir(parents=True, exist_ok=True)
    work = staging / f"{uuid.uuid4().hex}.{key.rsplit('.', 1)[-1]}"
    try:
        with blob_open(key) as source, work.open("wb") as copy:
            shutil.copyfileobj(source, copy, 1 << 20)
        yield work
    finally:
        work.unlink(missing_ok=True)
