"""python manage.py benchmark_search --vectors 1000000: vector search at scale, in one run.

Generates N clustered vectors (like real embeddings; uniform random ones are a worst case for
HNSW) for N synthetic assets, builds the version's HNSW index, and reports for 100 queries:
recall@10 against exact search, p50/p99 latency of the index search with and without a filter
keeping 1% of the assets, and the latency of the API (``POST /api/search/`` with ``asset_id``,
rights filter included) next to the raw SQL query it runs. Everything is rolled back.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from assets.models import Asset
from assets.selectors import asset_ids_visible_to
from benchmarks.measuring import figures_json, percentile_ms, rolled_back
from benchmarks.real_text import measure_real
from benchmarks.synthetic import synthetic_assets_create
from embeddings import storage
from embeddings.calibration import relevance_floor_settle
from embeddings.fusion import DEPTH
from embeddings.registry import model_version_register, role_activate
from embeddings.storage import EF_SEARCH, StoredVector, hnsw_index_create, nearest, vector_literal


class Command(BaseCommand):
    help = "Benchmark HNSW search (recall, latency, 1% filter, API overhead) on generated vectors (nothing is kept)."

    def add_arguments(self, parser):
        parser.add_argument("--vectors", type=int, default=1_000_000)
        parser.add_argument("--dimension", type=int, default=512)
        parser.add_argument("--queries", type=int, default=100)
        parser.add_argument("--clusters", type=int, default=100)
        parser.add_argument(
            "--halfvec", action="store_true", help="also measure a half-precision (halfvec) index: size and recall"
        )
        parser.add_argument(
            "--real",
            type=int,
            default=0,
            help="also this many real sentences by the shipped MiniLM model: recall, full-text and fused latency",
        )
        parser.add_argument("--json", action="store_true")

    def handle(
        self,
        *args,
        vectors: int,
        dimension: int,
        queries: int,
        clusters: int,
        halfvec: bool,
        json: bool,
        real: int = 0,
        **options,
    ):
        figures = {}
        if not connection.in_atomic_block:  # dead rows of earlier (rolled back) runs would skew the timings
            with connection.cursor() as cursor:
                for table in ("assets_asset", "assets_fileversion", "embeddings_embedding"):
                    cursor.execute(f"VACUUM (ANALYZE) {table}")
        with rolled_back():
            figures = _measure(vectors, dimension, queries, clusters, halfvec)
            if real:
                figures.update(measure_real(real, queries))
        if json:
            self.stdout.write(figures_json(figures))
            return
        self.stdout.write(
            f"{vectors} vectors of {dimension} dimensions in {clusters} clusters ({LATENT} latent dimensions each); "
            f"HNSW built in "
            f"{figures['index_build_seconds']:.1f} s; {queries} queries, k=10; "
            f"shared_buffers {figures['shared_buffers']}\n"
            + "".join(
                f"  ef_search {ef:<4}            recall@10 {row['recall_at_10']:.3f}   p50 {row['p50_ms']:6.2f} ms   "
                f"p99 {row['p99_ms']:6.2f} ms   worst query {row['worst_recall_at_10']:.1f}, "
                f"{row['queries_below_0_8']} below 0.8{'   (the default)' if int(ef) == figures['ef_search'] else ''}\n"
                for ef, row in figures["ef_sweep"].items()
            )
            + f"  with a {figures['filter_share']:.1%} filter          p50 {figures['filtered_p50_ms']:7.2f} ms   p99 "
            f"{figures['filtered_p99_ms']:7.2f} ms   full k in {figures['filtered_full_k_share']:.0%} of queries, "
            f"recall@10 {figures['filtered_recall_at_10']:.3f}\n"
            f"  index only, no rights     p50 {figures['sql_p50_ms']:7.2f} ms   p99 {figures['sql_p99_ms']:7.2f} ms\n"
            f"  the API's SQL, run raw    p50 {figures['rights_sql_p50_ms']:7.2f} ms   p99 "
            f"{figures['rights_sql_p99_ms']:7.2f} ms   (the statements it sends: rights checked, titles read)\n"
            f"  API (more like this)      p50 {figures['api_p50_ms']:7.2f} ms   p99 {figures['api_p99_ms']:7.2f} ms   "
            f"{figures['api_ratio_p50']:.2f}x its SQL at p50, {figures['api_ratio_p99']:.2f}x at p99\n"
            f"  HNSW index size           {figures['index_mb']:.1f} MB (vector)\n"
        )
        self.stdout.write(
            "".join(
                f"  1% filter, {name:<5} forced p50 {row['p50_ms']:7.2f} ms   {row['ms_per_unit']:.4f} ms per "
                f"{'asset' if name == 'exact' else 'candidate'}\n"
                for name, row in figures["strategies"].items()
            )
        )
        if real:
            self.stdout.write(
                f"  real sentences            {figures['real_sentences']} (MiniLM, embedded in "
                f"{figures['real_embed_seconds']:.0f} s), searched among {figures['real_assets_searched']} assets\n"
                + "".join(
                    f"    ef_search {ef:<4}  recall@10 {row['recall_at_10']:.3f}   p50 {row['p50_ms']:6.2f} ms   "
                    f"p99 {row['p99_ms']:6.2f} ms   worst query {row['worst_recall_at_10']:.1f}\n"
                    for ef, row in figures["real_ef_sweep"].items()
                )
                + "".join(
                    f"    {label:<22} p50 {figures[key + '_p50_ms']:7.2f} ms   p99 {figures[key + '_p99_ms']:7.2f} ms\n"
                    for label, key in (
                        ("vector (query encoded)", "vector_text"),
                        ("full-text", "fulltext"),
                        ("fused (search_text)", "fused"),
                    )
                )
                + f"    fusion adds {figures['fusion_adds_p50']:.0%} to the slowest single list at p50, "
                f"{figures['fusion_adds_p99']:.0%} at p99 (goal: at most 30%)\n"
                f"    the lists read to depth {DEPTH}, as fused search reads them: vector p50 "
                f"{figures['vector_depth_p50_ms']:.2f} ms, full-text p50 {figures['fulltext_depth_p50_ms']:.2f} ms; "
                f"fusion adds {figures['fusion_adds_to_depth_lists_p50']:.0%} to the slower at p50, "
                f"{figures['fusion_adds_to_depth_lists_p99']:.0%} at p99\n"
                f"    slowest fused query {figures['slowest_fused_ms']:.0f} ms (lists to depth {DEPTH}: vector "
                f"{figures['slowest_fused_lists_ms']['vector']:.0f} ms, full-text "
                f"{figures['slowest_fused_lists_ms']['fulltext']:.0f} ms): {figures['slowest_fused_query'][:70]!r}\n"
            )
        if halfvec:
            self.stdout.write(
                f"  halfvec index             {figures['halfvec_index_mb']:.1f} MB, built in "
                f"{figures['halfvec_build_seconds']:.1f} s, recall@10 {figures['halfvec_recall_at_10']:.3f}, "
                f"p50 {figures['halfvec_p50_ms']:.2f} ms\n"
            )


def _savepoint(sql: str) -> bool:
    return sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT"))


LATENT = 32  # intrinsic dimension of the spread within a cluster


def _clustered(generator, centres, count: int) -> numpy.ndarray:
    """Points around ``centres`` that vary along a few directions per cluster plus a little noise,
    like real embeddings (which lie near low-dimensional manifolds). Isotropic noise in all 512
    dimensions would be the worst case for any approximate index, like uniform random vectors."""
    dimension = centres.shape[1]
    bases = numpy.random.default_rng(29).normal(size=(len(centres), LATENT, dimension)) / numpy.sqrt(LATENT)
    which = generator.integers(0, len(centres), count)
    latent = generator.normal(size=(count, LATENT))
    points = (
        centres[which]
        + numpy.einsum("nl,nld->nd", latent, bases[which])
        + 0.05 * generator.normal(size=(count, dimension))
    )
    return (points / numpy.linalg.norm(points, axis=1, keepdims=True)).astype(numpy.float32)


def _index_mb(name: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_relation_size(%s::regclass)", [name])
        return cursor.fetchone()[0] / 2**20


def _halfvec(version, dimension: int, query_vectors, exact: list[list[str]]) -> dict:
    """The same vectors in a half-precision HNSW index: its size, build time and recall@10."""
    name = f"{version.index_name}_half"
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE INDEX {name} ON embeddings_embedding USING hnsw "
            f"((embedding::halfvec({dimension})) halfvec_cosine_ops) WHERE model_version_id = {version.pk}"
        )
    build = time.perf_counter() - started
    latencies, recall = [], []
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL hnsw.ef_search = {EF_SEARCH}")
        for vector, truth in zip(query_vectors, exact, strict=True):
            literal = vector_literal(vector)
            started = time.perf_counter()
            cursor.execute(
                f"SELECT asset_id FROM embeddings_embedding WHERE model_version_id = {version.pk} "
                f"ORDER BY (embedding::halfvec({dimension})) <=> %s::halfvec({dimension}) LIMIT 10",
                [literal],
            )
            found = [row[0] for row in cursor.fetchall()]
            latencies.append(time.perf_counter() - started)
            recall.append(len(set(found) & set(truth)) / 10)
        cursor.execute("SET LOCAL hnsw.ef_search = 100")
    return {
        "halfvec_index_mb": _index_mb(name),
        "halfvec_build_seconds": build,
        "halfvec_recall_at_10": statistics.mean(recall),
        "halfvec_p50_ms": percentile_ms(latencies, 50),
    }


def _strategies(version, query_vectors, kept) -> dict:
    """Each way of answering the 1% filter, forced, timed: the figures behind
    ``storage.EXACT_MS_PER_ROW`` (per asset of the filter) and ``SCAN_MS_PER_CANDIDATE`` (per
    candidate the iterative scan reads: about k / share, at least ef_search)."""
    ids = storage.as_asset_ids(kept)
    chosen = storage.strategy_choose(version, 10, EF_SEARCH, ids)
    rows = kept.count()
    share = rows / max(chosen.vectors, 1)
    units = {"exact": rows, "scan": max(EF_SEARCH, 10 / max(share, 1e-9))}
    figures = {}
    for name, run in (
        ("exact", lambda v: storage._exact_among(version, v, 10, ids)),
        ("scan", lambda v: storage._filtered_scan(version, v, 10, EF_SEARCH, ids)),
    ):
        times = []
        for vector in query_vectors:
            started = time.perf_counter()
            run(vector.tolist())
            times.append(time.perf_counter() - started)
        figures[name] = {"p50_ms": percentile_ms(times, 50), "ms_per_unit": percentile_ms(times, 50) / units[name]}
    figures["chosen"] = {"p50_ms": figures[chosen.kind]["p50_ms"], "ms_per_unit": 0.0, "kind": chosen.kind}
    return figures


def _measure(count: int, dimension: int, query_count: int, cluster_count: int, halfvec: bool = False) -> dict:
    generator = numpy.random.default_rng(11)
    centres = generator.normal(size=(cluster_count, dimension))
    print(f"creating {count} assets…", file=sys.stderr)
    synthetic_assets_create(count, prefix="benchmark-search")
    weights = Path(tempfile.mkdtemp(prefix="dam-bench-search-"))
    (weights / "model.safetensors").write_bytes(b"benchmark vectors")
    version, _ = model_version_register(
        {
            "family": "text",
            "name": "benchmark vectors",
            "source_kind": "directory",
            "source": str(weights),
            "dimension": dimension,
            "modalities": ["text"],
            "preprocessing": {"benchmark": dimension},
        }
    )
    role_activate("asset_text", version)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {version.index_name}")  # built once, after the load (faster)
        cursor.execute(
            "SELECT id, current_version_id FROM assets_asset WHERE id IN "
            "(SELECT id FROM assets_asset ORDER BY id) ORDER BY id"
        )
        pairs = cursor.fetchall()
    print(f"loading {len(pairs)} vectors…", file=sys.stderr)
    raw = connection.connection  # psycopg's connection, for COPY
    chunk = 50_000
    for start in range(0, len(pairs), chunk):
        block = _clustered(generator, centres, len(pairs[start : start + chunk]))
        with (
            raw.cursor() as cursor,
            cursor.copy(
                "COPY embeddings_embedding (asset_id, file_version_id, model_version_id, segment_start_ms, text, "
                "embedding, created_at) FROM STDIN"
            ) as copy,
        ):
            for (asset_id, file_version_id), vector in zip(pairs[start : start + chunk], block, strict=True):
                # Six decimals, not ``vector_literal``'s exact form: these vectors are random, and
                # the shorter text halves what a million rows send through COPY.
                text = "[" + ",".join(f"{value:.6f}" for value in vector) + "]"
                copy.write_row((asset_id, file_version_id, version.pk, 0, "", text, "2026-01-01T00:00:00Z"))
    print("building the HNSW index…", file=sys.stderr)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '4GB'")  # the graph fits: a much faster build
        hnsw_index_create(version)
        cursor.execute("ANALYZE embeddings_embedding")
    build_seconds = time.perf_counter() - started
    relevance_floor_settle(version)  # as the worker does once it has written a version's vectors

    query_vectors = _clustered(generator, centres, query_count)
    # Other queries of the same clusters, run untimed before each timed section: the timings are
    # of a server that has been answering, not of the first reads after the build.
    warm_up_vectors = _clustered(generator, centres, query_count)
    # Exact answers: a sequential scan (the index switched off for these queries only).
    exact = []
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_indexscan = off")
        for vector in query_vectors:
            literal = vector_literal(vector)
            cursor.execute(
                f"SELECT asset_id FROM embeddings_embedding WHERE model_version_id = {version.pk} "
                f"ORDER BY (embedding::vector({dimension})) <=> %s::vector({dimension}) LIMIT 10",
                [literal],
            )
            exact.append([row[0] for row in cursor.fetchall()])
        cursor.execute("SET LOCAL enable_indexscan = on")

    for vector in warm_up_vectors:
        nearest(version, vector.tolist(), 10)
    sweep = {}
    for ef_search in (40, EF_SEARCH, 200, 400):
        latencies, recall = [], []
        for vector, truth in zip(query_vectors, exact, strict=True):
            started = time.perf_counter()
            found = nearest(version, vector.tolist(), 10, ef_search=ef_search)
            latencies.append(time.perf_counter() - started)
            recall.append(len({n.asset_id for n in found} & set(truth)) / 10)
        sweep[ef_search] = {
            "recall_at_10": statistics.mean(recall),
            "worst_recall_at_10": min(recall),  # a few poorly linked neighbourhoods show here, not in the mean
            "queries_below_0_8": sum(value < 0.8 for value in recall),
            "p50_ms": percentile_ms(latencies, 50),
            "p99_ms": percentile_ms(latencies, 99),
        }

    # About 1% of the assets (IDs starting 00, 01 or 02: 3/256), by an indexed condition, like a
    # selective metadata filter with an index.
    kept = Asset.objects.filter(Q(pk__startswith="00") | Q(pk__startswith="01") | Q(pk__startswith="02"))
    kept_ids = set(kept.values_list("pk", flat=True))
    half = max(query_count // 2, 1)
    # Each query's exact answer first: read between the timed searches, its scan of the filter's
    # vectors would leave each search to start on caches that scan filled.
    truths = []
    with connection.cursor() as cursor:
        for vector in query_vectors[:half]:
            literal = vector_literal(vector)
            cursor.execute(
                f"SELECT asset_id FROM embeddings_embedding WHERE model_version_id = {version.pk} "
                "AND asset_id = ANY(%s) "
                f"ORDER BY ((embedding::vector({dimension})) <=> %s::vector({dimension})) + 0 LIMIT 10",
                [list(kept_ids), literal],
            )
            truths.append({row[0] for row in cursor.fetchall()})
    for vector in warm_up_vectors[:half]:
        nearest(version, vector.tolist(), 10, assets=kept)
    filtered, full_k, filtered_recall = [], 0, []
    for vector, truth in zip(query_vectors[:half], truths, strict=True):
        started = time.perf_counter()
        found = nearest(version, vector.tolist(), 10, assets=kept)
        filtered.append(time.perf_counter() - started)
        full_k += len(found) == 10
        filtered_recall.append(len({n.asset_id for n in found} & truth) / 10)

    # Forced, each strategy reads the other half of the queries: the half just timed would find
    # the pages the chosen search read still in memory.
    strategies = _strategies(version, query_vectors[half:] if len(query_vectors) > 1 else query_vectors, kept)

    # The API (auth, rights selector, serialisation) next to the SQL it runs for "more like this".
    user = get_user_model().objects.create_user(username="benchmark-search", password=None)
    client = APIClient(HTTP_HOST="localhost")
    client.force_authenticate(user)
    sample = [asset_id for asset_id, _ in pairs[:: max(len(pairs) // query_count, 1)]][:query_count]
    sql_times, rights_sql_times, api_times = [], [], []
    visible_ids = asset_ids_visible_to(user)
    from embeddings.models import Embedding

    stored = {
        asset_id: list(Embedding.objects.get(asset_id=asset_id, model_version=version).embedding) for asset_id in sample
    }
    # The statements the API runs for each asset (the search settings, then the search: the
    # asset's own vector if the caller may see it, the neighbours the caller may see, titles),
    # captured as sent, to be run raw: no query building, no framework.
    statements = {}
    for asset_id in sample:  # also one pass first, so that no measured loop warms the cache for another
        with CaptureQueriesContext(connection) as captured:
            nearest(version, StoredVector(asset_id, visible=visible_ids), 30, assets=visible_ids.excluding(asset_id))
        statements[asset_id] = [q["sql"] for q in captured.captured_queries if not _savepoint(q["sql"])]
    for asset_id in sample:
        started = time.perf_counter()
        nearest(version, stored[asset_id], 30)
        sql_times.append(time.perf_counter() - started)
    for asset_id in sample:
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            for sql in statements[asset_id]:
                cursor.execute(sql)
                cursor.fetchall()
        rights_sql_times.append(time.perf_counter() - started)
    for asset_id in sample:
        started = time.perf_counter()
        response = client.post("/api/search/", {"asset_id": asset_id, "k": 10}, format="json")
        api_times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"the API answered {response.status_code}: {response.content[:200]!r}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('shared_buffers')")
        [shared_buffers] = cursor.fetchone()
    return {
        **(_halfvec(version, dimension, query_vectors, exact) if halfvec else {}),
        "shared_buffers": shared_buffers,  # how much of the index the server's own cache holds
        "index_mb": _index_mb(version.index_name),
        "vectors": count,
        "dimension": dimension,
        "clusters": cluster_count,
        "queries": query_count,
        "index_build_seconds": build_seconds,
        "recall_at_10": sweep[EF_SEARCH]["recall_at_10"],
        "p50_ms": sweep[EF_SEARCH]["p50_ms"],
        "p99_ms": sweep[EF_SEARCH]["p99_ms"],
        "ef_search": EF_SEARCH,
        "ef_sweep": sweep,
        "filter_share": len(kept_ids) / count,
        "filtered_p50_ms": percentile_ms(filtered, 50),
        "filtered_p99_ms": percentile_ms(filtered, 99),
        "filtered_full_k_share": full_k / len(filtered),
        "filtered_recall_at_10": statistics.mean(filtered_recall),
        "strategies": strategies,
        "sql_p50_ms": percentile_ms(sql_times, 50),
        "sql_p99_ms": percentile_ms(sql_times, 99),
        "rights_sql_p50_ms": percentile_ms(rights_sql_times, 50),
        "rights_sql_p99_ms": percentile_ms(rights_sql_times, 99),
        "api_p50_ms": percentile_ms(api_times, 50),
        "api_p99_ms": percentile_ms(api_times, 99),
        # The API against the SQL it runs (the rights-checked search), as a client would see it.
        "api_ratio_p50": percentile_ms(api_times, 50) / percentile_ms(rights_sql_times, 50),
        "api_ratio_p99": percentile_ms(api_times, 99) / percentile_ms(rights_sql_times, 99),
    }
