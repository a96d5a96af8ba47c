"""Thumbnails for the admin and the API: small JPEGs, content-addressed beside the originals."""

from __future__ import annotations

import io
import logging

from django.core.files.base import ContentFile
from PIL import Image, ImageOps

from assets.decoding import DecodeBudgetExceeded, decode_budget_refusal
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
        # Reduced first (JPEGs decode at 1/2 to 1/8 scale), turned upright after: the full-size
        # picture is never copied. The box is square, so turning after reducing gives the same fit.
        image.draft(image.mode, (THUMBNAIL_SIZE * 2, THUMBNAIL_SIZE * 2))
        refusal = decode_budget_refusal(image)
        if refusal:
            raise DecodeBudgetExceeded(f"no thumbnail: {refusal}")
        image.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
        image = ImageOps.exif_transpose(image)
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, "JPEG", quality=82)
    return buffer.getvalue()
