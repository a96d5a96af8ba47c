"""Search on real embeddings, for ``benchmark_search --real N``: the shipped MiniLM model (the
``asset_text`` default, loaded by the project's own encoder) over N real English sentences found
offline (the docstrings of installed Python packages), with recall@10 against exact search; then,
over the whole library of that run, the latency of full-text search
(``assets.fulltext.metadata_matches``) and of fused text search (``embeddings.search.search_text``)
next to the vector search alone. Generated clusters are too easy to tell index settings apart
(recall 1.000 at 100k); real sentences are not.
"""

from __future__ import annotations

import ast
import re
import statistics
import sys
import sysconfig
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import connection

from assets.fulltext import metadata_matches
from assets.models import Asset
from benchmarks.measuring import percentile_ms
from benchmarks.synthetic import synthetic_asset_ids, synthetic_assets_create
from embeddings.calibration import relevance_floor_settle
from embeddings.defaults import ASSET_TEXT
from embeddings.encoders.loading import encoder_for
from embeddings.fusion import DEPTH
from embeddings.registry import model_version_register, role_activate
from embeddings.search import search_text
from embeddings.storage import EF_SEARCH, hnsw_index_create, nearest, vector_literal

_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_WORDY = re.compile(r"^[A-Z][A-Za-z ,;:'()\-]+[.!?]$")  # prose, not code, paths or tables


def doc_sentences(count: int) -> list[str]:
    """Up to ``count`` distinct sentences (6-40 words) from the docstrings of the installed
    packages, in a fixed order (files sorted by path), so every run reads the same ones."""
    found: dict[str, None] = {}
    root = Path(sysconfig.get_paths()["purelib"])
    for path in sorted(root.rglob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError, OSError):
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for sentence in _SENTENCE.split(" ".join((ast.get_docstring(node) or "").split())):
                if 6 <= len(sentence.split()) <= 40 and _WORDY.match(sentence):
                    found.setdefault(sentence)
                    if len(found) >= count:
                        return list(found)
    return list(found)


def _load(version, pairs: list[tuple[str, int]], vectors) -> None:
    raw = connection.connection  # psycopg's connection, for COPY
    with (
        raw.cursor() as cursor,
        cursor.copy(
            "COPY embeddings_embedding (asset_id, file_version_id, model_version_id, segment_start_ms, text, "
            "embedding, created_at) FROM STDIN"
        ) as copy,
    ):
        for (asset_id, file_version_id), vector in zip(pairs, vectors, strict=True):
            copy.write_row(
                (asset_id, file_version_id, version.pk, 0, "", vector_literal(vector), "2026-01-01T00:00:00Z")
            )


def _timed(function, inputs) -> tuple[list[float], list]:
    times, results = [], []
    for value in inputs:
        started = time.perf_counter()
        results.append(function(value))
        times.append(time.perf_counter() - started)
    return times, results


def measure_real(count: int, query_count: int) -> dict:
    """The figures of the real-embedding mode (inside the caller's rolled-back transaction)."""
    sentences = doc_sentences(count + 2 * query_count)
    # Neither the queries nor the warm-up's sentences are in the library.
    library, queries, warm_up = sentences[:count], sentences[count:-query_count], sentences[-query_count:]
    print(f"real sentences: {len(library)} in the library, {len(queries)} queries; embedding…", file=sys.stderr)
    version, _ = model_version_register(ASSET_TEXT)
    role_activate("asset_text", version)
    encoder = encoder_for(version)
    started = time.perf_counter()
    vectors = encoder.embed_texts(library)
    embed_seconds = time.perf_counter() - started
    synthetic_assets_create(len(library), prefix="benchmark-real")
    with connection.cursor() as cursor:
        # By their IDs as values: asked as IN (SELECT md5(...) FROM generate_series(...)), the
        # planner once chose to compute the md5s again for each of a million rows (45 minutes).
        cursor.execute(
            "SELECT id, current_version_id FROM assets_asset WHERE id = ANY(%s) ORDER BY id",
            [synthetic_asset_ids(len(library), prefix="benchmark-real")],
        )
        pairs = cursor.fetchall()
        # Real sentences as titles, so full-text and fused search read real words.
        cursor.execute(
            "UPDATE assets_asset AS a SET title = t.title, description = '' FROM "
            "(SELECT unnest(%s::text[]) AS id, unnest(%s::text[]) AS title) AS t WHERE a.id = t.id",
            [[asset_id for asset_id, _ in pairs], library[: len(pairs)]],
        )
        cursor.execute(f"DROP INDEX IF EXISTS {version.index_name}")
    _load(version, pairs, vectors[: len(pairs)])
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        hnsw_index_create(version)
        cursor.execute("ANALYZE embeddings_embedding")
        cursor.execute("ANALYZE assets_asset")
    relevance_floor_settle(version)  # as the worker does once it has written a version's vectors
    query_vectors = encoder.embed_texts(queries)
    exact = []
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_indexscan = off")
        for vector in query_vectors:
            cursor.execute(
                f"SELECT asset_id FROM embeddings_embedding WHERE model_version_id = {version.pk} "
                f"ORDER BY embedding <=> %s::vector LIMIT 10",
                [vector_literal(vector)],
            )
            exact.append({row[0] for row in cursor.fetchall()})
        cursor.execute("SET LOCAL enable_indexscan = on")
    sweep = {}
    for ef_search in (40, EF_SEARCH, 200):
        times, found = _timed(lambda v, ef=ef_search: nearest(version, v.tolist(), 10, ef_search=ef), query_vectors)
        recall = [len({n.asset_id for n in f} & truth) / 10 for f, truth in zip(found, exact, strict=True)]
        sweep[ef_search] = {
            "recall_at_10": statistics.mean(recall),
            "worst_recall_at_10": min(recall),
            "p50_ms": percentile_ms(times, 50),
            "p99_ms": percentile_ms(times, 99),
        }
    user = get_user_model().objects.create_superuser(username="benchmark-real", password=None)
    everyone = Asset.objects.all()
    # Vector search alone includes encoding the query, as the fused search does.
    # Each list also as fused search reads it: to DEPTH (so that the first k do not depend on k).
    vector_times, fulltext_times, fused_times, vector_deep, fulltext_deep = [], [], [], [], []
    lists = (
        (vector_times, lambda text: nearest(version, encoder.embed_texts([text])[0].tolist(), 10)),
        (fulltext_times, lambda text: metadata_matches(everyone, text, limit=10)),
        (fused_times, lambda text: search_text(user, text, 10)),
        (vector_deep, lambda text: nearest(version, encoder.embed_texts([text])[0].tolist(), DEPTH, everyone)),
        (fulltext_deep, lambda text: metadata_matches(everyone, text, limit=DEPTH)),
    )
    for text in warm_up:  # untimed, other sentences: a server that has been answering, not one just loaded
        for _, run in lists:
            run(text)
    for text in queries:  # all in turn, query by query: a busier moment weighs on each alike
        for times, run in lists:
            started = time.perf_counter()
            run(text)
            times.append(time.perf_counter() - started)
    # What fusion adds over the slowest single list it fuses (the goal: at most 30%), at p50 and p99.
    added = {
        percentile: percentile_ms(fused_times, percentile)
        / max(percentile_ms(vector_times, percentile), percentile_ms(fulltext_times, percentile))
        - 1
        for percentile in (50, 99)
    }
    deep = {
        percentile: percentile_ms(fused_times, percentile)
        / max(percentile_ms(vector_deep, percentile), percentile_ms(fulltext_deep, percentile))
        - 1
        for percentile in (50, 99)
    }
    # The slowest fused query, with what each list took for it: where fusion's own cost shows.
    slowest = max(range(len(queries)), key=fused_times.__getitem__)
    return {
        "slowest_fused_query": queries[slowest],
        "slowest_fused_ms": 1000 * fused_times[slowest],
        "slowest_fused_lists_ms": {
            "vector": 1000 * vector_deep[slowest],
            "fulltext": 1000 * fulltext_deep[slowest],
        },
        "vector_depth_p50_ms": percentile_ms(vector_deep, 50),
        "fulltext_depth_p50_ms": percentile_ms(fulltext_deep, 50),
        "fusion_adds_to_depth_lists_p50": deep[50],
        "fusion_adds_to_depth_lists_p99": deep[99],
        "real_sentences": len(pairs),
        "real_assets_searched": everyone.count(),
        "real_embed_seconds": embed_seconds,
        "real_ef_sweep": sweep,
        "real_recall_at_10": sweep[EF_SEARCH]["recall_at_10"],
        "vector_text_p50_ms": percentile_ms(vector_times, 50),
        "vector_text_p99_ms": percentile_ms(vector_times, 99),
        "fulltext_p50_ms": percentile_ms(fulltext_times, 50),
        "fulltext_p99_ms": percentile_ms(fulltext_times, 99),
        "fused_p50_ms": percentile_ms(fused_times, 50),
        "fused_p99_ms": percentile_ms(fused_times, 99),
        "fused_over_slowest_p50": 1 + added[50],
        "fusion_adds_p50": added[50],
        "fusion_adds_p99": added[99],
    }
