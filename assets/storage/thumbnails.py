"""Thumbnails for the admin and the API: small JPEGs, content-addressed beside the originals."""

from __future__ import annotations

import io
import logging

from django.core.files.base import ContentFile
from PIL import ImageOps

from assets.decoding.pictures import Picture, PictureError, picture_decode
from assets.detection import media_format_of
from assets.models import FileVersion
from assets.storage.blobs import blob_staged, blob_store, content_key

logger = logging.getLogger(__name__)

THUMBNAIL_SIZE = 320


def thumbnail_render(file_version_id: int) -> str | None:
    """Make the thumbnail of an image file version (idempotent). Returns its storage key, or
    None for audio, for versions that no longer exist and for pictures that cannot be decoded
    (a raw file without a preview; ingest warned about those)."""
    version = FileVersion.objects.filter(pk=file_version_id).select_related("asset").first()
    if version is None or version.asset.kind != "image":
        return None
    try:
        key = blob_store(
            content_key(version.sha256, "jpg", prefix="thumbnails"),
            lambda: ContentFile(_thumbnail_jpeg(version_picture(version, THUMBNAIL_SIZE * 2))),
        )
    except PictureError as error:
        logger.warning("no thumbnail for file version %s: %s", version.pk, error, extra={"asset_id": version.asset_id})
        return None
    FileVersion.objects.filter(pk=version.pk).update(thumbnail_name=key)
    return key


def version_picture(version: FileVersion, shortest_side: int | None = None) -> Picture:
    """The picture of an image file version (``assets.decoding.pictures``), decoded reduced but
    no smaller than ``shortest_side`` when given; PictureError says why not."""
    media_format = media_format_of(version.mime_type, version.storage_name)
    if media_format is None:
        raise PictureError(f"dam does not know how to decode {version.mime_type} files")
    with blob_staged(version.storage_name) as work:
        return picture_decode(work, media_format, shortest_side=shortest_side)


def _thumbnail_jpeg(picture: Picture) -> bytes:
    # Reduced first, turned upright after: the box is square, so the fit is the same.
    image = picture.image
    image.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
    image = ImageOps.exif_transpose(image)
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=82)
    return buffer.getvalue()
