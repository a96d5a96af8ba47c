"""Vectors in PostgreSQL with pgvector: idempotent upserts, one HNSW index per model version, and
nearest-neighbour queries that repeat the index's cast and predicate so the planner uses it.

Filtered queries use pgvector 0.8's iterative index scans (``hnsw.iterative_scan =
relaxed_order``), so a filter that keeps 1% of rows still returns the full k.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction

from assets.planner import estimated_rows
from assets.selectors import NO_ASSETS, AssetIds

EF_SEARCH = 100


class VectorError(ValueError):
    """A vector dam refuses to store (wrong dimension, NaN, zero)."""


@dataclass(frozen=True)
class VectorRow:
    asset_id: str
    file_version_id: int
    vector: list[float]
    segment_start_ms: int = 0
    segment_end_ms: int | None = None
    text: str = ""


@dataclass(frozen=True)
class Neighbour:
    asset_id: str
    segment_start_ms: int
    segment_end_ms: int | None
    text: str
    distance: float
    kind: str = ""  # the asset's, read in the same statement (callers need not look it up)
    title: str = ""

    @property
    def score(self) -> float:
        return 1.0 - self.distance  # cosine similarity


def hnsw_index_create(version) -> None:
    """The version's partial expression index (idempotent); none for models that make no vectors."""
    if not version.dimension:
        return
    with connection.cursor() as cursor:
        # Deferred foreign-key checks of the surrounding transaction must run before an index build.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {version.index_name} ON embeddings_embedding USING hnsw "
            f"((embedding::vector({int(version.dimension)})) vector_cosine_ops) "
            f"WITH (m = {int(settings.DAM_HNSW_M)}, ef_construction = {int(settings.DAM_HNSW_EF_CONSTRUCTION)}) "
            f"WHERE model_version_id = {int(version.pk)}"
        )


def _checked(vector, dimension: int) -> list[float]:
    """The vector's values as floats, or VectorError when dam must not store or search with it."""
    values = [float(value) for value in vector]
    if len(values) != dimension:
        raise VectorError(f"a {len(values)}-dimensional vector for a {dimension}-dimensional model version")
    if not all(math.isfinite(value) for value in values):
        raise VectorError("the vector holds NaN or infinite values")
    if not any(values):
        raise VectorError("the vector is all zeros")
    return values


def vectors_upsert(version, rows: list[VectorRow]) -> int:
    """Insert or replace vectors keyed by (asset, version, segment start): retries never duplicate."""
    if not rows:
        return 0
    params = [
        (
            row.asset_id,
            row.file_version_id,
            version.pk,
            row.segment_start_ms,
            row.segment_end_ms,
            row.text,
            vector_literal(_checked(row.vector, version.dimension)),
        )
        for row in rows
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO embeddings_embedding (asset_id, file_version_id, model_version_id, segment_start_ms, "
            "segment_end_ms, text, embedding, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s::vector, now()) "
            "ON CONFLICT (asset_id, model_version_id, segment_start_ms) DO UPDATE SET "
            "embedding = EXCLUDED.embedding, file_version_id = EXCLUDED.file_version_id, "
            "segment_end_ms = EXCLUDED.segment_end_ms, text = EXCLUDED.text",
            params,
        )
    return len(params)


# What each strategy of a selective filtered search costs, in milliseconds, measured by
# ``benchmark_search`` (its "strategies" figures) on the 2-core development machine at 100,000
# vectors of 512 dimensions with a 1.2% filter (0.0546 ms per asset, 0.0609 per candidate):
# comparing one asset of the filter exactly (its vector looked up by asset, then the distance),
# and reading one candidate of the iterative index scan (graph neighbours' distances, then the
# primary-key check against the filter).
EXACT_MS_PER_ROW = 0.055
SCAN_MS_PER_CANDIDATE = 0.061
MAX_SCAN_TUPLES = 20_000  # pgvector's default hnsw.max_scan_tuples: a scan stops there, short or not


def _run(sql: str, params: list, ef_search: int, index_only: bool = False, graph: bool = False) -> list[tuple]:
    planner = {"hnsw.iterative_scan": "relaxed_order", "hnsw.ef_search": str(int(ef_search))}
    if index_only:
        # Keeps the planner on index paths (the HNSW scan, the per-asset lookups) even where its
        # estimate of a filter's size would make a full scan and sort look cheaper.
        planner["enable_seqscan"] = "off"
    if graph:
        # And on the HNSW graph itself: for a version of some tens of thousands of vectors among
        # many more of other versions, pgvector's estimate makes reading all of them by the
        # version's B-tree and sorting look cheaper (20,000 MiniLM vectors: 13.6 ms, against
        # 2.3 ms by the graph).
        planner["enable_sort"] = "off"
    with transaction.atomic(), connection.cursor() as cursor:
        # Local to the transaction: prepared-plan caching can never carry these over.
        cursor.execute(
            "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in planner),
            [value for pair in planner.items() for value in pair],
        )
        cursor.execute(sql, params)
        return cursor.fetchall()


def vector_literal(values) -> str:
    """pgvector's text form of a vector of numbers (floats, numpy's included): exact, as
    ``repr`` writes each float. The one place a vector becomes SQL text."""
    return "[" + ",".join(repr(float(value)) for value in values) + "]"


@dataclass(frozen=True)
class StoredVector:
    """The query is an asset's own vector by the same version (its first segment), read by the
    database inside the search statement: "more like this" without a round trip. With
    ``visible`` (assets: a queryset or ``AssetIds``), the statement finds nothing unless the
    asset is among them: the caller's right to see it is checked by the same statement."""

    asset_id: str
    visible: object = None  # QuerySet[Asset] | AssetIds | None


def _every_asset(assets) -> bool:
    """Whether ``assets`` is a queryset of every asset (a caller who sees everything, no filter):
    searched as no filter at all, without checking each neighbour."""
    from assets.models import Asset

    query = getattr(assets, "query", None)
    return (
        query is not None
        and assets.model is Asset
        and not query.where
        and not query.is_sliced
        and not query.combinator
        and not query.distinct
    )


def as_asset_ids(assets) -> AssetIds:
    """``assets`` (a queryset, compiled here once for all the statements of a search, or
    ``AssetIds``) as ``AssetIds``."""
    from django.core.exceptions import EmptyResultSet

    if isinstance(assets, AssetIds):
        return assets
    try:
        sql, params = assets.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # a queryset that can hold nothing (``none()``) has no SQL
        return NO_ASSETS
    return AssetIds(sql, tuple(params))


def _query(version, vector, exact: bool) -> tuple[str, list]:
    """SQL for the query vector, and its parameters."""
    dimension = int(version.dimension)
    cast = "vector" if exact else f"vector({dimension})"
    if isinstance(vector, StoredVector):
        return (
            f"(SELECT embedding::{cast} FROM embeddings_embedding WHERE asset_id = %s "
            f"AND model_version_id = {int(version.pk)} ORDER BY segment_start_ms LIMIT 1)",
            [vector.asset_id],
        )
    return f"%s::{cast}", [vector_literal(vector)]


def _select(version, vector, exact: bool = False) -> tuple[str, list, str, list]:
    """``SELECT … WHERE`` of the version's vectors with their distance to ``vector`` and its
    parameters, then the distance expression (written like the index expression, or for
    ``exact`` so that no index matches it) and its parameters."""
    dimension = int(version.dimension)
    query, params = _query(version, vector, exact)
    distance = f"embedding <=> {query}" if exact else f"(embedding::vector({dimension})) <=> {query}"
    columns = f"asset_id, segment_start_ms, segment_end_ms, text, {distance} AS distance"
    select = f"SELECT {columns} FROM embeddings_embedding WHERE model_version_id = {int(version.pk)}"
    select_params = list(params)
    if isinstance(vector, StoredVector):
        # A one-time check before any scan: an asset without a vector by this version (or that the
        # caller may not see) has no neighbours.
        source = f"SELECT 1 FROM embeddings_embedding WHERE asset_id = %s AND model_version_id = {int(version.pk)}"
        select_params.append(vector.asset_id)
        if vector.visible is not None:
            source += f" AND asset_id IN ({vector.visible.sql})"
            select_params += vector.visible.params
        select += f" AND EXISTS ({source})"
    return select, select_params, distance, params


# Each neighbour's asset kind and title, joined in the same statement.
_DETAILS = "SELECT n.*, a.kind, a.title FROM {source} AS n JOIN assets_asset AS a ON a.id = n.asset_id"


def _index_search(version, vector, limit: int, ef_search: int) -> list[Neighbour]:
    """The ``limit`` nearest segments by the version's index, unfiltered."""
    select, select_params, distance, params = _select(version, vector)
    search = f"({select} ORDER BY {distance} LIMIT %s)"
    # Always the index: pgvector's cost estimate can make a full scan look cheaper at a high ef_search.
    rows = _run(
        _DETAILS.format(source=search), [*select_params, *params, int(limit)], ef_search, index_only=True, graph=True
    )
    return [Neighbour(*row) for row in rows]


def _candidates_checked(version, vector, limit: int, ef_search: int, assets) -> tuple[int, list]:
    """The ``limit`` nearest by the index, unfiltered (a materialised CTE, so the planner cannot
    turn it into anything else), then checked against ``assets``: ``(candidates seen, kept)``."""
    select, select_params, distance, params = _select(version, vector)
    allowed, allowed_params = assets.sql, list(assets.params)
    sql = (
        f"WITH candidates AS MATERIALIZED ({select} ORDER BY {distance} LIMIT %s), "
        f"kept AS ({_DETAILS.format(source='candidates')} WHERE n.asset_id IN ({allowed})) "
        "SELECT (SELECT count(*) FROM candidates), kept.* FROM (SELECT 1) AS one LEFT JOIN kept ON true"
    )
    rows = _run(sql, [*select_params, *params, int(limit), *allowed_params], ef_search, index_only=True, graph=True)
    return (rows[0][0] if rows else 0), [Neighbour(*row[1:]) for row in rows if row[1] is not None]


def _filtered_scan(version, vector, k: int, ef_search: int, assets) -> list[Neighbour]:
    """One index scan that skips, as it goes, the segments whose asset ``assets`` rejects: each
    candidate is checked by a primary-key lookup (a subplan the planner cannot turn into a join
    over the whole filter), and pgvector's iterative scan keeps reading until k pass or it has
    read ``hnsw.max_scan_tuples``."""
    select, select_params, distance, params = _select(version, vector)
    allowed, allowed_params = assets.sql, list(assets.params)
    check = (
        f"EXISTS (SELECT 1 FROM ({allowed}) AS allowed_ids "
        "WHERE allowed_ids.pk = embeddings_embedding.asset_id OFFSET 0)"
    )
    search = f"({select} AND {check} ORDER BY {distance} LIMIT %s)"
    rows = _run(
        _DETAILS.format(source=search),
        [*select_params, *allowed_params, *params, int(k)],
        ef_search,
        index_only=True,
        graph=True,
    )
    return [Neighbour(*row) for row in rows]


def _exact_among(version, vector, k: int, assets) -> list[Neighbour]:
    """The exact ``k`` nearest among ``assets``: their vectors looked up one asset at a time."""
    select, select_params, distance, params = _select(version, vector, exact=True)
    allowed, allowed_params = assets.sql, list(assets.params)
    search = (
        f"(WITH allowed AS MATERIALIZED ({allowed}) {select} AND asset_id IN (SELECT * FROM allowed) "
        f"ORDER BY {distance} LIMIT %s)"
    )
    rows = _run(
        _DETAILS.format(source=search), [*allowed_params, *select_params, *params, int(k)], EF_SEARCH, index_only=True
    )
    return [Neighbour(*row) for row in rows]


def versions_holding(asset_id: str, role_names) -> list:
    """The model versions active in one of ``role_names`` that hold a vector of the asset, in one
    short statement, with what search statements need of them (ID and dimension; the other
    fields load if read)."""
    from embeddings.models import ModelVersion

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT v.id, v.dimension FROM embeddings_role AS r "
            "JOIN embeddings_modelversion AS v ON v.id = r.model_version_id WHERE r.name = ANY(%s) AND EXISTS "
            "(SELECT 1 FROM embeddings_embedding AS e WHERE e.model_version_id = v.id AND e.asset_id = %s) "
            "ORDER BY v.id",
            [sorted(role_names), asset_id],
        )
        return [ModelVersion.from_db(connection.alias, ["id", "dimension"], row) for row in cursor.fetchall()]


def _version_vectors(version) -> float:
    """How many vectors the version holds, as the statistics of its partial index say (the
    planner's estimate of its rows when the index was never analysed)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)", [version.index_name])
        row = cursor.fetchone()
    if row and row[0] and row[0] > 0:
        return float(row[0])
    return estimated_rows(f"SELECT 1 FROM embeddings_embedding WHERE model_version_id = {int(version.pk)}", [])


@dataclass(frozen=True)
class Strategy:
    """How a selective filter is answered, and the estimates behind the choice."""

    kind: str  # "exact" (the filtered set compared exactly) or "scan" (the iterative index scan)
    filter_rows: float
    vectors: float
    exact_ms: float
    scan_ms: float


def strategy_choose(version, k: int, ef_search: int, assets) -> Strategy:
    """The cheaper way to answer a filter that the first unfiltered candidates did not satisfy, by
    the planner's estimate of the filter's size (not its count: counting a large filter costs as
    much as the search). The exact answer compares each asset of the filter; the iterative scan
    reads about ``k / share`` candidates (at least ``ef_search``) and, where that is beyond
    ``MAX_SCAN_TUPLES``, ends short and is settled by the exact answer as well. A wrong estimate
    costs time, never results: a scan that finds fewer than k is always completed exactly."""
    assets = as_asset_ids(assets)
    rows = max(estimated_rows(assets.sql, list(assets.params)), 1.0)
    vectors = max(_version_vectors(version), rows)
    exact_ms = rows * EXACT_MS_PER_ROW
    candidates = max(float(ef_search), k * vectors / rows)
    scan_ms = min(candidates, MAX_SCAN_TUPLES) * SCAN_MS_PER_CANDIDATE
    if candidates > MAX_SCAN_TUPLES:
        scan_ms += exact_ms
    return Strategy("scan" if scan_ms < exact_ms else "exact", rows, vectors, exact_ms, scan_ms)


def nearest(version, vector, k: int, assets=None, ef_search: int = EF_SEARCH) -> list[Neighbour]:
    """The ``k`` nearest segments by ``version`` to ``vector`` (values, or a ``StoredVector``),
    among ``assets`` (a queryset, or ``AssetIds``) when given.

    With a filter that the planner's estimate says keeps enough of the assets, the index is first
    searched unfiltered for a few more than k candidates, checked against the filter in the same
    statement: the common case (rights and filters that keep most assets) costs one index search.
    When too few pass, or the estimate says few would, the filter is selective, and
    ``strategy_choose`` picks by the planner's estimates: the filtered set's vectors compared
    exactly (fast for few, and complete), or one iterative index scan that checks each candidate
    against the filter as it reads, and an exact search settles what is still short."""
    if isinstance(vector, StoredVector):
        query_vector = vector
        if vector.visible is not None:
            query_vector = StoredVector(vector.asset_id, as_asset_ids(vector.visible))
    else:
        query_vector = _checked(vector, int(version.dimension))

    def by_distance(neighbours):
        # relaxed_order may return near-ties slightly out of order: every answer is sorted.
        return sorted(neighbours, key=lambda n: n.distance)[:k]

    if assets is None or _every_asset(assets):
        return by_distance(_index_search(version, query_vector, k, ef_search))
    assets = as_asset_ids(assets)
    limit = max(2 * k, 40)
    strategy = strategy_choose(version, k, ef_search, assets)
    if limit * strategy.filter_rows / strategy.vectors >= k:  # the first candidates are likely to hold k
        seen, kept = _candidates_checked(version, query_vector, limit, ef_search, assets)
        if len(kept) >= k or seen < limit:
            return by_distance(kept)
    if strategy.kind == "scan":
        found = _filtered_scan(version, query_vector, k, ef_search, assets)
        if len(found) >= k:
            return by_distance(found)
    return by_distance(_exact_among(version, query_vector, k, assets))
