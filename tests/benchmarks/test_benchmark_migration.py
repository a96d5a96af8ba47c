"""The migration benchmark stays runnable and leaves nothing behind."""

import json

import pytest
from django.core.management import call_command

from assets.models import Asset
from embeddings.models import Embedding, Migration, ModelVersion
from tests.conftest import broker_purge

pytest.importorskip("sentence_transformers", reason="the ml extra is not installed")


@pytest.mark.django_db(transaction=True)
def test_benchmark_reports_throughput_and_latency_and_keeps_nothing(capsys, settings):
    broker_purge()  # its worker would otherwise first work through what earlier tests left queued
    settings.DAM_MIGRATION_RATE_LIMIT = "10/s"  # handed to its worker process
    settings.DAM_MIGRATION_BATCH_SIZE = 4
    call_command("benchmark_migration", "--assets", "60", "--queries", "20", "--json")
    figures = json.loads(capsys.readouterr().out)
    assert (
        figures["assets"] == 60
        and figures["rate_limit"] == "10/s"
        and figures["worker_nice"] == 10
        and figures["migrating_queries"] >= 20
    )
    for key in ("first_time_per_second", "migration_per_second", "throughput_ratio", "idle_p99_ms", "p99_ratio"):
        assert figures[key] > 0
    assert not Asset.objects.exists() and not Migration.objects.exists()
    assert not ModelVersion.objects.filter(preprocessing__benchmark="migration").exists()
    assert not Embedding.objects.exists()
