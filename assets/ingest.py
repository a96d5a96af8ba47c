"""Ingest: files in, assets out. The one path behind the CLI, the API and the Celery task.

Each file is staged (copied into dam's staging folder under a name dam chooses, hashed on the
way), its type detected from content, its pixels or audio decoded in full, its metadata read
(ExifTool in one batch call for many files, mutagen for audio tags), and then stored and
recorded in one database transaction. A file that fails any step becomes a ``failed`` ingest
record with a reason; the other files of the batch go on. Nothing is half-written: the raw
object is content-addressed (storing it twice is harmless) and the rows commit together.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import stat
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.db import IntegrityError, transaction

from assets import signals
from assets.detection import HEAD_BYTES, MediaFormat, describe_unsupported, detect_format, extension_mismatch
from assets.fields import FIELDS, Group, values_fit
from assets.metadata.audio import audio_metadata
from assets.metadata.exiftool import exiftool_session
from assets.metadata.image import image_metadata
from assets.metadata.result import MetadataRead
from assets.metadata.xmp_sidecar import is_sidecar, sidecar_for, sidecar_media, sidecar_tags_merge
from assets.models import Asset, FileVersion, IngestRecord, OriginalName, asset_id_for
from assets.selectors import asset_list_visible_to
from assets.storage.blobs import blob_save
from assets.validation import IngestError, Inspection, inspect_file
from assets.vocabulary.keywords import keywords_normalize, terms_for

logger = logging.getLogger(__name__)

NAME_LIMIT = 1024
_ORPHAN_SIDECAR = (
    "an XMP sidecar with no media file beside it (IMG_0001.xmp or IMG_0001.CR2.xmp pairs with IMG_0001.CR2): "
    "ingest it in the same folder as its media file"
)
_COPY_CHUNK = 1 << 20


def _sidecar_alone(media: Path) -> str:
    return (
        f"the XMP sidecar of {media.name}, named without it: ingest {media.name} (or the folder that holds "
        "both), and its sidecar is read with it"
    )


@dataclass
class IngestSource:
    """One file to ingest. ``name`` is what the user called it (kept as metadata only);
    ``label`` is how to report it back (the path as given on the command line)."""

    name: str
    label: str
    open: Callable[[], BinaryIO]
    size: int | None = None
    sidecar: Path | None = None  # an XMP sidecar that came beside it (folder ingest)

    @classmethod
    def from_path(cls, path: Path) -> IngestSource:
        return cls(
            name=safe_name(os.fsencode(path.name)),
            label=safe_name(os.fsencode(str(path))),
            open=lambda: _regular_file_open(path),
            size=None,
            sidecar=sidecar_for(path),
        )


_NOT_REGULAR = {
    stat.S_IFIFO: "a named pipe",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


def _regular_file_open(path: Path) -> BinaryIO:
    """``path`` opened for reading, if it is a regular file: a named pipe would block ingest
    until something writes to it, and a device (``/dev/zero``) never ends."""
    kind = stat.S_IFMT(path.stat().st_mode)
    if kind != stat.S_IFREG:
        raise IngestError(f"not a regular file but {_NOT_REGULAR.get(kind, 'a special file')}: dam ingests files")
    return path.open("rb")


@dataclass
class IngestResult:
    path: str
    status: str
    asset_id: str | None = None
    error: str = ""
    warnings: list[str] = field(default_factory=list)
    hidden: bool = False  # the bytes are an asset the uploader may not see (``asset_id`` is then None)

    def as_json(self) -> dict:
        return {
            "path": self.path,
            "asset_id": self.asset_id,
            "status": self.status,
            "error": self.error or None,
            "warnings": self.warnings,
        }


@dataclass
class _Staged:
    index: int
    source: IngestSource
    path: Path
    sha256: str
    size: int
    media_format: MediaFormat
    warnings: list[str] = field(default_factory=list)
    inspection: Inspection | None = None
    tags: dict = field(default_factory=dict)
    sidecar: dict | None = None  # the stored XMP sidecar that came with it: name, sha256, storage_name
    sidecar_tags: dict = field(default_factory=dict)


def safe_name(raw: bytes | str) -> str:
    """A file name made safe to keep as text: undecodable bytes, NUL and control characters
    escaped, capped in length. Used only as metadata, never as a path."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", errors="surrogateescape")
    text = raw.decode("utf-8", errors="backslashreplace")
    text = "".join(
        ch if unicodedata.category(ch)[0] != "C" else f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}"
        for ch in text
    )
    if len(text) > NAME_LIMIT:
        text = text[: NAME_LIMIT - 1] + "…"
    return text


def upload_name(raw: bytes | str) -> tuple[str, list[str]]:
    """``safe_name`` of a name an upload gave, with a note for each way it was changed."""
    name = safe_name(raw)
    notes = []
    if isinstance(raw, bytes):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            notes.append("the file name is not valid UTF-8: it is kept with the undecodable bytes escaped (\\xNN)")
    text = raw.decode("utf-8", errors="backslashreplace") if isinstance(raw, bytes) else raw
    if len(text) > NAME_LIMIT:
        notes.append(f"the file name is {len(text):,} characters long: it is kept cut to {NAME_LIMIT:,}")
    return name, notes


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files under the given files and folders, recursively, in a stable order; hidden
    files and folders (names starting with a dot) inside folders are skipped."""
    for path in paths:
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        yield Path(root) / name
        else:
            yield path


def ingest_sources(sources: list[IngestSource], uploader=None) -> list[IngestResult]:
    """Ingest a batch of files; one result per source, in order.

    ``uploader``: the user whose upload this is (the API). Bytes already in dam as an asset the
    uploader may not see give a ``hidden`` result that names no asset, and the upload's file
    name is not added to that asset's names (its ingest record, seen only by those who may see
    the asset, keeps it). Without an uploader (the command line, the worker), every asset counts."""
    _staging_sweep()
    results: dict[int, IngestResult] = {}
    staged: list[_Staged] = []
    try:
        for index, source in enumerate(sources):
            try:
                staged.append(_stage(index, source))
            except IngestError as error:
                results[index] = _record_failure(source, str(error))
            except Exception as error:  # unreadable source: permissions, vanished file, I/O error
                logger.exception("could not read %s", source.label)
                results[index] = _record_failure(source, f"the file could not be read ({error})")

        to_create: list[_Staged] = []
        seen: dict[str, _Staged] = {}
        later_duplicates: list[_Staged] = []
        existing = set(
            FileVersion.objects.filter(sha256__in=[s.sha256 for s in staged]).values_list("sha256", flat=True)
        )
        for item in staged:
            if item.sha256 in existing:
                results[item.index] = _record_existing(item, uploader)
            elif item.sha256 in seen:
                later_duplicates.append(item)
            else:
                seen[item.sha256] = item
                to_create.append(item)

        inspected: list[_Staged] = []
        for item in to_create:
            try:
                item.inspection = inspect_file(item.path, item.media_format)
                item.warnings.extend(item.inspection.warnings)
                inspected.append(item)
            except IngestError as error:
                results[item.index] = _record_failure(item.source, str(error), item)
            except Exception as error:  # a decoder tripping over a hostile file must not stop the batch
                logger.exception("decoding %s failed", item.source.label)
                results[item.index] = _record_failure(
                    item.source, f"dam could not decode the file ({type(error).__name__}: {error})", item
                )

        _read_tags(inspected)
        reads: dict[int, MetadataRead] = {}
        for item in inspected:
            try:
                reads[item.index] = _metadata(item)
            except IngestError as error:
                results[item.index] = _record_failure(item.source, str(error), item)
            except Exception as error:  # a reader tripping over a hostile file must not stop the batch
                logger.exception("reading the metadata of %s failed", item.source.label)
                results[item.index] = _record_failure(
                    item.source, f"dam could not read the file's metadata ({type(error).__name__}: {error})", item
                )
        # One vocabulary lookup for the whole batch.
        terms = terms_for([keyword for read in reads.values() for keyword in read.values["keywords"]])
        for item in inspected:
            if item.index not in reads:
                continue
            try:
                results[item.index] = _create(item, reads[item.index], terms, uploader)
            except IngestError as error:
                results[item.index] = _record_failure(item.source, str(error), item)
            except Exception as error:
                logger.exception("ingest of %s failed", item.source.label)
                results[item.index] = _record_failure(
                    item.source, f"dam could not process the file ({type(error).__name__}: {error})", item
                )
        for item in later_duplicates:
            first = seen[item.sha256]
            if results[first.index].status == IngestRecord.Status.FAILED:
                results[item.index] = _record_failure(item.source, results[first.index].error, item)
            else:
                results[item.index] = _record_existing(item, uploader)
    finally:
        for item in staged:
            item.path.unlink(missing_ok=True)
    return [results[index] for index in range(len(sources))]


def ingest_paths(paths: Iterable[Path], batch_size: int | None = None) -> Iterator[IngestResult]:
    """Ingest files and folders (recursively), batching ExifTool calls. Yields one result per
    file, but for an XMP sidecar found in a folder beside its media file (it is read with it)."""
    batch_size = batch_size or settings.DAM_INGEST_BATCH_SIZE
    paths = list(paths)
    named = {path for path in paths if not path.is_dir()}
    batch: list[IngestSource] = []
    for path in iter_files(paths):
        if is_sidecar(path):
            media = sidecar_media(path)
            if media is None:
                yield _record_failure(IngestSource.from_path(path), _ORPHAN_SIDECAR)
            elif path in named and media not in named:
                yield _record_failure(IngestSource.from_path(path), _sidecar_alone(media))
            continue  # read with the media file it belongs to
        batch.append(IngestSource.from_path(path))
        if len(batch) >= batch_size:
            yield from ingest_sources(batch)
            batch = []
    if batch:
        yield from ingest_sources(batch)


_last_sweep = 0.0


def _staging_sweep(max_age_seconds: float = 24 * 3600) -> None:
    """Remove staged copies left by processes killed mid-ingest (at most once an hour)."""
    global _last_sweep
    now = time.time()
    if now - _last_sweep < 3600:
        return
    _last_sweep = now
    for leftover in Path(settings.DAM_STAGING_DIR).glob("*"):
        try:
            if leftover.is_file() and now - leftover.stat().st_mtime > max_age_seconds:
                leftover.unlink()
        except OSError:  # another process removed it first
            pass


def _stage(index: int, source: IngestSource) -> _Staged:
    limit = settings.DAM_MAX_FILE_BYTES
    if source.size is not None and source.size > limit:
        raise IngestError(_too_big(source.size, limit))
    staging = Path(settings.DAM_STAGING_DIR)
    staging.mkdir(parents=True, exist_ok=True)
    partial = staging / f"{uuid.uuid4().hex}.part"
    digest = hashlib.sha256()
    size = 0
    head = b""
    try:
        with source.open() as reader, partial.open("wb") as writer:
            while chunk := reader.read(_COPY_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise IngestError(_too_big(size, limit, at_least=True))
                if len(head) < HEAD_BYTES:
                    head += chunk[: HEAD_BYTES - len(head)]
                digest.update(chunk)
                writer.write(chunk)
        if size == 0:
            raise IngestError("the file is empty (0 bytes)")
        media_format = detect_format(head, source.name)
        if media_format is None:
            raise IngestError(describe_unsupported(head))
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    # ExifTool reads some formats by extension too, so the staged copy carries the detected one.
    path = partial.with_suffix(f".{media_format.extension}")
    partial.rename(path)
    staged = _Staged(index, source, path, digest.hexdigest(), size, media_format)
    mismatch = extension_mismatch(source.name, media_format)
    if mismatch:
        staged.warnings.append(mismatch)
    return staged


def _too_big(size: int, limit: int, at_least: bool = False) -> str:
    return (
        f"the file is {'over ' if at_least else ''}{size / 1e6:.1f} MB, larger than the limit of "
        f"{limit / 1e6:.1f} MB (DAM_MAX_FILE_BYTES)"
    )


def _read_tags(items: list[_Staged]) -> None:
    """One ExifTool call for the whole batch; one call per file if the batch call fails."""
    if not items:
        return
    session = exiftool_session()
    try:
        tags = session.read([item.path for item in items])
    except Exception:
        logger.warning("ExifTool failed on a batch of %d files; reading them one by one", len(items), exc_info=True)
        tags = {}
        for item in items:
            try:
                tags.update(session.read([item.path]))
            except Exception as error:
                tags[str(item.path)] = {"ExifTool:Error": f"ExifTool failed on this file ({error})"}
    for item in items:
        item.tags = tags.get(str(item.path), {})
        if item.source.sidecar is not None:
            _sidecar_read(session, item)


def _sidecar_read(session, item: _Staged) -> None:
    """Read the item's sidecar by the MWG rules and keep it beside the version (raw_tags)."""
    staged = Path(settings.DAM_STAGING_DIR) / f"{uuid.uuid4().hex}.xmp"
    staged.parent.mkdir(parents=True, exist_ok=True)
    try:
        shutil.copyfile(item.source.sidecar, staged)
        sidecar = session.read([staged])[str(staged)]
        if sidecar.get("ExifTool:Error"):
            reason = sidecar["ExifTool:Error"]
            item.warnings.append(f"the XMP sidecar {item.source.sidecar.name} could not be read ({reason})")
            return
        sha256 = hashlib.sha256(staged.read_bytes()).hexdigest()
        key = blob_save(staged, sha256, "xmp", prefix="sidecars")
    except OSError as error:
        item.warnings.append(f"the XMP sidecar {item.source.sidecar.name} could not be read ({error.strerror})")
        return
    finally:
        staged.unlink(missing_ok=True)
    item.tags = sidecar_tags_merge(item.tags, sidecar, raw=item.media_format.raw)
    item.sidecar = {"name": safe_name(os.fsencode(item.source.sidecar.name)), "sha256": sha256, "storage_name": key}
    item.sidecar_tags = sidecar


def _holds_metadata(read: MetadataRead) -> bool:
    """Whether the tags gave any value (technical facts aside)."""
    return any(
        read.values.get(field.name) not in (None, "", [], False)
        for field in FIELDS
        if field.group is not Group.TECHNICAL and not field.derived
    )


def _metadata(item: _Staged) -> MetadataRead:
    # (For audio mutagen and FFmpeg read more formats than ExifTool: its error alone says nothing.)
    if item.tags.get("ExifTool:Error") and item.media_format.kind == "image":
        item.warnings.append(f"ExifTool could not read the file's metadata: {item.tags['ExifTool:Error']}")
    inspection = item.inspection
    if item.media_format.kind == "image":
        read = image_metadata(item.tags)
    else:
        read = audio_metadata(item.path, item.tags)
        # A stream found by FFmpeg, a format header read by mutagen or ExifTool (a FLAC's STREAMINFO),
        # or a tag with a value make a recording recognisable; with none of them it is not kept.
        recognised = inspection.sample_rate or read.values.get("sample_rate") or _holds_metadata(read)
        if inspection.soundless and not recognised:
            raise IngestError(inspection.soundless)
    if item.sidecar:  # what the sidecar said, for provenance (its values are in the tags above)
        read.raw["sidecar"] = {"name": item.sidecar["name"], "tags": item.sidecar_tags}
    width, height = inspection.width, inspection.height
    if width is None and (item.media_format.raw or inspection.unreadable):
        # A raw's size is its sensor image's, as ExifTool says; so is that of headers Pillow cannot read.
        width, height = _image_size(item.tags.get("Composite:ImageSize"))
        if inspection.unreadable and not (width and height):
            raise IngestError(inspection.unreadable)  # neither Pillow nor ExifTool reads its headers
    technical = {
        "mime_type": item.media_format.mime_type,
        "width": width,
        "height": height,
        # A recording's length is what decodes (none, when nothing does), not what its header claims.
        "duration_seconds": inspection.duration_seconds if item.media_format.kind == "audio" else None,
        "sample_rate": inspection.sample_rate or read.values.get("sample_rate"),
        "channels": inspection.channels or read.values.get("channels"),
    }
    read.values.update(technical)
    read.warnings.extend(values_fit(read.values))
    return read


def _image_size(text) -> tuple[int | None, int | None]:
    """ExifTool's Composite:ImageSize, "W H" with -n (or "WxH")."""
    parts = str(text or "").replace("x", " ").split()
    if len(parts) == 2 and all(part.isdigit() for part in parts):
        return int(parts[0]), int(parts[1])
    return None, None


def _create(item: _Staged, read: MetadataRead, terms: dict, uploader=None) -> IngestResult:
    warnings = item.warnings + read.warnings
    key = blob_save(item.path, item.sha256, item.media_format.extension)
    try:
        with transaction.atomic():
            # The asset holds keywords as the vocabulary names them; the version keeps what the file says.
            values = {**read.values, "keywords": keywords_normalize(read.values["keywords"], terms)}
            asset = Asset(
                id=asset_id_for(item.sha256),
                kind=item.media_format.kind,
                original_sha256=item.sha256,
                warnings=warnings,
                **values,
            )
            asset.save(force_insert=True)
            version = FileVersion.objects.create(
                asset=asset,
                number=1,
                sha256=item.sha256,
                size=item.size,
                mime_type=item.media_format.mime_type,
                storage_name=key,
                origin=FileVersion.Origin.INGEST,
                metadata=read.values,
                raw_tags=read.raw,
                sidecar_name=item.sidecar["storage_name"] if item.sidecar else "",
                sidecar_sha256=item.sidecar["sha256"] if item.sidecar else "",
            )
            asset.current_version = version
            asset.save(update_fields=["current_version"])
            OriginalName.objects.create(asset=asset, name=item.source.name)
            IngestRecord.objects.create(
                status=IngestRecord.Status.CREATED,
                original_name=item.source.name,
                sha256=item.sha256,
                size=item.size,
                asset=asset,
                warnings=warnings,
            )
            transaction.on_commit(
                lambda: signals.file_version_created.send(sender=FileVersion, file_version_id=version.pk)
            )
    except IntegrityError:
        # The same bytes were ingested concurrently by another process: theirs stands.
        if FileVersion.objects.filter(sha256=item.sha256).exists():
            return _record_existing(item, uploader)
        raise
    logger.info("ingested %s as a new asset", item.source.label, extra={"asset_id": asset.id})
    return IngestResult(
        path=item.source.label, status=IngestRecord.Status.CREATED, asset_id=asset.id, warnings=warnings
    )


def _record_existing(item: _Staged, uploader=None) -> IngestResult:
    # The bytes may be any version of an asset (an original, or a file written back later).
    version = FileVersion.objects.select_related("asset").filter(sha256=item.sha256).order_by("created_at").first()
    hidden = uploader is not None and not asset_list_visible_to(uploader).filter(pk=version.asset_id).exists()
    with transaction.atomic():
        if not hidden:
            OriginalName.objects.get_or_create(asset=version.asset, name=item.source.name)
        IngestRecord.objects.create(
            status=IngestRecord.Status.EXISTS,
            original_name=item.source.name,
            sha256=item.sha256,
            size=item.size,
            asset=version.asset,
            warnings=item.warnings,
        )
    return IngestResult(
        path=item.source.label,
        status=IngestRecord.Status.EXISTS,
        asset_id=None if hidden else version.asset_id,
        warnings=item.warnings,
        hidden=hidden,
    )


def _record_failure(source: IngestSource, reason: str, item: _Staged | None = None) -> IngestResult:
    logger.warning(
        "refused %s: %s", source.label, reason, extra={"asset_id": asset_id_for(item.sha256) if item else None}
    )
    IngestRecord.objects.create(
        status=IngestRecord.Status.FAILED,
        original_name=source.name,
        error=reason,
        sha256=item.sha256 if item else "",
        size=item.size if item else None,
        warnings=item.warnings if item else [],
    )
    return IngestResult(
        path=source.label, status=IngestRecord.Status.FAILED, error=reason, warnings=item.warnings if item else []
    )
