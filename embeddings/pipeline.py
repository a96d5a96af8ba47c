"""Embedding assets for a role: the one way in for tasks, commands and re-embedding migrations.

Batched and idempotent (an upsert per asset and segment). Which assets take part and how they
become vectors is the role's row in ``embeddings.roles``; this module knows nothing of migrations
or queues (``embeddings.enqueue`` asks the workers).
"""

from __future__ import annotations

import logging

from assets.log_context import asset_logging
from assets.models import Asset, FileVersion
from embeddings.roles import ROLES, role_active

logger = logging.getLogger(__name__)


def embed_assets(role_name: str, asset_ids: list[str], version=None, source: str = "current") -> int:
    """Embed the assets for the role's active version (or ``version``, e.g. a migration's new
    one), from their current file versions or, with ``source="original"``, their first ones;
    returns the number of vectors written (0 when the role has no active version). Assets of
    kinds the role does not take part in are skipped; a role that makes no vectors raises
    ValueError."""
    with asset_logging(asset_ids[0] if len(asset_ids) == 1 else None):
        written = _embed_assets(role_name, asset_ids, version, source)
    logger.info("%s: %d vectors for %d assets", role_name, written, len(asset_ids))
    return written


def _embed_assets(role_name: str, asset_ids: list[str], version, source: str) -> int:
    active = version is None
    if active:
        role = role_active(role_name)
        if role is None:
            return 0
        version = role.model_version
    definition = ROLES.get(role_name)
    if definition is None or definition.pipeline is None:
        raise ValueError(f"no pipeline for the role {role_name!r}: it makes no vectors")
    assets = list(Asset.objects.filter(pk__in=asset_ids).select_related("current_version").order_by("pk"))
    if source == "original":
        originals = {fv.asset_id: fv for fv in FileVersion.objects.filter(asset__in=assets, number=1)}
        for asset in assets:  # in memory only: the pipelines read files through current_version
            if asset.pk in originals:
                asset.current_version, asset.current_version_id = originals[asset.pk], originals[asset.pk].pk
    written = definition.pipeline(version, [asset for asset in assets if asset.kind in definition.kinds])
    if active and written:
        # Calibrated here once it can be (and again while the library grows), not by the first
        # search that needs it; the vectors stay written whatever happens.
        from embeddings.calibration import relevance_floor_ready

        relevance_floor_ready(version)
    return written
