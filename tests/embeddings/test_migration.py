"""Re-embedding migrations: staged, audited, resumable, and search up throughout."""

import io
import json
import threading
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from assets.models import Asset
from benchmarks.synthetic import synthetic_assets_create
from embeddings import migration as service
from embeddings.defaults import ASSET_TEXT, default_models_register
from embeddings.models import Embedding, Migration, MigrationBatch, MigrationEvent, ModelAlert, ModelVersion, Role
from embeddings.pipeline import embed_assets
from embeddings.registry import model_version_register
from tests.conftest import wait_for

pytest.importorskip("sentence_transformers", reason="the ml extra is not installed")

SUBJECTS = ["harbour with sailing boats", "snowy mountain summit", "city traffic at night", "forest in autumn"]


def library(count: int = 40) -> list[str]:
    """Assets with distinct titles (the asset_text role embeds their metadata)."""
    synthetic_assets_create(count, prefix="migration")
    ids = list(Asset.objects.order_by("pk").values_list("pk", flat=True))
    for number, asset_id in enumerate(ids):
        Asset.objects.filter(pk=asset_id).update(title=f"{SUBJECTS[number % len(SUBJECTS)]} number {number}")
    return ids


def versions():
    """The active asset_text version, and a new one: the same weights with another preprocessing,
    which is a new model version (as a vendor's preprocessor change would be)."""
    default_models_register()
    old = Role.objects.get(name="asset_text").model_version
    new, _ = model_version_register(
        {**ASSET_TEXT, "preprocessing": {**ASSET_TEXT["preprocessing"], "max_seq_length": 128}}
    )
    return old, new


def backfill_here(migration: Migration) -> None:
    for batch_id in migration.batches.order_by("number").values_list("pk", flat=True):
        service.migration_batch_run(batch_id)


@pytest.mark.django_db
def test_a_migration_goes_through_its_states_audited_and_refuses_what_makes_no_sense(django_user_model):
    ids = library()
    old, new = versions()
    embed_assets("asset_text", ids)
    boss = django_user_model.objects.create_user("boss")
    migration = service.migration_plan("asset_text", new, user=boss, reason="vendor deprecation")
    with pytest.raises(service.MigrationError, match="cannot cutover migration .* it is planned"):
        service.migration_cutover(migration)
    with pytest.raises(service.MigrationError, match="already has a migration under way"):
        service.migration_plan("asset_text", new)
    migration = service.migration_start(migration, user=boss)
    assert migration.state == "backfilling" and migration.total_assets == len(ids)
    assert MigrationBatch.objects.filter(migration=migration).count() == -(-len(ids) // migration.batch_size)
    backfill_here(migration)
    backfill_here(migration)  # a duplicated delivery of every batch changes nothing
    migration.refresh_from_db()
    assert migration.state == "validating" and migration.done_assets == len(ids)
    assert Embedding.objects.filter(model_version=new).count() == len(ids)
    migration = service.migration_validate(migration)
    figures = migration.validation
    assert migration.state == "ready", figures["problems"]
    assert figures["coverage"] == 1.0 and figures["zero_or_nan_vectors"] == 0
    assert 0.5 <= figures["overlap_at_10"] <= 1.0  # the same weights: neighbourhoods mostly agree
    assert abs(figures["norms"]["new"]["mean"] - 1.0) < 1e-3
    assert Role.objects.get(name="asset_text").model_version == old  # search still on the old version
    migration = service.migration_cutover(migration, user=boss, reason="validated")
    assert Role.objects.get(name="asset_text").model_version == new
    with pytest.raises(service.MigrationError, match="kept until"):
        service.migration_retire(migration)
    service.deprecations_check()  # the daily job leaves it: the retention period is not over
    assert Migration.objects.get(pk=migration.pk).state == "cut_over"
    migration = service.migration_rollback(migration, user=boss, reason="editors prefer the old results")
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


@pytest.mark.django_db
def test_retiring_drops_the_old_vectors_and_index_after_cutover():
    ids = library(12)
    old, new = versions()
    embed_assets("asset_text", ids)
    migration = service.migration_start(service.migration_plan("asset_text", new))
    backfill_here(migration)
    migration = service.migration_cutover(service.migration_validate(migration))
    Migration.objects.filter(pk=migration.pk).update(retire_after=migration.retire_after - timedelta(days=31))
    service.deprecations_check()  # the daily job retires it once the retention period is over
    assert Migration.objects.get(pk=migration.pk).state == "retired"
    assert not Embedding.objects.filter(model_version=old).exists()
    assert ModelVersion.objects.get(pk=old.pk).status == "retired"
    assert Embedding.objects.filter(model_version=new).count() == len(ids)


@pytest.mark.django_db
def test_failed_assets_block_ready_unless_forced_with_a_reason(monkeypatch):
    ids = library(8)
    _, new = versions()
    embed_assets("asset_text", ids)
    migration = service.migration_start(service.migration_plan("asset_text", new))
    broken = ids[3]
    real = service._embed_batch

    def failing(migration, asset_ids):
        failures = real(migration, [a for a in asset_ids if a != broken])
        return {**failures, **({broken: "OSError: the raw file could not be read"} if broken in asset_ids else {})}

    monkeypatch.setattr(service, "_embed_batch", failing)
    backfill_here(migration)
    migration = service.migration_validate(Migration.objects.get(pk=migration.pk))
    assert migration.state == "validating" and migration.failed_assets == 1
    assert "coverage 87.5% is below 100%" in migration.validation["problems"][0]
    with pytest.raises(service.MigrationError, match="needs a reason"):
        service.migration_force_ready(migration)
    monkeypatch.setattr(service, "_embed_batch", real)
    assert service.migration_retry_failures(migration) == 0  # fixed: the retry embeds it
    migration = service.migration_validate(Migration.objects.get(pk=migration.pk))
    assert migration.state == "ready" and migration.failed_assets == 0


@pytest.mark.django_db
def test_the_daily_job_plans_a_migration_from_a_deprecation_date_or_raises_an_alert(settings):
    from django_celery_beat.models import PeriodicTask

    assert PeriodicTask.objects.filter(task="embeddings.tasks.deprecation_check_task").exists()
    library(4)
    old, new = versions()
    ModelVersion.objects.filter(pk=old.pk).update(deprecation_date=date.today() + timedelta(days=10))
    assert service.deprecations_check() == []  # no successor: a person is told
    alert = ModelAlert.objects.get(version=old, resolved_at=None)
    assert "has no successor" in alert.message
    ModelVersion.objects.filter(pk=old.pk).update(successor=new)
    settings.DAM_MIGRATION_AUTO_START = True
    [migration] = service.deprecations_check()
    assert (migration.role, migration.to_version_id, migration.state) == ("asset_text", new.pk, "backfilling")
    assert ModelAlert.objects.get(pk=alert.pk).resolved_at is not None
    assert service.deprecations_check() == []  # one migration per role at a time


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
        migration = service.migration_start(service.migration_plan("asset_text", new))
        migration = wait_for(
            lambda: Migration.objects.filter(pk=migration.pk, state="ready").first(),
            timeout=120,
            message=f"the migration to be backfilled and validated; worker log:\n{celery_worker.log()}",
        )
        assert Embedding.objects.filter(model_version=new).count() == len(ids)
        before = len(seen)
        service.migration_cutover(migration)
        wait_for(lambda: len(seen) > before + 3, timeout=60, message="searches after the cutover")
        at_cutover = len(seen)
        service.migration_rollback(Migration.objects.get(pk=migration.pk))
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
def test_the_admin_and_the_api_show_progress_validation_and_the_drift_plot(client, django_user_model, api_client):
    ids = library(16)
    old, new = versions()
    embed_assets("asset_text", ids)
    migration = service.migration_start(service.migration_plan("asset_text", new))
    backfill_here(migration)
    migration = service.migration_validate(Migration.objects.get(pk=migration.pk))
    client.force_login(django_user_model.objects.create_superuser("boss", "b@example.org", "x"))
    listing = client.get("/admin/embeddings/migration/").content.decode()
    assert '<progress value="16" max="16"' in listing and "Ready" in listing
    page = client.get(f"/admin/embeddings/migration/{migration.pk}/change/").content.decode()
    assert "Coverage" in page and "100.0% (16 of 16 assets)" in page and "Audit trail" in page
    assert f"/admin/embeddings/migration/{migration.pk}/drift.png" in page
    plot = client.get(f"/admin/embeddings/migration/{migration.pk}/drift.png")
    assert plot["Content-Type"] == "image/png" and plot.content.startswith(b"\x89PNG")
    from PIL import Image

    assert Image.open(io.BytesIO(plot.content)).size == (900, 340)
    response = client.post(
        "/admin/embeddings/migration/",
        {"action": "cutover", "_selected_action": [migration.pk], "index": 0},
        follow=True,
    )
    assert f"Migration {migration.pk}: cut_over" in response.content.decode()
    assert Role.objects.get(name="asset_text").model_version == new
    response = client.post(
        "/admin/embeddings/migration/",
        {"action": "resume", "_selected_action": [migration.pk], "index": 0},
        follow=True,
    )
    assert "Cannot resume migration" in response.content.decode()
    listed = api_client.get("/api/embedding-migrations/").json()["results"][0]
    assert (listed["state"], listed["progress"]["done"], listed["validation"]["passed"]) == ("cut_over", 16, True)
    assert [event["to_state"] for event in listed["events"]] == [
        "planned",
        "backfilling",
        "validating",
        "ready",
        "cut_over",
    ]
    assert api_client.post("/api/embedding-migrations/", {}).status_code == 405  # read-only


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
    service.migration_batch_run(migration.batches.first().pk)  # a paused migration's batch waits
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


@pytest.mark.django_db
def test_assets_edited_during_a_migration_are_embedded_by_both_versions(
    monkeypatch, django_user_model, django_capture_on_commit_callbacks
):
    from assets.editing import asset_metadata_update
    from embeddings.tasks import embed_task

    ids = library(8)
    old, new = versions()
    embed_assets("asset_text", ids)
    migration = service.migration_start(service.migration_plan("asset_text", new))
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


@pytest.mark.django_db
def test_validation_measures_recall_on_a_configured_query_set(settings, tmp_path):
    ids = library(40)
    _, new = versions()
    embed_assets("asset_text", ids)
    harbours = [asset_id for number, asset_id in enumerate(ids) if number % len(SUBJECTS) == 0][:10]
    queries = tmp_path / "queries.json"
    queries.write_text(json.dumps([{"text": "sailing boats in a harbour", "expected": harbours}]))
    settings.DAM_MIGRATION_QUERY_SET = str(queries)
    migration = service.migration_start(service.migration_plan("asset_text", new))
    backfill_here(migration)
    migration = service.migration_validate(Migration.objects.get(pk=migration.pk))
    recall = migration.validation["query_set_recall_at_10"]
    assert recall["old"] >= 0.9 and recall["new"] >= 0.9 and migration.state == "ready"
