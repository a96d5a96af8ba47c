"""Delivery copies: what ``contentUrl`` serves. The current file version with privacy-sensitive
tags removed by a configurable policy (camera and lens serial numbers, owner and creator contact
details, maker notes; GPS too for assets flagged ``location_sensitive``), while rights tags stay.

Copies are cached in storage by (file version hash, policy hash) and never replace a version.
Audio is delivered as stored: ExifTool cannot write audio tags, and the audio tag families dam
reads carry no camera or contact data. So are BMP images, which hold no metadata at all. A file
ExifTool cannot strip (some camera raw layouts) has no delivery copy: ``DeliveryError`` says why,
and the original is never served in its place.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.files import File

from assets.detection import media_format_of
from assets.metadata.exiftool import ExifToolWriteError, exiftool_session
from assets.models import Asset, FileVersion
from assets.storage.blobs import blob_staged, blob_store

# Image formats that hold no metadata, delivered as stored.
_WITHOUT_METADATA = {"bmp"}


class DeliveryError(Exception):
    """The delivery copy cannot be made; the message says why."""


def delivery_policy(asset: Asset) -> list[str]:
    """The ExifTool tags removed from this asset's delivery copies."""
    tags = list(settings.DAM_DELIVERY_STRIP)
    if asset.location_sensitive:
        tags += settings.DAM_DELIVERY_STRIP_SENSITIVE
    return tags


def policy_hash(tags: list[str]) -> str:
    return hashlib.sha256("\n".join(tags).encode()).hexdigest()[:16]


def delivery_copy_key(asset: Asset) -> str:
    """The storage key of the asset's delivery copy, made on first use."""
    version: FileVersion = asset.current_version
    media_format = media_format_of(version.mime_type, version.storage_name)
    if asset.kind != "image" or (media_format is not None and media_format.key in _WITHOUT_METADATA):
        return version.storage_name
    tags = delivery_policy(asset)
    extension = version.storage_name.rsplit(".", 1)[-1]
    key = f"delivery/{policy_hash(tags)}/{version.sha256[:2]}/{version.sha256}.{extension}"
    return blob_store(key, lambda: _stripped_copy(version, tags, key))


@contextmanager
def _stripped_copy(version: FileVersion, tags: list[str], key: str) -> Iterator[File]:
    """The version's bytes without ``tags``, open for reading until the block ends."""
    with blob_staged(version.storage_name) as work:
        try:
            exiftool_session().write(work, [f"-{tag}=" for tag in tags])
        except ExifToolWriteError as error:
            errors = [line for line in str(error).splitlines() if line.startswith("Error")] or [str(error)]
            reason = errors[0].removeprefix("Error: ").split(" - ")[0]
            raise DeliveryError(
                f"dam cannot remove the private tags from this {version.mime_type} file ({reason}), "
                "so it has no delivery copy; download a file version instead"
            ) from error
        with work.open("rb") as handle:
            yield File(handle, name=key)
