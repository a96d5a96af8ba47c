"""Reactions of the registry to its own announcements."""

from __future__ import annotations

import logging

from django.db.models.signals import post_delete, pre_delete
from django.dispatch import receiver
from django.utils import timezone

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


@receiver(pre_delete, sender=Asset)
def asset_restrictions_remember(sender, instance: Asset, **kwargs) -> None:
    # The groups go with the asset (their rows are deleted before post_delete): read them first.
    instance._restricted_group_ids = sorted(instance.restricted_to_groups.values_list("pk", flat=True))


@receiver(post_delete, sender=Asset)
def asset_tombstone_record(sender, instance: Asset, **kwargs) -> None:
    """Remember a deleted asset, and the restrictions it had, so feeds can report its removal to
    the callers who could see it."""
    embargoed = instance.embargo_until is not None and instance.embargo_until > timezone.now()
    AssetTombstone.objects.update_or_create(
        asset_id=instance.pk,
        defaults={
            "allowed_territories": [code.upper() for code in instance.allowed_territories],
            "restricted_group_ids": getattr(instance, "_restricted_group_ids", []),
            "embargoed": embargoed,
        },
    )
