"""Delivery copies: what ``contentUrl`` serves. The current file version with privacy-sensitive
tags removed by a configurable policy (camera and lens serial numbers, owner and creator contact
details, maker notes; GPS too for assets flagged ``location_sensitive``), while rights tags stay.

Copies are cached in storage by (file version hash, policy hash) and never replace a version.
Audio is delivered as stored: ExifTool cannot write audio tags, and the audio tag families dam
reads carry no camera or contact data. So are BMP images, which hold no metadata at all. A file
ExifTool cannot strip (some camera raw layouts) has no delivery copy: ``DeliveryCopyError`` says why,
and the original is never served in its place.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.files import File

from assets.detection import media_format_of
from assets.metadata.exiftool import UNWRITABLE_FORMATS, ExifToolWriteError, exiftool_session
from assets.models import Asset, FileVersion
from assets.storage.blobs import blob_staged, blob_store

logger = logging.getLogger(__name__)

# Image formats that hold no metadata, delivered as stored.
_WITHOUT_METADATA = {"bmp"}


def delivery_policy(asset: Asset) -> list[str]:
    """The ExifTool tags removed from this asset's delivery copies."""
    tags = list(settings.DAM_DELIVERY_STRIP)
    if asset.location_sensitive:
        tags += settings.DAM_DELIVERY_STRIP_SENSITIVE
    return tags


def policy_hash(tags: list[str]) -> str:
    return hashlib.sha256("\n".join(tags).encode()).hexdigest()[:16]


def delivery_copy_key(asset: Asset, version: FileVersion | None = None) -> str:
    """The storage key of the delivery copy of ``version`` (by default the current one) of the
    asset, made on first use."""
    version = version or asset.current_version
    media_format = media_format_of(version.mime_type, version.storage_name)
    if asset.kind != "image" or (media_format is not None and media_format.key in _WITHOUT_METADATA):
        return version.storage_name
    if media_format is not None and media_format.key in UNWRITABLE_FORMATS:
        # No copy without the policy's tags can be made of a file ExifTool cannot write.
        raise DeliveryCopyError(
            f"the delivery copy cannot be made: {UNWRITABLE_FORMATS[media_format.key]}, so the tags the delivery "
            "policy removes cannot be taken out; the stored file versions can still be downloaded by those allowed to"
        )
    tags = delivery_policy(asset)
    extension = version.storage_name.rsplit(".", 1)[-1]
    key = f"delivery/{policy_hash(tags)}/{version.sha256[:2]}/{version.sha256}.{extension}"
    return blob_store(key, lambda: _stripped_copy(version, tags, key))


class DeliveryCopyError(Exception):
    """The delivery copy cannot be made; the message says why, in words a caller can act on."""


@contextmanager
def _stripped_copy(version: FileVersion, tags: list[str], key: str) -> Iterator[File]:
    """The version's bytes without ``tags``, open for reading until the block ends.

    A file whose EXIF block is damaged (a camera's broken directory: ExifTool refuses to edit
    it) loses that whole block instead, so nothing the policy removes can slip through; XMP and
    IPTC, which hold the rights too, keep everything else. A file ExifTool cannot edit at all
    is a ``DeliveryCopyError``: the copy is never served unstripped."""
    removals = [f"-{tag}=" for tag in tags]
    with blob_staged(version.storage_name) as work:
        try:
            exiftool_session().write(work, removals)
        except ExifToolWriteError as damaged:
            logger.warning(
                "the EXIF block of %s is dropped from its delivery copy: %s",
                version.asset_id,
                damaged,
                extra={"asset_id": version.asset_id},
            )
            try:
                exiftool_session().write(work, ["-EXIF:all=", *removals])
            except ExifToolWriteError as error:
                raise DeliveryCopyError(
                    f"the delivery copy cannot be made: the file's metadata is damaged beyond what ExifTool "
                    f"can edit ({error}); the stored file versions can still be downloaded by those allowed to"
                ) from error
        with work.open("rb") as handle:
            yield File(handle, name=key)
