"""The fusion settings swept on the gathered evidence: every list is read once per query, then
fused under each setting (one changed at a time from the configured ones), so the effect of each
on nDCG@10 per class, kind inversions and unanswerable queries shows in the same run."""

from __future__ import annotations

from benchmarks.relevance.scoring import CUTOFF, Hit, query_score, summarise
from embeddings.fusion import FusedEvidence, Fusion, Gathered, evidence_fuse

# The values tried for each setting (the configured value is always tried too).
WEIGHTS = [0.6, 0.8, 0.9, 1.0]
FLOOR_QUANTILES = [0.8, 0.9, 0.95, 0.97, 0.99]
WEAK_BELOW = [0.1, 0.2, 0.3, 0.4]
CORROBORATION = [0.0, 0.1, 0.2, 0.3]
PARTIAL_POWERS = [1.0, 1.5, 2.0, 3.0]


def fused_hits(evidence: FusedEvidence, fusion: Fusion, k: int = CUTOFF) -> list[Hit]:
    """The first ``k`` results as the benchmark scores them: weak or not, and the span the
    spoken evidence points at."""
    hits = []
    for asset_id in evidence.ranked()[:k]:
        spoken = evidence.kinds[asset_id].get("spoken")
        span = (spoken["start_ms"], spoken["end_ms"]) if spoken and "start_ms" in spoken else None
        hits.append(Hit(asset_id, evidence.scores[asset_id] < fusion.weak_below, span))
    return hits


def _scored(gathered: list[Gathered], fusion: Fusion, queries, ids, kinds, spans) -> dict:
    scores = [
        query_score(query, fused_hits(evidence_fuse(evidence, fusion), fusion), ids, kinds, spans)
        for query, evidence in zip(queries, gathered, strict=True)
    ]
    return summarise(scores)


def settings_swept(base: Fusion, floors: dict[float, dict[int, float]], kinds_present: set[str]) -> list[tuple]:
    """(setting, value, Fusion) for every value tried: each kind's weight (of the kinds some list
    gives), the floor quantile (``floors``: the floors each quantile gives each version), the
    corroboration, the partial-match power and the weak threshold."""
    tried = []
    for kind in sorted(kinds_present):
        for value in sorted({*WEIGHTS, base.weights.get(kind, 1.0)}):
            tried.append((f"weight_{kind}", value, base.varied(weights={**base.weights, kind: value})))
    for quantile in sorted(floors):
        tried.append(("floor_quantile", quantile, base.varied(floors=floors[quantile])))
    for value in sorted({*CORROBORATION, base.corroboration}):
        tried.append(("corroboration", value, base.varied(corroboration=value)))
    for value in sorted({*PARTIAL_POWERS, base.partial_power}):
        tried.append(("partial_power", value, base.varied(partial_power=value)))
    for value in sorted({*WEAK_BELOW, base.weak_below}):
        tried.append(("weak_below", value, base.varied(weak_below=value)))
    return tried


def sweep(gathered: list[Gathered], queries, ids, kinds, spans, floors: dict[float, dict[int, float]]) -> list[dict]:
    """One row per setting and value: nDCG@10 overall and per class, kind inversions, the
    unanswerable queries' strong answers and the share of relevant results flagged weak, with
    ``default`` true for the configured value."""
    from django.conf import settings

    base = Fusion.configured()
    present = {vectors.kind for evidence in gathered for vectors in evidence.vectors}
    if any(evidence.metadata for evidence in gathered):
        present.add("metadata")
    rows = []
    for setting, value, fusion in settings_swept(base, floors, present):
        summary = _scored(gathered, fusion, queries, ids, kinds, spans)
        default = {
            "floor_quantile": value == settings.DAM_SEARCH_FLOOR_QUANTILE,
            "corroboration": value == base.corroboration,
            "partial_power": value == base.partial_power,
            "weak_below": value == base.weak_below,
        }.get(setting, value == base.weights.get(setting.removeprefix("weight_"), 1.0))
        rows.append(
            {
                "setting": setting,
                "value": value,
                "default": default,
                "ndcg_at_10": summary["overall"]["ndcg_at_10"],
                "by_class": {name: row["ndcg_at_10"] for name, row in summary["by_class"].items()},
                "kind_inversions": summary["kind_inversions"],
                "unanswerable_strong_answers": summary["unanswerable_strong_answers"],
                "relevant_flagged_weak": summary["relevant_flagged_weak"],
            }
        )
    return rows
