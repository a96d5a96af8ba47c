"""Fixtures of the embeddings tests: tiny models built from configs, saved to disk, loaded the real way."""

import json

import pytest

from embeddings.registry import model_version_register, role_activate

TINY = {
    "embed_dim": 64,
    "vision_cfg": {"image_size": 224, "layers": 2, "width": 64, "head_width": 32, "patch_size": 32},
    "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 64, "heads": 2, "layers": 2},
}


@pytest.fixture(scope="session")
def tiny_clip_directory(tmp_path_factory):
    """A tiny CLIP saved like any local model: its architecture config beside its weights."""
    folder = tmp_path_factory.mktemp("tiny-clip")
    (folder / "dam-tiny-clip.json").write_text(json.dumps(TINY))
    open_clip = pytest.importorskip("open_clip")
    torch = pytest.importorskip("torch")
    open_clip.add_model_config(folder)
    torch.manual_seed(0)
    model, _, _ = open_clip.create_model_and_transforms("dam-tiny-clip")
    torch.save({"state_dict": model.state_dict()}, folder / "open_clip_model.pt")
    return folder


@pytest.fixture
def image_role(tiny_clip_directory):
    version, _ = model_version_register(
        {
            "family": "open_clip",
            "name": "dam-tiny-clip",
            "source_kind": "directory",
            "source": str(tiny_clip_directory),
            "dimension": 64,
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
        }
    )
    return role_activate("image", version)
