"""Fusion: the evidence the lists found, per asset and kind, turned into one score in 0-1.

Search works in two steps. ``evidence_gather`` reads every list once (each vector role's nearest
segments to the same depth whatever k is, and the metadata full-text matches) and knows each
model version's relevance floor; ``evidence_fuse`` then scores what was gathered by a ``Fusion``
(the weights and rules of ``docs/search.md``), without touching the database. The relevance
benchmark gathers once per query and fuses under many settings (``benchmark_relevance --sweep``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from django.conf import settings

DEPTH = 100  # segments read from each vector list, whatever k is (k is at most 100)


@dataclass(frozen=True)
class Fusion:
    """How gathered evidence is scored. ``configured()`` reads the settings; the benchmark varies
    one field at a time with ``varied``."""

    weights: dict[str, float]  # per evidence kind: metadata, visual, acoustic, spoken
    corroboration: float  # what each kind beyond the strongest adds, times its strength
    weak_below: float  # fused scores under this are flagged weak
    partial_power: float  # a metadata match of part of the query counts times its coverage ** (power - 1)
    floors: dict[int, float] | None = None  # per model version pk, instead of the versions' own

    @classmethod
    def configured(cls) -> Fusion:
        return cls(
            weights=dict(settings.DAM_SEARCH_WEIGHTS),
            corroboration=settings.DAM_SEARCH_CORROBORATION,
            weak_below=settings.DAM_SEARCH_WEAK_BELOW,
            partial_power=settings.DAM_SEARCH_PARTIAL_POWER,
        )

    def varied(self, **changes) -> Fusion:
        return replace(self, **changes)


@dataclass
class VectorList:
    kind: str  # the evidence kind the role gives
    version: object  # the ModelVersion whose vectors these are
    neighbours: list  # ``embeddings.storage.Neighbour``, nearest first


@dataclass
class Gathered:
    """What every list found for one query, before any floor or weight."""

    vectors: list[VectorList] = field(default_factory=list)
    metadata: list = field(default_factory=list)  # ``assets.fulltext.MetadataMatch``, best first
    floors: dict[int, float | None] = field(default_factory=dict)  # each version's relevance floor


def evidence_gather(lists, assets, metadata_text: str | None = None, metadata=None) -> Gathered:
    """Read each (evidence kind, model version, query vector) list to ``DEPTH`` among ``assets``,
    and the metadata full-text matches of ``metadata_text`` (or take ``metadata``, the matches
    already found)."""
    from assets.fulltext import metadata_matches
    from embeddings.calibration import relevance_floor
    from embeddings.storage import nearest

    gathered = Gathered()
    for kind, version, vector in lists:
        gathered.floors[version.pk] = relevance_floor(version)
        gathered.vectors.append(VectorList(kind, version, nearest(version, vector, DEPTH, assets=assets)))
    if metadata is not None:
        gathered.metadata = metadata
    elif metadata_text:
        gathered.metadata = metadata_matches(assets, metadata_text, DEPTH)
    return gathered


def _strength(similarity: float, floor: float) -> float:
    return max(0.0, min(1.0, (similarity - floor) / (1.0 - floor)))


@dataclass
class FusedEvidence:
    """Per asset: its evidence by kind (``kinds``), the segments that matched, the versions that
    found it, (kind, title) where a vector list read them, and the fused ``scores``."""

    kinds: dict[str, dict[str, dict]] = field(default_factory=dict)
    segments: dict[str, list[dict]] = field(default_factory=dict)
    found_by: dict[str, set[int]] = field(default_factory=dict)
    details: dict[str, tuple[str, str]] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)

    def ranked(self) -> list[str]:
        """Asset IDs, best first; ties by asset ID."""
        return sorted(self.scores, key=lambda asset_id: (-self.scores[asset_id], asset_id))


def evidence_fuse(gathered: Gathered, fusion: Fusion) -> FusedEvidence:
    """Score what was gathered: each vector list cut at its version's floor, the best match of
    each kind per asset, the kinds combined as ``docs/search.md`` says."""
    fused = FusedEvidence()
    for vectors in gathered.vectors:
        _vectors_add(fused, vectors, _floor(gathered, fusion, vectors.version.pk))
    for match in gathered.metadata:
        entry = fused.kinds.setdefault(match.asset_id, {}).setdefault("metadata", {})
        lexical = match.score * match.coverage ** (fusion.partial_power - 1.0)
        entry.update(lexical=lexical, words=match.matched, match=match)
    for asset_id, kinds in fused.kinds.items():
        fused.scores[asset_id] = _combined(kinds, fusion)
    return fused


def _floor(gathered: Gathered, fusion: Fusion, version_pk: int) -> float | None:
    if fusion.floors is not None and version_pk in fusion.floors:
        return fusion.floors[version_pk]
    return gathered.floors.get(version_pk)


def _vectors_add(fused: FusedEvidence, vectors: VectorList, floor: float | None) -> None:
    kind, version = vectors.kind, vectors.version
    for neighbour in vectors.neighbours:
        if floor is not None and neighbour.score <= floor:
            continue  # no closer than unrelated pairs of this version usually are: no evidence
        asset_id = neighbour.asset_id
        fused.details[asset_id] = (neighbour.kind, neighbour.title)
        fused.found_by.setdefault(asset_id, set()).add(version.pk)
        fused.segments.setdefault(asset_id, []).append(
            {
                "start_ms": neighbour.segment_start_ms,
                "end_ms": neighbour.segment_end_ms,
                "score": round(neighbour.score, 6),
                "text": neighbour.text,
            }
        )
        strength = _strength(neighbour.score, floor or 0.0)
        best = fused.kinds.setdefault(asset_id, {}).get(kind)
        if best is None or strength > best["vector_strength"]:
            entry = {"vector_strength": strength, "similarity": round(neighbour.score, 4)}
            if kind in ("spoken", "acoustic") and neighbour.segment_end_ms is not None:
                entry.update(start_ms=neighbour.segment_start_ms, end_ms=neighbour.segment_end_ms)
                if neighbour.text:
                    entry["text"] = neighbour.text
            fused.kinds[asset_id][kind] = {**(best or {}), **entry}


def _corroborated(strengths: list[float], corroboration: float) -> float:
    """The strongest, plus ``corroboration`` times the others, of what the strongest leaves: in 0-1."""
    strongest, *others = sorted(strengths, reverse=True)
    return min(1.0, strongest + corroboration * sum(others) * (1.0 - strongest))


def _combined(kinds: dict[str, dict], fusion: Fusion) -> float:
    """Each kind's score (its words and its vector are two readings of the same text, so the
    stronger counts and the other corroborates), then the kinds by the same rule, weighted."""
    strengths = []
    for kind, entry in kinds.items():
        entry["score"] = _corroborated(
            [entry.get("lexical", 0.0), entry.get("vector_strength", 0.0)], fusion.corroboration
        )
        strengths.append(fusion.weights.get(kind, 1.0) * entry["score"])
    return _corroborated(strengths, fusion.corroboration)
