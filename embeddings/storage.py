"""Vectors in PostgreSQL with pgvector: idempotent upserts, one HNSW index per model version, and
nearest-neighbour queries that repeat the index's cast and predicate so the planner uses it.

Filtered queries use pgvector 0.8's iterative index scans (``hnsw.iterative_scan =
relaxed_order``), so a filter that keeps 1% of rows still returns the full k.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db import connection, transaction

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
            f"WHERE model_version_id = {int(version.pk)}"
        )


def _checked(vector, dimension: int) -> str:
    values = [float(value) for value in vector]
    if len(values) != dimension:
        raise VectorError(f"a {len(values)}-dimensional vector for a {dimension}-dimensional model version")
    if not all(math.isfinite(value) for value in values):
        raise VectorError("the vector holds NaN or infinite values")
    if not any(values):
        raise VectorError("the vector is all zeros")
    return "[" + ",".join(repr(value) for value in values) + "]"


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
            _checked(row.vector, version.dimension),
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


MAX_CANDIDATES = 20_000  # pgvector's default hnsw.max_scan_tuples


def _index_search(version, vector: list[float], limit: int, ef_search: int) -> list[Neighbour]:
    dimension = int(version.dimension)
    literal = "[" + ",".join(repr(value) for value in vector) + "]"
    query = (
        f"SELECT asset_id, segment_start_ms, segment_end_ms, text, "
        f"(embedding::vector({dimension})) <=> %s::vector({dimension}) AS distance "
        f"FROM embeddings_embedding WHERE model_version_id = {int(version.pk)} "
        f"ORDER BY (embedding::vector({dimension})) <=> %s::vector({dimension}) LIMIT %s"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        # SET LOCAL inside the transaction: prepared-plan caching can never carry these over.
        cursor.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
        cursor.execute(f"SET LOCAL hnsw.ef_search = {int(ef_search)}")
        cursor.execute(query, [literal, literal, int(limit)])
        return [Neighbour(*row) for row in cursor.fetchall()]


def nearest(version, vector, k: int, assets=None, ef_search: int = EF_SEARCH) -> list[Neighbour]:
    """The ``k`` nearest segments by ``version``, among ``assets`` (a queryset) when given.

    The index is always searched without the filter (an index scan the planner cannot turn into
    "filter everything, then sort"), for more and more candidates, and the candidates are checked
    against ``assets`` in one query per round, until k pass or the index has no more to give."""
    query_vector = [float(value) for value in _checked(vector, int(version.dimension))[1:-1].split(",")]
    if assets is None:
        return sorted(_index_search(version, query_vector, k, ef_search), key=lambda n: n.distance)
    limit = max(4 * k, 40)
    while True:
        candidates = _index_search(version, query_vector, limit, max(ef_search, min(limit, 1000)))
        allowed = set(assets.order_by().filter(pk__in={n.asset_id for n in candidates}).values_list("pk", flat=True))
        kept = [n for n in candidates if n.asset_id in allowed]
        if len(kept) >= k or len(candidates) < limit or limit >= MAX_CANDIDATES:
            # relaxed_order may return near-ties slightly out of order: sort what came back.
            return sorted(kept, key=lambda n: n.distance)[:k]
        limit = min(limit * 4, MAX_CANDIDATES)
