"""What the API answers with when a caller asks for an asset's bytes: a file version as stored,
the delivery copy (``contentUrl``) or the thumbnail. These decide which stored object, where it
comes from (opened here, or a presigned S3 URL) and how long a client may keep it; the views only
turn the answer into an HTTP response. Callers pass assets they have already checked the caller
may see (``asset_list_visible_to``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings
from django.core.files.storage import default_storage
from PIL import Image

from assets.locations import location_withheld
from assets.models import Asset, FileVersion
from assets.storage.blobs import blob_open
from assets.storage.delivery import DeliveryCopyError, delivery_copy_key
from assets.storage.thumbnails import thumbnail_render


class ServingError(Exception):
    """Bytes of an asset the caller may see that cannot be made (a delivery copy or thumbnail
    of a damaged file); the message says why."""


@dataclass(frozen=True)
class ServedFile:
    """Bytes to answer with: an open ``stream`` (the response closes it) or, instead, a
    ``redirect_url`` to send the client to. ``filename`` set: offered as an attachment under that
    name. ``cache_control``: the Cache-Control header, if any."""

    content_type: str
    stream: BinaryIO | None = None
    redirect_url: str | None = None
    filename: str | None = None
    cache_control: str | None = None


def _presigned_downloads() -> bool:
    # Only S3 storage has a bucket (and can presign); local storage always streams.
    return settings.DAM_S3_PRESIGNED_DOWNLOADS and hasattr(default_storage, "bucket_name")


def file_version_download(asset: Asset, number: int | str, exact_location: bool = False) -> ServedFile | None:
    """File version ``number`` of ``asset`` exactly as stored, as an attachment named
    ``<asset id>-v<number>.<extension>``; None when the asset has no such version. With
    ``DAM_S3_PRESIGNED_DOWNLOADS`` on S3, a presigned URL instead of the bytes.

    A location-sensitive asset's version is served as its delivery copy (no GPS, no other
    privacy-sensitive tags) unless ``exact_location`` (``assets.locations``)."""
    version = FileVersion.objects.filter(asset=asset, number=number).first()
    if version is None:
        return None
    key = delivery_copy_key(asset, version) if location_withheld(asset, exact_location) else version.storage_name
    extension = version.storage_name.rsplit(".", 1)[-1]
    filename = f"{version.asset_id}-v{version.number}.{extension}"
    if _presigned_downloads():
        url = default_storage.url(
            key,
            parameters={
                "ResponseContentDisposition": f'attachment; filename="{filename}"',
                "ResponseContentType": version.mime_type,
            },
        )
        return ServedFile(version.mime_type, redirect_url=url)
    return ServedFile(version.mime_type, stream=blob_open(key), filename=filename)


def asset_content_open(asset: Asset) -> ServedFile:
    """The delivery copy of the current version (made on first use), privately cacheable for an
    hour: a changed delivery policy reaches clients within that time."""
    try:
        key = delivery_copy_key(asset)
    except DeliveryCopyError as error:
        raise ServingError(str(error)) from error
    return ServedFile(asset.current_version.mime_type, stream=blob_open(key), cache_control="private, max-age=3600")


def asset_thumbnail_open(asset: Asset) -> ServedFile | None:
    """The JPEG thumbnail of an image's current version, rendered here if the worker has not yet;
    None for audio, for assets without a version and for pictures that cannot be decoded.
    Cacheable privately for a day."""
    version = asset.current_version
    if asset.kind != "image" or version is None:
        return None
    try:
        key = version.thumbnail_name or thumbnail_render(version.pk)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        # Ingest decoded the picture, so this is rare: a damaged part only the thumbnail reads
        # (an EXIF orientation, an embedded profile).
        raise ServingError(f"the thumbnail cannot be made: the picture is damaged ({error})") from error
    if key is None:
        return None
    return ServedFile("image/jpeg", stream=blob_open(key), cache_control="private, max-age=86400, immutable")
