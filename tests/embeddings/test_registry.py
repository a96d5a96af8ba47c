"""The model registry: pinned identities, verified weights, HNSW indexes, roles."""

import json

import pytest
from django.db import connection

from embeddings.models import ModelVersion, Role
from embeddings.registry import (
    RegistryError,
    canonical_sha256,
    model_version_register,
    model_version_verify,
    role_activate,
)

pytestmark = pytest.mark.django_db

PREPROCESSING = {"resize": 224, "crop": "center", "mean": [0.48, 0.46, 0.41], "std": [0.27, 0.26, 0.28]}


@pytest.fixture
def weights(tmp_path):
    folder = tmp_path / "tiny-model"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"\x00" * 64 + b"tiny weights")
    (folder / "config.json").write_text(json.dumps({"embed_dim": 32}))
    return folder


def spec(folder, **overrides):
    return {
        "family": "open_clip",
        "name": "tiny",
        "source_kind": "directory",
        "source": str(folder),
        "dimension": 32,
        "modalities": ["image", "text"],
        "preprocessing": PREPROCESSING,
        "prompt_template": "a photo of {}",
        **overrides,
    }


def index_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'embeddings_embedding'")
        return {row[0] for row in cursor.fetchall()}


def test_registering_pins_the_weights_and_the_preprocessing_and_makes_an_index(weights):
    version, created = model_version_register(spec(weights))
    assert created and len(version.weights_sha256) == 64
    assert version.preprocessor_sha256 == canonical_sha256(PREPROCESSING)
    assert version.index_name in index_names()
    assert model_version_verify(version) is None


def test_the_same_weights_and_preprocessing_from_another_place_are_the_same_version(weights, tmp_path):
    first, _ = model_version_register(spec(weights))
    copy = tmp_path / "elsewhere"
    copy.mkdir()
    for path in weights.iterdir():
        (copy / path.name).write_bytes(path.read_bytes())
    second, created = model_version_register(spec(copy, name="tiny, copied"))
    assert not created and second.pk == first.pk
    third, created = model_version_register(spec(copy, preprocessing={**PREPROCESSING, "resize": 256}))
    assert created and third.pk != first.pk  # a preprocessor change is a new version


def test_changed_weights_are_refused_with_a_clear_reason(weights):
    version, _ = model_version_register(spec(weights))
    (weights / "model.safetensors").write_bytes(b"other weights")
    assert "they changed; register them as a new version" in model_version_verify(version)
    (weights / "model.safetensors").unlink()
    (weights / "config.json").unlink()
    weights.rmdir()
    assert "the weights are not at" in model_version_verify(version)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"family": "word2vec"}, "unknown family"),
        ({"source_kind": "hub", "source": "org/model"}, "pinned revision"),
        ({"source_kind": "hub", "source": "org/model", "revision": "abc123"}, "weights_sha256"),
        ({"weights_sha256": "0" * 64}, "not the"),
    ],
)
def test_bad_specs_are_refused(weights, overrides, message):
    with pytest.raises(RegistryError, match=message):
        model_version_register(spec(weights, **overrides))


def test_package_sources_find_their_files(tmp_path, monkeypatch):
    package = tmp_path / "site" / "tiny_weights_pkg"
    (package / "model").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "model" / "model.safetensors").write_bytes(b"packaged")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    version, _ = model_version_register(
        spec(
            tmp_path,
            source_kind="package",
            source="tiny_weights_pkg:model",
            family="text",
            modalities=["text"],
            dimension=16,
        )
    )
    assert model_version_verify(version) is None
    missing = ModelVersion(source_kind="package", source="not_installed_pkg:model")
    assert model_version_verify(missing) == "not_installed_pkg:model is not installed"


def test_switching_a_role_is_one_step(weights, tmp_path):
    old, _ = model_version_register(spec(weights))
    new, _ = model_version_register(spec(weights, preprocessing={**PREPROCESSING, "resize": 256}))
    role_activate("image", old)
    role_activate("image", new)
    assert Role.objects.get(name="image").model_version_id == new.pk
    assert ModelVersion.objects.get(pk=new.pk).status == "active"


def test_models_command_and_system_check(weights, tmp_path, capsys):
    from django.core.checks import run_checks
    from django.core.management import CommandError, call_command

    spec_file = tmp_path / "spec.json"
    spec_file.write_text(json.dumps(spec(weights)))
    call_command("models", "register", str(spec_file))
    call_command("models", "register", str(spec_file), "--role", "image")
    out = capsys.readouterr().out
    assert "registered version" in out and "already registered as version" in out
    assert "the 'image' role now uses version" in out and Role.objects.get(name="image").model_version.name == "tiny"
    call_command("models", "list")
    assert "open_clip" in capsys.readouterr().out
    call_command("models", "verify")
    assert not [m for m in run_checks(databases=["default"]) if m.id == "embeddings.W001"]
    (weights / "model.safetensors").write_bytes(b"tampered")
    with pytest.raises(CommandError, match="cannot be loaded as registered"):
        call_command("models", "verify")
    assert [m for m in run_checks(databases=["default"]) if m.id == "embeddings.W001"]


def test_hub_versions_are_never_downloaded_but_explained(weights):
    from embeddings.encoders import EncoderError, encoder_for

    version, _ = model_version_register(
        spec(weights, source_kind="hub", source="laion/some-clip", revision="0123abc", weights_sha256="f" * 64)
    )
    with pytest.raises(EncoderError, match="never downloads weights by itself"):
        encoder_for(version)
