"""Reactions of the registry to its own announcements."""

from __future__ import annotations

import logging

from django.db.models.signals import post_delete
from django.dispatch import receiver

from assets.models import Asset, AssetTombstone
from assets.signals import file_version_created

logger = logging.getLogger(__name__)


@receiver(file_version_created)
def thumbnail_enqueue(sender, file_version_id: int, **kwargs) -> None:
    from assets.tasks import thumbnail_render_task

    try:
        thumbnail_render_task.delay(file_version_id)
    except Exception:  # a broker outage must not undo an ingest; `manage.py thumbnails` catches up
        logger.exception("could not enqueue the thumbnail of file version %s", file_version_id)


@receiver(post_delete, sender=Asset)
def asset_tombstone_record(sender, instance: Asset, **kwargs) -> None:
    """Remember a deleted asset so feeds can report its removal."""
    AssetTombstone.objects.get_or_create(asset_id=instance.pk)
