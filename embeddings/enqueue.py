"""Asking the workers to embed: for every active role that fits the assets, and for the new
version of any re-embedding migration under way for those roles, so that nothing ingested or
edited during a migration is missing from the new version.

It reads the role table and the migrations; the pipeline the workers run knows neither.
"""

from __future__ import annotations

import logging

from django.conf import settings

from assets.models import Asset
from embeddings.reembedding.states import migrations_embedding_new_assets
from embeddings.roles import roles_active, roles_with_vectors
from embeddings.tasks import embed_task

logger = logging.getLogger(__name__)


def embed_enqueue(asset_ids: list[str], kind: str | None = None, roles: tuple[str, ...] | None = None) -> None:
    """Queue embedding tasks for the assets (all of ``kind`` when given), for every active role
    that takes part in their kinds (or only those of ``roles``), in batches of
    ``DAM_EMBED_BATCH_SIZE``. A broker outage is logged, never raised."""
    kinds = {kind} if kind else set(Asset.objects.filter(pk__in=asset_ids).values_list("kind", flat=True))
    names = {role.name for each in kinds for role in roles_with_vectors(each)}
    fitting = {role.name for role in roles_active(names)}
    chosen = sorted(fitting & set(roles) if roles else fitting)
    targets = [(role, None) for role in chosen]
    targets += [(m.role, m.to_version_id) for m in migrations_embedding_new_assets() if m.role in chosen]
    for role, version_id in targets:
        for start in range(0, len(asset_ids), settings.DAM_EMBED_BATCH_SIZE):
            try:
                embed_task.delay(role, asset_ids[start : start + settings.DAM_EMBED_BATCH_SIZE], version_id)
            except Exception:  # a broker outage must not undo an ingest; `manage.py embed --missing-only` catches up
                logger.exception("could not enqueue embedding for %s", role)
