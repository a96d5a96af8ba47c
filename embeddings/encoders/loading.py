"""Encoders loaded once per process and model version, after their weights are verified."""

from __future__ import annotations

import threading

from embeddings.encoders.base import ENCODERS, Encoder, EncoderError
from embeddings.models import ModelVersion
from embeddings.registry import RegistryError, hub_fetch, model_version_verify, weights_directory

_loaded: dict[int, Encoder] = {}
_lock = threading.Lock()


def encoder_for(version: ModelVersion) -> Encoder:
    """The process's encoder for ``version``, of its family's registered class; a hub version's
    pinned files are fetched first where downloads are allowed. Raises EncoderError for weights
    that are missing or do not match the registry, and for a family no encoder is registered for."""
    with _lock:
        if version.pk in _loaded:
            return _loaded[version.pk]
        if version.source_kind == ModelVersion.SourceKind.HUB and not weights_directory(version).exists():
            try:
                hub_fetch(version)
            except RegistryError as error:
                raise EncoderError(f"model version {version}: {error}") from error
        problem = model_version_verify(version)
        if problem:
            raise EncoderError(f"model version {version}: {problem}")
        encoder_class = ENCODERS.get(version.family)
        if encoder_class is None:
            raise EncoderError(f"no encoder for the {version.family} family is installed in this version of dam")
        _loaded[version.pk] = encoder = encoder_class(version, weights_directory(version))
        return encoder


def encoders_preload() -> list[str]:
    """Load the encoders of every role with an active version now, once per process, so that the
    first search or task after start-up does not wait for them; returns what was loaded, in
    words, and logs each with its time. A version that cannot load is logged and skipped (its
    role answers as it would without preloading); nothing here raises."""
    import logging
    import time

    from embeddings.models import Role

    logger = logging.getLogger(__name__)
    loaded = []
    try:
        roles = list(Role.objects.select_related("model_version").order_by("name"))
    except Exception as error:  # no database yet (e.g. before `migrate`): load on first use instead
        logger.warning("models not preloaded: %s", error)
        return loaded
    for role in roles:
        started = time.perf_counter()
        try:
            encoder_for(role.model_version)
        except EncoderError as error:
            logger.warning("the %s model is not loaded: %s", role.name, error)
            continue
        loaded.append(f"{role.name} ({role.model_version})")
        logger.info("loaded %s for %s in %.1f s", role.model_version, role.name, time.perf_counter() - started)
    if loaded:
        logger.info("models ready: %s", ", ".join(loaded))
    return loaded
