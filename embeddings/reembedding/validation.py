"""Validating a backfilled migration: figures on the new vectors beside the old ones (coverage,
zero or NaN vectors, norms, neighbourhood overlap, recall on a query set), the thresholds they
are held to, and the gate to ``ready``: passed, or forced by a person with a reason on record.

The figures are stored on the migration (``Migration.validation``), where the admin, the API
and the drift plot read them.
"""

from __future__ import annotations

import statistics

import numpy
from django.conf import settings
from django.db import connection
from django.utils import timezone

from embeddings.calibration import relevance_floor_calibrate
from embeddings.models import Embedding, Migration, ModelVersion
from embeddings.reembedding.states import ALLOWED, MigrationError, State, _covered_assets, _transition


def _norms(version: ModelVersion) -> list[float]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT vector_norm(embedding::vector) FROM embeddings_embedding WHERE model_version_id = %s",
            [version.pk],
        )
        return [row[0] for row in cursor.fetchall()]


def _first_vectors(version: ModelVersion, asset_ids: list[str]) -> dict[str, list[float]]:
    rows = (
        Embedding.objects.filter(model_version=version, asset_id__in=asset_ids)
        .order_by("asset_id", "segment_start_ms")
        .distinct("asset_id")
        .values_list("asset_id", "embedding")
    )
    return {asset_id: list(vector) for asset_id, vector in rows}


def _neighbour_overlap(migration: Migration, sample: list[str]) -> list[float]:
    """Per sampled asset: the share of its 10 nearest assets by the old version that are also among
    its 10 nearest by the new one (each version queried with the asset's own vector)."""
    from embeddings.storage import nearest

    old, new = _first_vectors(migration.from_version, sample), _first_vectors(migration.to_version, sample)
    overlaps = []
    for asset_id in sample:
        if asset_id not in old or asset_id not in new:
            continue
        neighbours = []
        for version, vector in ((migration.from_version, old[asset_id]), (migration.to_version, new[asset_id])):
            found = [n.asset_id for n in nearest(version, vector, 40)]
            ordered = [a for i, a in enumerate(found) if a != asset_id and a not in found[:i]]
            neighbours.append(set(ordered[:10]))
        if neighbours[0]:
            overlaps.append(len(neighbours[0] & neighbours[1]) / len(neighbours[0]))
    return overlaps


def _query_set_recall(migration: Migration) -> dict | None:
    """recall@10 of both versions on the configured query set (texts with expected assets)."""
    import json
    from pathlib import Path

    from embeddings.encoders.loading import encoder_for
    from embeddings.storage import nearest

    if not settings.DAM_MIGRATION_QUERY_SET:
        return None
    queries = json.loads(Path(settings.DAM_MIGRATION_QUERY_SET).read_text())
    recall = {}
    for name, version in (("old", migration.from_version), ("new", migration.to_version)):
        scores = []
        for query in queries:
            vector = encoder_for(version).embed_texts([query["text"]])[0].tolist()
            found = {n.asset_id for n in nearest(version, vector, 40)}
            expected = set(query["expected"])
            scores.append(len(found & expected) / min(len(expected), 10) if expected else 1.0)
        recall[name] = statistics.mean(scores) if scores else 0.0
    return recall


def migration_validate(migration: Migration, user=None) -> Migration:
    """Measure the new vectors, store the figures, and move to ``ready`` when they pass."""
    migration.refresh_from_db()
    if migration.state not in ALLOWED["validate"]:
        raise MigrationError(f"cannot validate migration {migration.pk}: it is {migration.state}")
    covered = list(_covered_assets(migration))
    new_assets = set(
        Embedding.objects.filter(model_version=migration.to_version, asset_id__in=covered).values_list(
            "asset_id", flat=True
        )
    )
    failed = dict(migration.failures.values_list("asset_id", "reason"))
    accounted = sum(1 for asset_id in covered if asset_id in new_assets or asset_id in failed)
    old_norms, new_norms = _norms(migration.from_version), _norms(migration.to_version)
    generator = numpy.random.default_rng(migration.pk)
    sample = sorted(generator.choice(covered, size=min(len(covered), settings.DAM_MIGRATION_SAMPLE), replace=False))
    overlaps = _neighbour_overlap(migration, [str(a) for a in sample])
    recall = _query_set_recall(migration)
    figures = {
        "assets": len(covered),
        "with_new_vectors": len(new_assets),
        "failed": len(failed),
        "coverage": len(new_assets) / len(covered) if covered else 1.0,
        "accounted": accounted / len(covered) if covered else 1.0,
        "zero_or_nan_vectors": sum(1 for n in new_norms if not n or n != n),
        "norms": {
            name: {"mean": statistics.fmean(values), "stdev": statistics.pstdev(values), "sample": values[:2000]}
            for name, values in (("old", old_norms), ("new", new_norms))
            if values
        },
        "overlap_at_10": statistics.fmean(overlaps) if overlaps else None,
        "overlaps": overlaps,
        "query_set_recall_at_10": recall,
        # Calibrated on the whole backfill before cutover, so that the first search on the new
        # version does not wait for it.
        "relevance_floor": relevance_floor_calibrate(migration.to_version),
        "validated_at": timezone.now().isoformat(),
    }
    thresholds = {
        "min_coverage": settings.DAM_MIGRATION_MIN_COVERAGE,
        "min_overlap_at_10": settings.DAM_MIGRATION_MIN_OVERLAP,
        "max_recall_drop": settings.DAM_MIGRATION_MAX_RECALL_DROP,
    }
    problems = []
    if figures["coverage"] < thresholds["min_coverage"]:
        problems.append(
            f"coverage {figures['coverage']:.1%} is below {thresholds['min_coverage']:.0%} "
            f"({len(failed)} failed; retry them or force with a reason)"
        )
    if figures["zero_or_nan_vectors"]:
        problems.append(f"{figures['zero_or_nan_vectors']} new vectors are zero or NaN")
    if overlaps and figures["overlap_at_10"] < thresholds["min_overlap_at_10"]:
        problems.append(
            f"neighbourhood overlap@10 {figures['overlap_at_10']:.2f} is below {thresholds['min_overlap_at_10']:.2f}"
        )
    if recall and recall["new"] < recall["old"] - thresholds["max_recall_drop"]:
        problems.append(f"query-set recall@10 drops from {recall['old']:.2f} to {recall['new']:.2f}")
    figures.update(thresholds=thresholds, problems=problems, passed=not problems)
    Migration.objects.filter(pk=migration.pk).update(validation=figures)
    migration.refresh_from_db()
    if not problems and migration.state == State.VALIDATING:
        migration = _transition(migration, "ready", State.READY, user, "validation passed")
    return migration


def migration_force_ready(migration: Migration, user=None, reason: str = "") -> Migration:
    """Ready despite failing checks: a person takes responsibility, with a reason on record."""
    if not reason.strip():
        raise MigrationError("forcing a migration ready needs a reason")
    return _transition(migration, "ready", State.READY, user, f"forced: {reason}", forced_reason=reason)
