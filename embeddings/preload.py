"""What a web or worker process makes ready before it serves: the active roles' encoders, then
their versions' relevance floors, so that neither the first search nor the first task waits."""

from __future__ import annotations

import logging

from embeddings.calibration import relevance_floor_provisional, relevance_floor_ready
from embeddings.encoders.loading import encoders_preload

logger = logging.getLogger(__name__)


def models_preload() -> list[str]:
    """``encoders_preload``, then each active version's floor calibrated if it is due (or, for a
    text version with too few assets, its provisional floor computed); returns what was loaded.
    Nothing here raises: what cannot be made ready now is made ready on first use."""
    from embeddings.models import Role

    loaded = encoders_preload()
    try:
        versions = {role.model_version.pk: role.model_version for role in Role.objects.select_related("model_version")}
    except Exception as error:  # no database yet (e.g. before `migrate`)
        logger.warning("relevance floors not ready: %s", error)
        return loaded
    for version in versions.values():
        if not version.dimension:
            continue
        if relevance_floor_ready(version) is None:
            try:
                relevance_floor_provisional(version)
            except Exception as error:  # search computes it when it first needs the floor
                logger.warning("model version %s: provisional floor not ready (%s)", version.pk, error)
    return loaded
