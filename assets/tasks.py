"""Celery tasks of the registry: thin wrappers that take IDs and call services."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def thumbnail_render_task(file_version_id: int) -> str | None:
    from assets.storage.thumbnails import thumbnail_render

    return thumbnail_render(file_version_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def ingest_path_task(path: str) -> dict:
    """Ingest one file the worker can read (a shared folder, a mounted drop box)."""
    from pathlib import Path

    from assets.ingest import IngestSource, ingest_sources

    [result] = ingest_sources([IngestSource.from_path(Path(path))])
    return result.as_json()


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def metadata_writeback_task(change_id: int) -> str | None:
    """Write an asset's edited metadata into a new file version."""
    from assets.editing import metadata_writeback

    change = metadata_writeback(change_id)
    return change.status if change else None
