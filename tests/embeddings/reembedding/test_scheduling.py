"""The daily job: migrations planned from deprecation dates, alerts, retirement after retention."""

from datetime import date, timedelta

import pytest

from embeddings.models import Embedding, Migration, ModelAlert, ModelVersion
from embeddings.pipeline import embed_assets
from embeddings.reembedding import scheduling, states, validation
from tests.embeddings.reembedding.conftest import backfill_here, library, versions

pytest.importorskip("sentence_transformers", reason="the ml extra is not installed")


@pytest.mark.django_db
def test_retiring_drops_the_old_vectors_and_index_after_cutover():
    ids = library(12)
    old, new = versions()
    embed_assets("asset_text", ids)
    migration = states.migration_start(states.migration_plan("asset_text", new))
    backfill_here(migration)
    migration = states.migration_cutover(validation.migration_validate(migration))
    Migration.objects.filter(pk=migration.pk).update(retire_after=migration.retire_after - timedelta(days=31))
    scheduling.deprecations_check()  # the daily job retires it once the retention period is over
    assert Migration.objects.get(pk=migration.pk).state == "retired"
    assert not Embedding.objects.filter(model_version=old).exists()
    assert ModelVersion.objects.get(pk=old.pk).status == "retired"
    assert Embedding.objects.filter(model_version=new).count() == len(ids)


@pytest.mark.django_db
def test_the_daily_job_plans_a_migration_from_a_deprecation_date_or_raises_an_alert(settings):
    from django_celery_beat.models import PeriodicTask

    assert PeriodicTask.objects.filter(task="embeddings.tasks.deprecation_check_task").exists()
    library(4)
    old, new = versions()
    ModelVersion.objects.filter(pk=old.pk).update(deprecation_date=date.today() + timedelta(days=10))
    assert scheduling.deprecations_check() == []  # no successor: a person is told
    alert = ModelAlert.objects.get(version=old, resolved_at=None)
    assert "has no successor" in alert.message
    ModelVersion.objects.filter(pk=old.pk).update(successor=new)
    settings.DAM_MIGRATION_AUTO_START = True
    [migration] = scheduling.deprecations_check()
    assert (migration.role, migration.to_version_id, migration.state) == ("asset_text", new.pk, "backfilling")
    assert ModelAlert.objects.get(pk=alert.pk).resolved_at is not None
    assert scheduling.deprecations_check() == []  # one migration per role at a time
