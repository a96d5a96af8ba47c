"""Scoring rankings against the judgements: nDCG@10, recall@10, MRR, moment accuracy, kind
inversions and answers to unanswerable queries, per class and overall."""

from __future__ import annotations

import functools
import math
import statistics
from dataclasses import dataclass, field

CUTOFF = 10


@dataclass
class Hit:
    asset_id: str
    weak: bool = False
    span_ms: tuple[int, int] | None = None  # the moment the ranking points at (spoken evidence)


@dataclass
class QueryScore:
    category: str
    ndcg: float | None = None
    recall: float | None = None
    mrr: float | None = None
    moment: bool | None = None
    inversion: bool = False
    answers: int = 0
    strong_answers: int = 0
    relevant_found: int = 0  # judged relevant among the first ten
    relevant_weak: int = 0  # of those, flagged weak
    extra: dict = field(default_factory=dict)


def _dcg(gains: list[int]) -> float:
    return sum((2**grade - 1) / math.log2(rank + 2) for rank, grade in enumerate(gains))


def query_score(query, hits: list[Hit], ids: dict[str, str], kinds: dict[str, str], spans) -> QueryScore:
    """One query's figures. ``ids`` maps labels to asset IDs, ``kinds`` asset IDs to kinds and
    ``spans`` labels to their sentences' time spans."""
    hits = hits[:CUTOFF]
    score = QueryScore(query.category, answers=len(hits), strong_answers=sum(not hit.weak for hit in hits))
    if not query.grades:
        return score
    grade_of = {ids[label]: grade for label, grade in query.grades.items()}
    gains = [grade_of.get(hit.asset_id, 0) for hit in hits]
    score.relevant_found = sum(1 for gain in gains if gain > 0)
    score.relevant_weak = sum(1 for gain, hit in zip(gains, hits, strict=True) if gain > 0 and hit.weak)
    ideal = sorted(grade_of.values(), reverse=True)[:CUTOFF]
    score.ndcg = _dcg(gains) / _dcg(ideal)
    relevant = [asset_id for asset_id, grade in grade_of.items() if grade > 0]
    score.recall = sum(1 for gain in gains if gain > 0) / min(CUTOFF, len(relevant))
    first = next((rank for rank, gain in enumerate(gains, 1) if gain > 0), None)
    score.mrr = 1 / first if first else 0.0
    wanted = {kinds[asset_id] for asset_id, grade in grade_of.items() if grade == 2}
    if len(wanted) == 1 and first:
        score.inversion = any(kinds[hit.asset_id] not in wanted for hit in hits[: first - 1])
    if query.sentence is not None:
        [label] = [label for label, grade in query.grades.items() if grade == 2 and label.startswith("talk:")]
        start, end = spans[label][query.sentence]
        found = next((hit for hit in hits if hit.asset_id == ids[label]), None)
        score.moment = bool(found and found.span_ms and found.span_ms[0] < end and found.span_ms[1] > start)
    return score


def summarise(scores: list[QueryScore]) -> dict:
    """Means per class and overall (judged queries), moment accuracy, inversions, unanswerable
    answers, and the share of relevant results (of the first ten) flagged weak."""

    def means(rows):
        judged = [row for row in rows if row.ndcg is not None]
        if not judged:
            return {}
        return {
            "queries": len(judged),
            "ndcg_at_10": statistics.fmean(row.ndcg for row in judged),
            "recall_at_10": statistics.fmean(row.recall for row in judged),
            "mrr": statistics.fmean(row.mrr for row in judged),
        }

    categories = sorted({row.category for row in scores} - {"unanswerable"})
    moments = [row.moment for row in scores if row.moment is not None]
    unanswerable = [row for row in scores if row.category == "unanswerable"]
    return {
        "overall": means(scores),
        "by_class": {category: means([row for row in scores if row.category == category]) for category in categories},
        "moment_accuracy": statistics.fmean(moments) if moments else None,
        "kind_inversions": sum(row.inversion for row in scores),
        "unanswerable_answers": statistics.fmean(row.answers for row in unanswerable) if unanswerable else None,
        "unanswerable_strong_answers": (
            statistics.fmean(row.strong_answers for row in unanswerable) if unanswerable else None
        ),
        "relevant_flagged_weak": sum(row.relevant_weak for row in scores)
        / max(1, sum(row.relevant_found for row in scores)),
    }


def reciprocal_rank_fusion(rankings: list[list[str]], constant: int = 60) -> list[str]:
    """The textbook fusion: the sum of 1/(constant + rank) over the lists, ties by ID."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, asset_id in enumerate(ranking, 1):
            fused[asset_id] = fused.get(asset_id, 0.0) + 1.0 / (constant + rank)
    return sorted(fused, key=lambda asset_id: (-fused[asset_id], asset_id))


class TextbookHybrid:
    """What a team builds by hand beside a vector database: BM25 (``rank_bm25``) over each asset's
    metadata and transcript text, the same dense text model over that text, and RRF of the two."""

    def __init__(self, documents: dict[str, str], encoder) -> None:
        import re

        import numpy
        from rank_bm25 import BM25Okapi

        self._tokens = lambda text: re.findall(r"\w+", text.casefold())
        self.ids = sorted(documents)
        self.bm25 = BM25Okapi([self._tokens(documents[asset_id]) or [""] for asset_id in self.ids])
        self.encoder = encoder
        self.vectors = numpy.asarray(encoder.embed_texts([documents[asset_id] or " " for asset_id in self.ids]))

    @functools.lru_cache(maxsize=256)  # noqa: B019 (one object per run)
    def lists(self, text: str, depth: int = 100) -> tuple[list[str], list[str]]:
        import numpy

        lexical = self.bm25.get_scores(self._tokens(text))
        lexical_order = [self.ids[i] for i in numpy.argsort(-lexical, kind="stable") if lexical[i] > 0][:depth]
        dense = self.vectors @ numpy.asarray(self.encoder.embed_texts([text])[0])
        dense_order = [self.ids[i] for i in numpy.argsort(-dense, kind="stable")][:depth]
        return lexical_order, dense_order

    def search(self, text: str) -> list[Hit]:
        return [Hit(asset_id) for asset_id in reciprocal_rank_fusion(list(self.lists(text)))]
