"""Encoders: an abstract base and one module per model family, each registering its class
(``ENCODERS``, family → class) when imported here. ``embeddings.encoders.loading.encoder_for``
loads a version's encoder. A new family is one module and one name in the import below (and a
migration, as ``ModelVersion.family``'s choices grow).
"""

from __future__ import annotations

import os

# Libraries never ask a hub for anything by themselves (set before transformers is first imported):
# where downloads are allowed, dam fetches a hub version's pinned files itself (embeddings.hub).
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from embeddings.encoders.base import ENCODERS, Encoder, EncoderError  # noqa: E402

# The family modules register themselves; this order is ModelVersion.family's choices' order.
from embeddings.encoders import open_clip, clap, whisper, imagebind, text, asr  # noqa: E402, F401  # isort: skip


def encoder_family_choices() -> list[tuple[str, str]]:
    """(family, label) of every registered encoder, for ``ModelVersion.family``."""
    return [(family, encoder.label) for family, encoder in ENCODERS.items()]


__all__ = ["ENCODERS", "Encoder", "EncoderError", "encoder_family_choices"]
