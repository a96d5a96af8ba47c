"""The model registry: pinned identities, verified weights, HNSW indexes, roles."""

import importlib.util
import json

import pytest
from django.db import connection

from embeddings.defaults import IMAGE
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
        ({"source_kind": "hub", "source": "org/model", "revision": "abc123"}, "is not downloaded"),
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


def test_hub_versions_are_not_downloaded_unless_allowed_and_say_how(weights, settings, tmp_path, capsys):
    from django.core.management import CommandError, call_command

    from embeddings.encoders import EncoderError
    from embeddings.encoders.loading import encoder_for

    settings.DAM_MODEL_DIR = tmp_path / "models"
    version, _ = model_version_register(
        spec(weights, source_kind="hub", source="laion/some-clip", revision="0123abc", weights_sha256="f" * 64)
    )
    with pytest.raises(EncoderError, match="laion/some-clip@0123abc is not downloaded: set DAM_MODEL_DOWNLOADS=true"):
        encoder_for(version)
    with pytest.raises(CommandError):
        call_command("models", "verify")
    assert str(tmp_path / "models" / "laion--some-clip" / "0123abc") in capsys.readouterr().out
    # The default image and audio roles come from pinned hub revisions, and setup says how to get them.
    call_command("models", "setup")
    out = capsys.readouterr().out
    assert "no 'image' model: laion/CLIP-ViT-B-32-laion2B-s34B-b79K@1a25a446712b is not downloaded" in out
    assert "no 'audio' model: laion/clap-htsat-unfused@8fa0f1c6d043 is not downloaded" in out
    assert not Role.objects.filter(name__in=["image", "audio"]).exists()


def test_a_fetched_hub_version_loads_from_its_folder_after_its_hash_is_checked(tiny_clip_directory, settings, tmp_path):
    """What a download leaves (the files at the pinned revision, in the version's folder) loads
    through the same path as a local model, and tampering is refused."""
    import shutil

    from embeddings.encoders import EncoderError
    from embeddings.encoders.loading import encoder_for
    from embeddings.registry import weights_sha256

    settings.DAM_MODEL_DIR = tmp_path / "models"
    hub_spec = {
        **IMAGE,
        "name": "dam-tiny-clip",
        "source": "example/tiny-clip",
        "dimension": 64,
        "files": [],
        "weights_sha256": weights_sha256(tiny_clip_directory),
    }
    version, _ = model_version_register(hub_spec)
    folder = tmp_path / "models" / "example--tiny-clip" / IMAGE["revision"]
    shutil.copytree(tiny_clip_directory, folder)
    assert encoder_for(version).embed_texts(["a red fox"]).shape == (1, 64)
    tampered, _ = model_version_register({**hub_spec, "preprocessing": {"other": True}})
    next(p for p in sorted(folder.iterdir()) if p.suffix in {".safetensors", ".bin", ".pt"}).write_bytes(b"changed")
    with pytest.raises(EncoderError, match="they changed"):
        encoder_for(tampered)


def test_imagebind_is_optional_and_its_licence_is_recorded(tmp_path):
    """Without Meta's package, an ImageBind version registers (its non-commercial licence on record)
    and loading it says what to install; nothing else is affected."""
    from embeddings.encoders import EncoderError
    from embeddings.encoders.loading import encoder_for

    folder = tmp_path / "imagebind"
    folder.mkdir()
    (folder / "imagebind_huge.pth").write_bytes(b"weights")
    version, _ = model_version_register(
        {
            "family": "imagebind",
            "name": "imagebind_huge",
            "source_kind": "directory",
            "source": str(folder),
            "dimension": 1024,
            "modalities": ["image", "audio", "text"],
            "preprocessing": {"sample_rate": 16000, "window_s": 2, "hop_s": 1, "image_size": 224},
        }
    )
    assert "non-commercial" in version.licence
    pytest.importorskip("torch")
    if importlib.util.find_spec("imagebind") is None:
        with pytest.raises(EncoderError, match="ImageBind is optional and not installed"):
            encoder_for(version)
