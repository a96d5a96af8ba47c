"""The relevance benchmark stays runnable on a small library, reports every ranking and keeps nothing."""

import json

import pytest
from django.core.management import call_command

from assets.models import Asset, Term
from benchmarks.relevance.judgements import PARAPHRASES, queries_for, shared_words
from benchmarks.relevance.library import SUBJECTS, library_describe
from embeddings.models import Embedding, ModelVersion

pytest.importorskip("sentence_transformers", reason="the ml extra is not installed")


def test_the_judgements_cover_every_class_and_paraphrases_share_no_word():
    queries = queries_for(library_describe())
    assert len(library_describe()) >= 300 and len(queries) >= 80
    assert {q.category for q in queries} >= {
        "metadata",
        "paraphrase",
        "place",
        "vocabulary",
        "spoken",
        "mixed",
        "typo",
        "quoted",
        "exclusion",
        "unanswerable",
    }
    subjects = {key: [title, description, *keywords] for key, title, keywords, description, _ in SUBJECTS}
    for text, key in PARAPHRASES:
        assert not shared_words(text, subjects[key]), text


@pytest.mark.django_db
def test_a_small_run_reports_each_ranking_and_keeps_nothing(capsys):
    call_command("benchmark_relevance", "--scale", "0.1", "--json", "--sweep")
    figures = json.loads(capsys.readouterr().out)
    assert {"fused", "metadata", "asset_text", "textbook_hybrid", "textbook_bm25"} <= set(figures["rankings"])
    fused = figures["rankings"]["fused"]
    assert 0 < fused["overall"]["ndcg_at_10"] <= 1 and "spoken" in fused["by_class"]
    assert fused["moment_accuracy"] is not None and figures["fused_k_dependent_queries"] == 0
    assert not Asset.objects.exists() and not Embedding.objects.exists() and not ModelVersion.objects.exists()
    assert not Term.objects.exists()
    swept = {row["setting"] for row in figures["sweep"]}
    assert {"weight_metadata", "weight_spoken", "floor_quantile", "partial_power", "weak_below"} <= swept
    [configured] = [row for row in figures["sweep"] if row["setting"] == "partial_power" and row["default"]]
    assert configured["ndcg_at_10"] == pytest.approx(fused["overall"]["ndcg_at_10"])  # the same evidence, fused alike
