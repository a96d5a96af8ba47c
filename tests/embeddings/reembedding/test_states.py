"""The state machine of re-embedding migrations: staged, audited, resumable, and search up throughout."""

import io
import json
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from embeddings.models import Embedding, Migration, MigrationBatch, MigrationEvent, Role
from embeddings.pipeline import embed_assets
from embeddings.reembedding import scheduling, states, validation
from tests.conftest import wait_for
from tests.embeddings.reembedding.conftest import backfill_here, library, versions

pytest.importorskip("sentence_transformers", reason="the ml extra is not installed")


@pytest.mark.django_db
def test_a_migration_goes_through_its_states_audited_and_refuses_what_makes_no_sense(django_user_model):
    ids = library()
    old, new = versions()
    embed_assets("asset_text", ids)
    boss = django_user_model.objects.create_user("boss")
    migration = states.migration_plan("asset_text", new, user=boss, reason="vendor deprecation")
    with pytest.raises(states.MigrationError, match="cannot cutover migration .* it is planned"):
        states.migration_cutover(migration)
    with pytest.raises(states.MigrationError, match="already has a migration under way"):
        states.migration_plan("asset_text", new)
    migration = states.migration_start(migration, user=boss)
    assert migration.state == "backfilling" and migration.total_assets == len(ids)
    assert MigrationBatch.objects.filter(migration=migration).count() == -(-len(ids) // migration.batch_size)
    backfill_here(migration)
    backfill_here(migration)  # a duplicated delivery of every batch changes nothing
    migration.refresh_from_db()
    assert migration.state == "validating" and migration.done_assets == len(ids)
    assert Embedding.objects.filter(model_version=new).count() == len(ids)
    migration = validation.migration_validate(migration)
    figures = migration.validation
    assert migration.state == "ready", figures["problems"]
    assert figures["coverage"] == 1.0 and figures["zero_or_nan_vectors"] == 0
    assert 0.5 <= figures["overlap_at_10"] <= 1.0  # the same weights: neighbourhoods mostly agree
    assert abs(figures["norms"]["new"]["mean"] - 1.0) < 1e-3
    assert Role.objects.get(name="asset_text").model_version == old  # search still on the old version
    migration = states.migration_cutover(migration, user=boss, reason="validated")
    assert Role.objects.get(name="asset_text").model_version == new
    with pytest.raises(states.MigrationError, match="kept until"):
        states.migration_retire(migration)
    scheduling.deprecations_check()  # the daily job leaves it: the retention period is not over
    assert Migration.objects.get(pk=migration.pk).state == "cut_over"
    migration = states.migration_rollback(migration, user=boss, reason="editors prefer the old results")
    assert Role.objects.get(name="asset_text").model_version == old
    assert Embedding.objects.filter(model_version=new).count() == len(ids)  # nothing dropped by a rollback
    trail = list(MigrationEvent.objects.filter(migration=migration).values_list("to_state", "user__username"))
    assert trail == [
        ("planned", "boss"),
        ("backfilling", "boss"),
        ("validating", None),
        ("ready", None),
        ("cut_over", "boss"),
        ("rolled_back", "boss"),
    ]


def test_a_full_migration_through_real_workers_while_searches_keep_coming(celery_worker, tmp_path):
    """Searches run in a thread through the whole migration, cutover and rollback: every one
    succeeds with full results from exactly one model version."""
    from django.contrib.auth import get_user_model

    ids = library(60)
    old, new = versions()
    embed_assets("asset_text", ids)
    user = get_user_model().objects.create_superuser("searcher", "s@example.org", "x")
    client = APIClient(HTTP_HOST="localhost")
    client.force_authenticate(user)
    seen, errors, stop = [], [], threading.Event()

    def searching():
        try:
            search_until_stopped()
        finally:
            connection.close()

    def search_until_stopped():
        while not stop.is_set():
            response = client.post("/api/search/", {"text": "boats in a harbour", "k": 10}, format="json")
            if response.status_code != 200:
                errors.append(response.content[:200])
                continue
            results = response.json()["results"]
            text_versions = {v for r in results for v in r["model_versions"]}
            if len(results) != 10 or len(text_versions) != 1:
                errors.append((len(results), text_versions))
            seen.append(text_versions.pop() if len(text_versions) == 1 else None)

    searcher = threading.Thread(target=searching, daemon=True)
    searcher.start()
    try:
        migration = states.migration_start(states.migration_plan("asset_text", new))
        migration = wait_for(
            lambda: Migration.objects.filter(pk=migration.pk, state="ready").first(),
            timeout=120,
            message=f"the migration to be backfilled and validated; worker log:\n{celery_worker.log()}",
        )
        assert Embedding.objects.filter(model_version=new).count() == len(ids)
        before = len(seen)
        states.migration_cutover(migration)
        wait_for(lambda: len(seen) > before + 3, timeout=60, message="searches after the cutover")
        at_cutover = len(seen)
        states.migration_rollback(Migration.objects.get(pk=migration.pk))
        wait_for(lambda: len(seen) > at_cutover + 3, timeout=60, message="searches after the rollback")
    finally:
        stop.set()
        searcher.join(timeout=30)
    assert not errors, errors[:5]
    assert seen[0] == old.pk and new.pk in seen and seen[-1] == old.pk
    buffer = io.StringIO()
    call_command("migrate_embeddings", "status", str(migration.pk), "--json", stdout=buffer)
    status = json.loads(buffer.getvalue())
    assert (status["state"], status["done"], status["total"], status["failed"]) == ("rolled_back", 60, 60, 0)


@pytest.mark.django_db
def test_the_command_runs_every_step_and_explains_refusals(capsys):
    from django.core.management import CommandError

    ids = library(10)
    _, new = versions()
    embed_assets("asset_text", ids)
    call_command("migrate_embeddings", "plan", "asset_text", str(new.pk), "--reason", "new preprocessing")
    migration = Migration.objects.get()
    assert f"migration {migration.pk} (asset_text: version" in capsys.readouterr().out
    with pytest.raises(CommandError, match="cannot cutover migration .* it is planned"):
        call_command("migrate_embeddings", "cutover", str(migration.pk))
    call_command("migrate_embeddings", "start", str(migration.pk))
    call_command("migrate_embeddings", "pause", str(migration.pk), "--reason", "peak hours")
    states.migration_batch_run(migration.batches.first().pk)  # a paused migration's batch waits
    assert not migration.batches.filter(done=True).exists()
    call_command("migrate_embeddings", "resume", str(migration.pk))
    backfill_here(migration)
    call_command("migrate_embeddings", "validate", str(migration.pk))
    capsys.readouterr()
    call_command("migrate_embeddings", "status", str(migration.pk), "--json")
    status = json.loads(capsys.readouterr().out)
    assert (status["state"], status["done"], status["total"], status["passed"]) == ("ready", 10, 10, True)
    assert list(migration.events.values_list("reason", flat=True))[:3] == ["new preprocessing", "", "peak hours"]
    with pytest.raises(CommandError, match="no migration 999"):
        call_command("migrate_embeddings", "status", "999")
