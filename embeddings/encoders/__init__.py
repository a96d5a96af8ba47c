"""Encoders, loaded once per process and version, after their weights are verified."""

from __future__ import annotations

import os
import threading

from django.conf import settings

# Libraries never ask a hub for anything by themselves (set before transformers is first imported);
# where downloads are allowed, dam fetches a hub version's pinned files itself (registry.hub_fetch).
if not settings.DAM_MODEL_DOWNLOADS:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from embeddings.encoders.base import Encoder, EncoderError  # noqa: E402

_loaded: dict[int, Encoder] = {}
_lock = threading.Lock()


def encoder_for(version) -> Encoder:
    """The process's encoder for ``version``; refuses weights that do not match the registry."""
    from embeddings.models import ModelVersion
    from embeddings.registry import RegistryError, hub_fetch, model_version_verify, weights_directory

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
        family = version.family
        if family == "text":
            from embeddings.encoders.text import TextEncoder

            encoder = TextEncoder(version, weights_directory(version))
        elif family == "clap":
            from embeddings.encoders.clap import ClapEncoder

            encoder = ClapEncoder(version, weights_directory(version))
        elif family == "whisper_encoder":
            from embeddings.encoders.whisper import WhisperEncoder

            encoder = WhisperEncoder(version, weights_directory(version))
        elif family == "open_clip":
            from embeddings.encoders.open_clip import OpenClipEncoder

            encoder = OpenClipEncoder(version, weights_directory(version))
        elif family == "imagebind":
            from embeddings.encoders.imagebind import ImageBindEncoder

            encoder = ImageBindEncoder(version, weights_directory(version))
        else:
            raise EncoderError(f"no encoder for the {family} family is installed in this version of dam")
        _loaded[version.pk] = encoder
        return encoder


__all__ = ["Encoder", "EncoderError", "encoder_for"]
