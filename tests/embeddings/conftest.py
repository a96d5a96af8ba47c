"""Fixtures of the embeddings tests: tiny models built from configs, saved to disk, loaded the real way."""

import json

import pytest

from embeddings.defaults import AUDIO, IMAGE
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
            "preprocessing": dict(IMAGE["preprocessing"]),  # the default image model's (224 px, CLIP's mean/std)
        }
    )
    return role_activate("image", version)


@pytest.fixture(scope="session")
def tiny_clap_directory(tmp_path_factory):
    """A tiny CLAP (random weights) with a byte-level BPE tokenizer trained here, saved like any
    local transformers model."""
    pytest.importorskip("transformers")
    torch = pytest.importorskip("torch")
    from tokenizers import ByteLevelBPETokenizer
    from transformers import ClapConfig, ClapFeatureExtractor, ClapModel, ClapProcessor, RobertaTokenizerFast

    folder = tmp_path_factory.mktemp("tiny-clap")
    trainer = ByteLevelBPETokenizer()
    corpus = ["a dog barking in the park", "rain on a tin roof", "a violin playing a melody", "waves on the shore"]
    trainer.train_from_iterator(
        corpus * 50, vocab_size=300, min_frequency=1, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    )
    trainer.save_model(str(folder))
    tokenizer = RobertaTokenizerFast.from_pretrained(str(folder))
    config = ClapConfig(
        text_config={
            "vocab_size": len(tokenizer),
            "hidden_size": 32,
            "num_hidden_layers": 1,
            "num_attention_heads": 2,
            "intermediate_size": 64,
            "max_position_embeddings": 80,
            "projection_dim": 32,
        },
        audio_config={
            "depths": [1, 1, 1, 1],
            "num_attention_heads": [1, 1, 1, 1],
            "patch_embeds_hidden_size": 16,
            "hidden_size": 128,
            "projection_dim": 32,
            "enable_fusion": False,
        },
        projection_dim=32,
    )
    torch.manual_seed(0)
    ClapModel(config).save_pretrained(folder)
    # rand_trunc never truncates windows of at most 10 s; "fusion" would need a fused model.
    extractor = ClapFeatureExtractor(truncation="rand_trunc", padding="repeatpad")
    ClapProcessor(feature_extractor=extractor, tokenizer=tokenizer).save_pretrained(folder)
    return folder


@pytest.fixture
def audio_role(tiny_clap_directory):
    version, _ = model_version_register(
        {
            "family": "clap",
            "name": "dam-tiny-clap",
            "source_kind": "directory",
            "source": str(tiny_clap_directory),
            "dimension": 32,
            "modalities": ["audio", "text"],
            "prompt_template": "the sound of {}",
            "preprocessing": dict(AUDIO["preprocessing"]),  # the default audio model's (48 kHz, 10 s every 5 s)
        }
    )
    return role_activate("audio", version)
