"""Metadata edits: validated, audited, and written back into the files as new versions.

``asset_metadata_update`` is the one way metadata changes (admin form, bulk actions, API PATCH,
vocabulary merges, accepted GEO suggestions), for every field of the field table, restrictions
and groups included. It checks the editor's permissions field by field, checks values by their
rows and the table's rules (bounds, choices, both coordinates or neither, never 0,0), normalises
them (keywords to their vocabulary labels), stores them on the asset at once (the
database is the source of truth), records a ``MetadataChange`` with every field's old and new
value, and, once the transaction commits, asks a worker to write the file.

``metadata_writeback`` is what the worker runs: it writes the asset's current values into a copy
of its current file (ExifTool for images, mutagen for audio), reads the copy back to verify every
written field, stores it as a new immutable version and makes it current. Any failure leaves the
asset on its previous version and puts the reason on the change; nothing is half-written. A new
version is announced like an ingested one (``assets.signals.file_version_created``, once the
transaction commits), saying which version's tags it rewrote.
"""

from __future__ import annotations

import hashlib
import logging
import math
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group as AuthGroup
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from assets import signals
from assets.fields import (
    ALL_FIELDS_BY_NAME,
    EDIT_METADATA,
    FIELDS_BY_NAME,
    RULES,
    FieldType,
    field_value_clean,
)
from assets.metadata.audio import audio_metadata
from assets.metadata.audio_write import AudioWriteError, audio_format_writable_fields, audio_tags_write
from assets.metadata.exiftool import UNWRITABLE_FORMATS, ExifToolWriteError, exiftool_session
from assets.metadata.image import image_metadata
from assets.metadata.image_write import image_tags_write, image_writable_fields
from assets.metadata.writeback_verify import writeback_snapshot, writeback_verify
from assets.models import Asset, FileVersion, MetadataChange
from assets.storage.blobs import blob_save, blob_staged
from assets.vocabulary.keywords import keywords_normalize

logger = logging.getLogger(__name__)


class WritebackError(Exception):
    """The file could not be updated; the message says why."""


def writable_fields(asset: Asset) -> set[str]:
    """The fields the asset's current file can hold (none for files dam never writes: see
    ``writeback_refusal``)."""
    if writeback_refusal(asset):
        return set()
    if asset.kind == "image":
        return image_writable_fields()
    return audio_format_writable_fields(_audio_format_key(asset.current_version))


def writeback_refusal(asset: Asset) -> str:
    """Why edits of this asset go to its XMP sidecar only and never into the file, or ""."""
    from assets.detection import media_format_of

    version = asset.current_version
    media_format = media_format_of(version.mime_type, version.storage_name) if version else None
    if media_format is None:
        return f"dam cannot write tags into {version.mime_type if version else 'these'} files"
    return format_writeback_refusal(media_format)


# Image formats ExifTool cannot write.
_IMAGE_SIDECAR_ONLY = {"bmp": "a BMP image has no place for metadata", **UNWRITABLE_FORMATS}


def format_writeback_refusal(media_format) -> str:
    """Why files of this format are never written (edits go to the XMP sidecar only), or ""."""
    from assets.metadata.audio_write import SIDECAR_ONLY

    if media_format.raw:
        return f"a {media_format.label} is never written: edits go to its XMP sidecar"
    reason = _IMAGE_SIDECAR_ONLY.get(media_format.key) or SIDECAR_ONLY.get(media_format.key)
    if reason:
        return f"{reason}: edits go to its XMP sidecar only"
    if media_format.kind == "audio":
        try:
            audio_format_writable_fields(media_format.key)
        except AudioWriteError as error:
            return str(error)
    return ""


def field_permission(name: str) -> str:
    """The permission an editor needs to change a field (its row's; unknown names are refused
    later as not editable)."""
    field = ALL_FIELDS_BY_NAME.get(name)
    return field.permission if field is not None else EDIT_METADATA


def _clean(name: str, value):
    """A value as the field stores it, or ValidationError naming the field."""
    field = ALL_FIELDS_BY_NAME.get(name)
    if field is None or not field.editable:
        raise ValidationError({name: "not an editable field"})
    if field.type is FieldType.GROUPS:
        return _group_names(name, value)
    try:
        cleaned = field_value_clean(field, value)
    except ValueError as error:
        raise ValidationError({name: str(error)}) from None
    if name == "keywords":
        cleaned = keywords_normalize(cleaned)
    return cleaned


def _group_names(name: str, value) -> list[str]:
    """Groups (instances, primary keys or names) as their sorted names; unknown ones are refused."""
    items = list(value or [])
    names = {item.name for item in items if isinstance(item, AuthGroup)}
    keys = {item for item in items if isinstance(item, int)}
    wanted = {str(item).strip() for item in items if not isinstance(item, (AuthGroup, int))} - {""}
    found = AuthGroup.objects.filter(Q(pk__in=keys) | Q(name__in=wanted)).values_list("pk", "name")
    unknown = sorted(map(str, keys - {pk for pk, _ in found})) + sorted(wanted - {group for _, group in found})
    if unknown:
        raise ValidationError({name: f"no such group: {', '.join(unknown)}"})
    return sorted(names | {group for _, group in found})


def _rules_check(asset: Asset, cleaned: dict) -> None:
    """The field table's rules across fields, for every rule a change touches; the fields a
    change leaves alone take the asset's values."""
    for rule in RULES:
        if not set(rule.fields) & set(cleaned):
            continue
        problem = rule.check(*(cleaned[name] if name in cleaned else getattr(asset, name) for name in rule.fields))
        if problem:
            raise ValidationError({rule.fields[0]: problem})


def _current(asset: Asset, name: str):
    """The stored value of a field (groups as their sorted names)."""
    if ALL_FIELDS_BY_NAME[name].type is FieldType.GROUPS:
        return sorted(getattr(asset, name).values_list("name", flat=True))
    return getattr(asset, name)


def _same(field_name: str, left, right) -> bool:
    field = ALL_FIELDS_BY_NAME.get(field_name)
    if field is not None and field.type is FieldType.FLOAT and left is not None and right is not None:
        return math.isclose(float(left), float(right), rel_tol=0, abs_tol=1e-6)
    if field is not None and field.type in (FieldType.LIST, FieldType.GROUPS):
        return list(left or []) == list(right or [])
    return (left if left not in ("", None) else None) == (right if right not in ("", None) else None)


def _jsonable(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def asset_metadata_update(
    asset: Asset,
    changes: dict,
    user,
    source: str,
    note: str = "",
    check_permissions: bool = True,
    derived_from: str | None = None,
) -> MetadataChange | None:
    """Apply ``changes`` ({field: value}) to ``asset`` for ``user``; returns the audited change,
    or None when nothing changed. Raises PermissionDenied or ValidationError (naming the field).

    ``derived_from`` marks the values as suggested by dam (e.g. offline geocoding) rather than
    typed or read: they are stored with that provenance and kept out of the file. A later edit by
    hand of such a field makes it an ordinary value again."""
    if check_permissions:
        missing = sorted({field_permission(name) for name in changes if not user.has_perm(field_permission(name))})
        if missing:
            raise PermissionDenied(f"{user} may not change {', '.join(sorted(changes))} (needs {', '.join(missing)})")
    cleaned = {name: _clean(name, value) for name, value in changes.items()}
    _rules_check(asset, cleaned)
    with transaction.atomic():
        locked = Asset.objects.select_for_update().get(pk=asset.pk)
        before = {name: _current(locked, name) for name in cleaned}
        diff = {
            name: {"from": _jsonable(before[name]), "to": _jsonable(value)}
            for name, value in cleaned.items()
            if not _same(name, before[name], value)
        }
        if not diff:
            return None
        groups = {name for name in diff if ALL_FIELDS_BY_NAME[name].type is FieldType.GROUPS}
        for name in diff:
            if name in groups:
                getattr(locked, name).set(AuthGroup.objects.filter(name__in=cleaned[name]))
            else:
                setattr(locked, name, cleaned[name])
            if derived_from:
                who = getattr(user, "username", "") or "dam"
                locked.derived_fields[name] = {"source": derived_from, "by": who, "at": timezone.now().isoformat()}
            else:
                locked.derived_fields.pop(name, None)
        locked.save()
        in_file = (set(diff) & writable_fields(locked)) - set(locked.derived_fields)
        writes = in_file and settings.DAM_WRITEBACK == "embed"
        refusal = writeback_refusal(locked)
        if refusal:  # the change record says why the file was left alone
            note = f"{note}; {refusal}" if note else refusal
        change = MetadataChange.objects.create(
            asset=locked,
            user=user if getattr(user, "pk", None) else None,
            source=source,
            note=note[:200],
            changes=diff,
            status=MetadataChange.Status.PENDING if writes else MetadataChange.Status.RECORDED,
        )
        if writes:
            transaction.on_commit(lambda: _writeback_enqueue(change.pk))
        transaction.on_commit(lambda: signals.asset_metadata_changed.send(sender=Asset, asset_id=locked.pk))
    for name in set(diff) - groups:  # (a many-to-many manager reads the groups afresh)
        setattr(asset, name, cleaned[name])
    return change


def _writeback_enqueue(change_id: int) -> None:
    from assets.tasks import metadata_writeback_task

    try:
        metadata_writeback_task.delay(change_id)
    except Exception:  # a broker outage must not lose the edit: the change stays pending, retryable
        logger.exception("could not enqueue the write-back of change %s", change_id)


def metadata_writeback(change_id: int) -> MetadataChange | None:
    """Write the asset's values into a new file version (idempotent: a change already done is left)."""
    change = MetadataChange.objects.filter(pk=change_id).first()
    if change is None or change.status != MetadataChange.Status.PENDING:
        return change
    with transaction.atomic():
        asset = Asset.objects.select_for_update(of=("self",)).select_related("current_version").get(pk=change.asset_id)
        pending = MetadataChange.objects.filter(asset=asset, status=MetadataChange.Status.PENDING)
        version = asset.current_version
        # Derived values (accepted suggestions) stay out of the file: the file keeps what it had.
        target = {name: getattr(asset, name) for name in writable_fields(asset) if name not in asset.derived_fields}
        todo = {name: value for name, value in target.items() if not _same(name, value, version.metadata.get(name))}
        if todo:
            previous = version
            try:
                version, created = _version_write(asset, version, todo, target)
            except (WritebackError, ExifToolWriteError, AudioWriteError, OSError) as error:
                reason = f"the file was not updated: {error}"
                logger.warning("write-back of %s failed: %s", asset.pk, reason, extra={"asset_id": asset.pk})
                MetadataChange.objects.filter(pk=change.pk).update(status=MetadataChange.Status.FAILED, error=reason)
                return MetadataChange.objects.get(pk=change.pk)
            asset.current_version = version
            asset.save(update_fields=["current_version", "updated_at"])
            if created:
                _version_announce(version, previous)
        pending.update(status=MetadataChange.Status.WRITTEN, file_version=version, written_at=timezone.now())
    return MetadataChange.objects.get(pk=change.pk)


def metadata_writeback_retry(change: MetadataChange) -> None:
    """Put a failed change back in the queue."""
    MetadataChange.objects.filter(pk=change.pk, status=MetadataChange.Status.FAILED).update(
        status=MetadataChange.Status.PENDING, error=""
    )
    _writeback_enqueue(change.pk)


def _version_announce(version: FileVersion, previous: FileVersion) -> None:
    """Once the new version is committed, tell listeners (thumbnails, embeddings) it exists, and
    which version it rewrote the tags of: the pixels and the sound are that version's."""
    transaction.on_commit(
        lambda: signals.file_version_created.send(
            sender=FileVersion,
            file_version_id=version.pk,
            origin=FileVersion.Origin.WRITEBACK,
            previous_file_version_id=previous.pk,
        )
    )


def _version_write(asset: Asset, version: FileVersion, todo: dict, target: dict) -> tuple[FileVersion, bool]:
    """The verified new version of ``version`` with ``todo`` written, and whether it is new
    (False: the edit brought the file back to an earlier version's bytes, which is returned)."""
    extension = version.storage_name.rsplit(".", 1)[-1]
    with blob_staged(version.storage_name) as work:
        before = writeback_snapshot(work)
        try:
            if asset.kind == "image":
                image_tags_write(work, todo, target, version.raw_tags.get("exiftool", {}))
            else:
                audio_tags_write(work, _audio_format_key(version), todo, id3_version=settings.DAM_ID3_VERSION)
        except (ExifToolWriteError, AudioWriteError) as error:
            # The writers name the working copy (a random name in a staging folder): the reason
            # names the file as the librarian knows it.
            known = asset.original_names.values_list("name", flat=True).first() or f"version {version.number}"
            raise WritebackError(str(error).replace(str(work), known).replace(work.name, known)) from error
        read = _read_back(work, asset.kind)
        wrong = [name for name, value in todo.items() if not _same(name, read.values.get(name), value)]
        if wrong:
            details = "; ".join(f"{name}: wrote {todo[name]!r}, read back {read.values.get(name)!r}" for name in wrong)
            raise WritebackError(f"the new file does not read back as written ({details})")
        problems = writeback_verify(before, work, asset.kind, todo)
        if problems:
            raise WritebackError(f"the new file changes more than the edit ({'; '.join(problems)})")
        data = work.read_bytes()
        sha256 = hashlib.sha256(data).hexdigest()
        existing = FileVersion.objects.filter(asset=asset, sha256=sha256).first()
        if existing is not None:  # the edit brought the file back to an earlier version's bytes
            return existing, False
        key = blob_save(work, sha256, extension)
        technical = {
            name: version.metadata.get(name)
            for name in FIELDS_BY_NAME
            if FIELDS_BY_NAME[name].derived and not FIELDS_BY_NAME[name].editable
        }
        number = (FileVersion.objects.filter(asset=asset).aggregate(Max("number"))["number__max"] or 0) + 1
        created = FileVersion.objects.create(
            asset=asset,
            number=number,
            sha256=sha256,
            size=len(data),
            mime_type=version.mime_type,
            storage_name=key,
            origin=FileVersion.Origin.WRITEBACK,
            metadata={**read.values, **technical},
            raw_tags=read.raw,
        )
        return created, True


def _audio_format_key(version: FileVersion) -> str:
    from assets.detection import media_format_of

    media_format = media_format_of(version.mime_type, version.storage_name)
    if media_format is None:
        raise WritebackError(f"dam cannot write tags into {version.mime_type} files")
    return media_format.key


def _read_back(path: Path, kind: str):
    tags = exiftool_session().read([path])[str(path)]
    return image_metadata(tags) if kind == "image" else audio_metadata(path, tags)
