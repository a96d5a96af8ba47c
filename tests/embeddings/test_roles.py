"""The role table: what each role takes part in, embeds and answers, and who reads it."""

import pytest
from django.core.management import CommandError, call_command

from assets.models import Kind
from embeddings.defaults import HUB_DEFAULTS, default_models_register
from embeddings.pipeline import embed_assets
from embeddings.roles import ROLES, role_for_uploads, roles_with_vectors


def names(roles) -> set[str]:
    return {role.name for role in roles}


def test_each_kind_takes_part_in_its_roles_and_asr_makes_no_vectors():
    assert names(roles_with_vectors("image")) == {"asset_text", "image"}
    assert names(roles_with_vectors("audio")) == {"asset_text", "transcript", "audio"}
    assert names(roles_with_vectors()) == {"asset_text", "image", "transcript", "audio"}
    assert ROLES["asr"].pipeline is None and not ROLES["asr"].text_queries
    assert all(set(role.kinds) <= set(Kind.values) for role in ROLES.values())


def test_text_queries_use_every_role_with_vectors_and_uploads_have_one_role_each():
    assert all(role.text_queries for role in roles_with_vectors())
    assert (role_for_uploads("image").name, role_for_uploads("audio").name) == ("image", "audio")


def test_every_role_dam_activates_is_in_the_table():
    assert set(HUB_DEFAULTS) <= set(ROLES)
    assert {"asset_text", "asr", "transcript"} <= set(ROLES)  # default_models_register's roles


@pytest.mark.django_db
def test_a_role_without_vectors_or_outside_the_table_is_refused_by_the_pipeline_and_commands():
    pytest.importorskip("faster_whisper", reason="the ml extra is not installed")
    assert "asr" in default_models_register()
    with pytest.raises(ValueError, match="no pipeline for the role 'asr'"):
        embed_assets("asr", ["any"])
    with pytest.raises(CommandError, match="invalid choice: 'asr'"):
        call_command("embed", "--role", "asr")
    with pytest.raises(CommandError, match="invalid choice: 'photos'"):
        call_command("models", "register", "spec.json", "--role", "photos")


@pytest.mark.django_db
def test_migrations_are_planned_for_the_table_s_roles_only():
    from embeddings.models import ModelVersion
    from embeddings.reembedding.states import MigrationError, migration_plan

    with pytest.raises(MigrationError, match="no role 'photos' in dam: the roles are asr, asset_text"):
        migration_plan("photos", ModelVersion())


@pytest.mark.django_db
def test_the_embed_command_queues_only_the_kinds_the_role_takes_part_in(image_role, monkeypatch, capsys):
    from assets.ingest import ingest_paths
    from embeddings.tasks import embed_task
    from tests.conftest import FIXTURES_DIR

    [image, _] = ingest_paths([FIXTURES_DIR / "images" / "sample.jpg", FIXTURES_DIR / "audio" / "tone.wav"])
    queued = []
    monkeypatch.setattr(embed_task, "delay", lambda *args: queued.append(args))
    call_command("embed", "--role", "image")
    assert queued == [("image", [image.asset_id])]
    assert "1 assets queued for the workers" in capsys.readouterr().err


@pytest.mark.django_db
def test_an_asset_with_no_metadata_text_counts_as_embedded_and_the_demo_stops_waiting(tmp_path, capsys):
    """Nothing to embed is done: `embed --missing-only` does not queue it again and the demo's
    status does not count it as waiting for the workers."""
    pytest.importorskip("sentence_transformers", reason="the ml extra is not installed")
    from PIL import Image

    from assets.ingest import ingest_paths
    from dam.demo_status import embedding_progress
    from embeddings.management.commands.embed import assets_to_embed
    from embeddings.models import Embedding
    from embeddings.roles import role_active
    from tests.conftest import FIXTURES_DIR

    untagged = tmp_path / "untagged.png"
    Image.new("RGB", (32, 24), (90, 20, 200)).save(untagged)
    [tagged, bare] = ingest_paths([FIXTURES_DIR / "images" / "sample.jpg", untagged])
    default_models_register()
    role = role_active("asset_text")
    assert assets_to_embed(role, missing_only=True) == sorted([tagged.asset_id])
    call_command("embed", "--role", "asset_text", "--missing-only", "--sync")
    assert set(Embedding.objects.filter(model_version=role.model_version).values_list("asset_id", flat=True)) == {
        tagged.asset_id
    }
    assert assets_to_embed(role, missing_only=True) == []
    assert assets_to_embed(role, missing_only=False) == sorted([tagged.asset_id, bare.asset_id])
    [progress] = [each for each in embedding_progress() if each.role == "asset_text"]
    assert (progress.assets, progress.waiting) == (2, 0)
