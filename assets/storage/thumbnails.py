"""Thumbnails for the admin and the API: small JPEGs, content-addressed beside the originals."""

from __future__ import annotations

import io
import logging

from django.core.files.base import ContentFile
from PIL import Image, ImageOps

from assets.models import FileVersion
from assets.storage.blobs import blob_open, blob_store, content_key

logger = logging.getLogger(__name__)

THUMBNAIL_SIZE = 320


def thumbnail_render(file_version_id: int) -> str | None:
    """Make the thumbnail of an image file version (idempotent). Returns its storage key, or
    None for audio and for versions that no longer exist."""
    version = FileVersion.objects.filter(pk=file_version_id).select_related("asset").first()
    if version is None or version.asset.kind != "image":
        return None
    key = blob_store(
        content_key(version.sha256, "jpg", prefix="thumbnails"),
        lambda: ContentFile(_thumbnail_jpeg(version.storage_name)),
    )
    FileVersion.objects.filter(pk=version.pk).update(thumbnail_name=key)
    return key


def _thumbnail_jpeg(storage_name: str) -> bytes:
    with blob_open(storage_name) as handle, Image.open(handle) as image:
        image = ImageOps.exif_transpose(image)
        image.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, "JPEG", quality=82)
    return buffer.getvalue()
