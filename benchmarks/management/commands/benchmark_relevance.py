"""python manage.py benchmark_relevance: how well search ranks, on a labelled library, in one run.

Builds the library of ``benchmarks.relevance.library`` (pictures with metadata in three languages,
spoken recordings made by espeak-ng and transcribed by the real ``asr`` role, tones, untagged files)
and asks the queries of ``benchmarks.relevance.judgements``. Reports nDCG@10, recall@10 and MRR per
class and overall, moment accuracy, kind inversions and what unanswerable queries get, for each
evidence list alone, for dam's fused ranking, and for the textbook hybrid (BM25 + the same dense
model, reciprocal rank fusion) on the same text. Everything is rolled back; the speech and its
transcripts are cached under the state directory.

``--sweep`` also reads every query's evidence lists once and fuses them under each fusion setting
in turn (``benchmarks.relevance.sweep``): the effect of each on nDCG@10 per class, in the same run.
"""

from __future__ import annotations

import sys
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from benchmarks.measuring import figures_json, rolled_back
from benchmarks.relevance.scoring import Hit, TextbookHybrid, query_score, summarise

CLASSES = ["metadata", "paraphrase", "place", "vocabulary", "spoken", "mixed", "typo", "quoted", "exclusion"]


class Command(BaseCommand):
    help = "Benchmark search relevance (nDCG@10, recall@10, MRR per query class) on a labelled library."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="below 1: a smaller library (smoke tests)")
        parser.add_argument("--threads", type=int, default=1, help="torch threads (more than the free cores slows it)")
        parser.add_argument("--json", action="store_true")
        parser.add_argument(
            "--sweep",
            action="store_true",
            help="also fuse the same evidence under each fusion setting in turn (weights, floor quantile, ...)",
        )

    def handle(self, *args, scale: float, threads: int, json: bool, sweep: bool = False, **options):
        import torch

        from embeddings.defaults import default_models_register

        torch.set_num_threads(threads)
        started = time.perf_counter()
        with rolled_back():
            roles = default_models_register()
            if "asset_text" not in roles:
                raise CommandError("the default text model is not installed (pip install the ml extra)")
            figures = _measure(scale, roles, sweep)
        figures["seconds"] = round(time.perf_counter() - started, 1)
        if json:
            self.stdout.write(figures_json(figures))
            return
        self.stdout.write(_table(figures))


def _measure(scale: float, roles: list[str], sweep: bool = False) -> dict:
    from assets.models import Asset
    from benchmarks.relevance.building import library_build
    from benchmarks.relevance.judgements import queries_for
    from benchmarks.relevance.library import library_describe
    from embeddings.encoders.loading import encoder_for
    from embeddings.models import Role, TranscriptSegment
    from embeddings.search import search_text
    from embeddings.texts import asset_text

    print("building the library…", file=sys.stderr)
    described = library_describe(scale)
    ids = library_build(described)
    queries = queries_for(described)
    spans = {asset.label: asset.spans_ms for asset in described}
    kinds = dict(Asset.objects.values_list("id", "kind"))
    user = get_user_model().objects.create_superuser("relevance-benchmark", password="x")

    text_version = Role.objects.get(name="asset_text").model_version
    spoken: dict[str, list[str]] = {}
    for asset_id, text in TranscriptSegment.objects.order_by("start_ms").values_list("asset_id", "text"):
        spoken.setdefault(asset_id, []).append(text)
    documents = {
        asset.pk: "\n".join(filter(None, [asset_text(asset), " ".join(spoken.get(asset.pk, []))]))
        for asset in Asset.objects.all()
    }
    textbook = TextbookHybrid(documents, encoder_for(text_version))

    systems = {"fused": lambda text: _fused_hits(search_text(user, text, k=10))}
    systems.update(_single_lists(user))
    systems["textbook_bm25"] = lambda text: [Hit(asset_id) for asset_id in textbook.lists(text)[0]]
    systems["textbook_dense"] = lambda text: [Hit(asset_id) for asset_id in textbook.lists(text)[1]]
    systems["textbook_hybrid"] = textbook.search

    print(f"asking {len(queries)} queries of {len(systems)} rankings…", file=sys.stderr)
    results = {}
    for name, run in systems.items():
        began = time.perf_counter()
        scores = [query_score(query, run(query.text), ids, kinds, spans) for query in queries]
        results[name] = summarise(scores)
        print(f"  {name}: {time.perf_counter() - began:.1f} s", file=sys.stderr)
    # The first results must not depend on k: every fourth query, asked with k=3 against k=10.
    unstable = sum(
        [hit.asset_id for hit in _fused_hits(search_text(user, query.text, k=3))]
        != [hit.asset_id for hit in _fused_hits(search_text(user, query.text, k=10))][:3]
        for query in queries[::4]
    )
    swept = _swept(user, queries, ids, kinds, spans) if sweep else None
    return {
        **({"sweep": swept} if swept is not None else {}),
        "assets": len(described),
        "pictures": sum(asset.kind == "image" and bool(asset.metadata["title"]) for asset in described),
        "recordings": sum(bool(asset.sentences) for asset in described),
        "queries": len(queries),
        "roles": sorted(roles),
        "not_measured": [
            f"{role}: no real weights installed (register them and run again)"
            for role in ("image", "audio")
            if role not in roles
        ],
        "fused_k_dependent_queries": unstable,
        "rankings": results,
    }


def _swept(user, queries, ids, kinds, spans) -> list[dict]:
    """Every query's lists read once, then fused under each setting (``benchmarks.relevance.sweep``)."""
    from benchmarks.relevance.sweep import FLOOR_QUANTILES, sweep
    from embeddings.calibration import relevance_floor_measure
    from embeddings.search import search_text_gather

    began = time.perf_counter()
    gathered = [search_text_gather(user, query.text) for query in queries]
    versions = {vectors.version.pk: vectors.version for evidence in gathered for vectors in evidence.vectors}
    floors: dict[float, dict[int, float]] = {quantile: {} for quantile in FLOOR_QUANTILES}
    for pk, version in versions.items():
        measured = relevance_floor_measure(version, FLOOR_QUANTILES)
        for quantile, floor in zip(FLOOR_QUANTILES, measured[0] if measured else [], strict=False):
            floors[quantile][pk] = floor
    rows = sweep(gathered, queries, ids, kinds, spans, floors)
    print(f"  sweep of {len(rows)} settings: {time.perf_counter() - began:.1f} s", file=sys.stderr)
    return rows


def _fused_hits(results) -> list[Hit]:
    hits = []
    for result in results:
        row = result.as_json()
        span = None
        spoken = (row.get("evidence") or {}).get("spoken")
        if spoken:
            span = (spoken["start_ms"], spoken["end_ms"])
        else:  # rankings without evidence: the best segment that has an end (a transcript's)
            timed = [segment for segment in row.get("segments", []) if segment.get("end_ms") is not None]
            span = (timed[0]["start_ms"], timed[0]["end_ms"]) if timed else None
        hits.append(Hit(row["asset_id"], bool(row.get("weak")), span))
    return hits


def _single_lists(user) -> dict:
    """Each evidence list alone: the metadata full-text list and each text-answering vector role's
    nearest neighbours (no floor, no fusion)."""
    from assets.selectors import asset_list_visible_to
    from embeddings.encoders.loading import encoder_for
    from embeddings.roles import ROLES, roles_active
    from embeddings.storage import nearest

    lists = {}
    visible = asset_list_visible_to(user)
    try:
        from assets.fulltext import metadata_matches

        lists["metadata"] = lambda text: [Hit(match.asset_id) for match in metadata_matches(visible, text, 30)]
    except ImportError:  # before full-text search: the ILIKE list that search used
        from embeddings import search

        lists["metadata"] = lambda text: [Hit(asset_id) for asset_id in search._metadata_ranking(visible, text, 30)]
    for role in roles_active(ROLES):
        if not ROLES[role.name].text_queries or "text" not in role.model_version.modalities:
            continue

        def vector_list(text, version=role.model_version):
            hits, seen = [], set()
            for neighbour in nearest(version, encoder_for(version).embed_texts([text])[0].tolist(), 60):
                if neighbour.asset_id not in seen:
                    seen.add(neighbour.asset_id)
                    end = neighbour.segment_end_ms
                    hits.append(Hit(neighbour.asset_id, span_ms=(neighbour.segment_start_ms, end) if end else None))
            return hits

        lists[role.name] = vector_list
    return lists


def _table(figures: dict) -> str:
    lines = [
        f"{figures['assets']} assets ({figures['pictures']} tagged pictures, {figures['recordings']} spoken "
        f"recordings), {figures['queries']} queries, {figures['seconds']} s",
        *[f"  not measured: {line}" for line in figures["not_measured"]],
        "",
        f"{'ranking':<16} {'nDCG@10':>7} {'R@10':>5} {'MRR':>5}  "
        + " ".join(f"{name[:7]:>7}" for name in CLASSES)
        + "  moment  inversions  unanswerable (strong)  relevant weak",
    ]
    for name, row in figures["rankings"].items():
        overall = row["overall"]
        moment = "   -  " if row["moment_accuracy"] is None else f"{row['moment_accuracy']:6.2f}"
        lines.append(
            f"{name:<16} {overall['ndcg_at_10']:7.3f} {overall['recall_at_10']:5.2f} {overall['mrr']:5.2f}  "
            + " ".join(f"{row['by_class'].get(c, {}).get('ndcg_at_10', float('nan')):7.3f}" for c in CLASSES)
            + f"  {moment}  {row['kind_inversions']:10d}  {row['unanswerable_answers']:5.1f} "
            f"({row['unanswerable_strong_answers']:.1f})  {row['relevant_flagged_weak']:13.2f}"
        )
    lines.append(f"\nfused: {figures['fused_k_dependent_queries']} queries whose first 3 differ between k=3 and k=10")
    if "sweep" in figures:
        lines += ["", "fusion settings, one at a time (* the configured value):", _sweep_table(figures["sweep"])]
    return "\n".join(lines) + "\n"


def _sweep_table(rows: list[dict]) -> str:
    lines = [
        f"{'setting':<16} {'value':>6}  {'nDCG@10':>7}  "
        + " ".join(f"{name[:7]:>7}" for name in CLASSES)
        + "  inversions  unanswerable strong  relevant weak"
    ]
    for row in rows:
        lines.append(
            f"{row['setting']:<16} {row['value']:>6g}{'*' if row['default'] else ' '} {row['ndcg_at_10']:7.3f}  "
            + " ".join(f"{row['by_class'].get(c, float('nan')):7.3f}" for c in CLASSES)
            + f"  {row['kind_inversions']:10d}  {row['unanswerable_strong_answers']:19.2f}"
            f"  {row['relevant_flagged_weak']:13.2f}"
        )
    return "\n".join(lines)
