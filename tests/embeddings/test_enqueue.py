"""Enqueueing: every fitting active role, and the new version of a migration under way."""

import pytest

from assets.models import Asset
from embeddings.models import Embedding
from embeddings.pipeline import embed_assets
from embeddings.reembedding import states
from tests.embeddings.reembedding.conftest import backfill_here, library, versions

pytest.importorskip("sentence_transformers", reason="the ml extra is not installed")


@pytest.mark.django_db
def test_assets_edited_during_a_migration_are_embedded_by_both_versions(
    monkeypatch, django_user_model, django_capture_on_commit_callbacks
):
    from assets.editing import asset_metadata_update
    from embeddings.tasks import embed_task

    ids = library(8)
    old, new = versions()
    embed_assets("asset_text", ids)
    migration = states.migration_start(states.migration_plan("asset_text", new))
    backfill_here(migration)  # the backfill has passed this asset already…
    queued = []
    monkeypatch.setattr(embed_task, "delay", lambda *args: queued.append(args))
    editor = django_user_model.objects.create_superuser("editor", "e@example.org", "x")
    with django_capture_on_commit_callbacks(execute=True):
        asset_metadata_update(Asset.objects.get(pk=ids[0]), {"title": "Lighthouse in a storm"}, editor, "api")
    assert ("asset_text", [ids[0]], None) in queued and ("asset_text", [ids[0]], new.pk) in queued
    for args in queued:  # …so the edit is embedded again, by both versions, as the workers would
        embed_task.apply(args)
    for version in (old, new):
        assert Embedding.objects.get(asset_id=ids[0], model_version=version).text.startswith("Lighthouse in a storm")
