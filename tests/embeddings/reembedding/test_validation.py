"""Validating a migration: the figures on the new vectors, and the gate to ready (passed or forced)."""

import json

import pytest

from embeddings.models import Migration
from embeddings.pipeline import embed_assets
from embeddings.reembedding import states, validation
from tests.embeddings.reembedding.conftest import SUBJECTS, backfill_here, library, versions

pytest.importorskip("sentence_transformers", reason="the ml extra is not installed")


@pytest.mark.django_db
def test_failed_assets_block_ready_unless_forced_with_a_reason(monkeypatch):
    ids = library(8)
    _, new = versions()
    embed_assets("asset_text", ids)
    migration = states.migration_start(states.migration_plan("asset_text", new))
    broken = ids[3]
    real = states._embed_batch

    def failing(migration, asset_ids):
        failures = real(migration, [a for a in asset_ids if a != broken])
        return {**failures, **({broken: "OSError: the raw file could not be read"} if broken in asset_ids else {})}

    monkeypatch.setattr(states, "_embed_batch", failing)
    backfill_here(migration)
    migration = validation.migration_validate(Migration.objects.get(pk=migration.pk))
    assert migration.state == "validating" and migration.failed_assets == 1
    assert "coverage 87.5% is below 100%" in migration.validation["problems"][0]
    with pytest.raises(states.MigrationError, match="needs a reason"):
        validation.migration_force_ready(migration)
    monkeypatch.setattr(states, "_embed_batch", real)
    assert states.migration_retry_failures(migration) == 0  # fixed: the retry embeds it
    migration = validation.migration_validate(Migration.objects.get(pk=migration.pk))
    assert migration.state == "ready" and migration.failed_assets == 0


@pytest.mark.django_db
def test_validation_measures_recall_on_a_configured_query_set(settings, tmp_path):
    ids = library(40)
    _, new = versions()
    embed_assets("asset_text", ids)
    harbours = [asset_id for number, asset_id in enumerate(ids) if number % len(SUBJECTS) == 0][:10]
    queries = tmp_path / "queries.json"
    queries.write_text(json.dumps([{"text": "sailing boats in a harbour", "expected": harbours}]))
    settings.DAM_MIGRATION_QUERY_SET = str(queries)
    migration = states.migration_start(states.migration_plan("asset_text", new))
    backfill_here(migration)
    migration = validation.migration_validate(Migration.objects.get(pk=migration.pk))
    recall = migration.validation["query_set_recall_at_10"]
    assert recall["old"] >= 0.9 and recall["new"] >= 0.9 and migration.state == "ready"
    new.refresh_from_db()  # calibrated on the whole backfill before cutover: the first search does not wait
    assert new.relevance_floor == migration.validation["relevance_floor"] and new.relevance_floor_segments == 40
