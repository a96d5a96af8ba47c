"""Thumbnails for the admin and the API: small JPEGs, content-addressed beside the originals."""

from __future__ import annotations

import io
import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps

from assets.models import FileVersion
from assets.storage.blobs import blob_open, content_key

logger = logging.getLogger(__name__)

THUMBNAIL_SIZE = 320


def thumbnail_render(file_version_id: int) -> str | None:
    """Make the thumbnail of an image file version (idempotent). Returns its storage key, or
    None for audio and for versions that no longer exist."""
    version = FileVersion.objects.filter(pk=file_version_id).select_related("asset").first()
    if version is None or version.asset.kind != "image":
        return None
    key = content_key(version.sha256, "jpg", prefix="thumbnails")
    if not default_storage.exists(key):
        with blob_open(version.storage_name) as handle, Image.open(handle) as image:
            image = ImageOps.exif_transpose(image)
            image.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
            buffer = io.BytesIO()
            image.convert("RGB").save(buffer, "JPEG", quality=82)
        saved = default_storage.save(key, ContentFile(buffer.getvalue()))
        if saved != key:
            default_storage.delete(saved)
    FileVersion.objects.filter(pk=version.pk).update(thumbnail_name=key)
    return key
