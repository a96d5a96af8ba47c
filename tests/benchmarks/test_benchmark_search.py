"""The search benchmark stays runnable and keeps nothing."""

import json

import pytest
from django.core.management import call_command

from assets.models import Asset
from embeddings.models import Embedding


@pytest.mark.django_db
def test_benchmark_reports_recall_and_latencies_and_keeps_nothing(capsys):
    call_command(
        "benchmark_search",
        "--vectors",
        "2000",
        "--dimension",
        "32",
        "--queries",
        "10",
        "--clusters",
        "10",
        "--halfvec",
        "--real",
        "300",
        "--json",
    )
    figures = json.loads(capsys.readouterr().out)
    assert figures["vectors"] == 2000 and 0.5 <= figures["recall_at_10"] <= 1.0 and figures["shared_buffers"]
    assert figures["filtered_full_k_share"] == 1.0
    assert 0.5 <= figures["halfvec_recall_at_10"] <= 1.0 and 0 < figures["halfvec_index_mb"] < figures["index_mb"]
    for key in ("p50_ms", "p99_ms", "filtered_p50_ms", "sql_p50_ms", "rights_sql_p50_ms", "api_p50_ms"):
        assert figures[key] > 0
    # Real sentences by the shipped MiniLM model: a recall that can be below 1, and the text searches.
    assert figures["real_sentences"] == 300 and 0.5 <= figures["real_recall_at_10"] <= 1.0
    assert figures["real_assets_searched"] == 2300
    for key in ("vector_text_p50_ms", "fulltext_p50_ms", "fused_p50_ms", "fused_p99_ms", "vector_depth_p50_ms"):
        assert figures[key] > 0
    # Both strategies of the filtered search, forced and timed, and the one the estimates chose.
    assert {"exact", "scan", "chosen"} <= set(figures["strategies"])
    assert figures["strategies"]["exact"]["ms_per_unit"] > 0 and figures["strategies"]["scan"]["ms_per_unit"] > 0
    assert not Asset.objects.exists() and not Embedding.objects.exists()
