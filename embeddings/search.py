"""Semantic search: a text query is embedded by every active role that fits (the metadata text
model, and CLIP for images), each returns its nearest assets the caller may see, and the rank
lists are fused with a metadata match list (title and keywords) by reciprocal rank fusion."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q

from assets.models import Asset
from assets.selectors import array_text, asset_ids_visible_to, asset_list_visible_to
from embeddings.encoders.loading import encoder_for
from embeddings.roles import ROLES, role_active, role_for_uploads, roles_active, roles_with_vectors
from embeddings.storage import nearest

RRF_K = 60  # the usual constant of reciprocal rank fusion
STOPWORDS = {
    "with",
    "from",
    "that",
    "this",
    "there",
    "their",
    "have",
    "about",
    "into",
    "over",
    "under",
    "below",
    "above",
    "photo",
    "picture",
    "image",
    "some",
    "very",
}


class SearchError(ValueError):
    """A query dam cannot answer; the message says why."""


@dataclass
class SearchResult:
    asset_id: str
    score: float
    kind: str
    title: str
    segments: list[dict] = field(default_factory=list)
    model_versions: list[int] = field(default_factory=list)  # the versions whose vectors found it

    def as_json(self) -> dict:
        return {
            "asset_id": self.asset_id,
            "score": round(self.score, 6),
            "kind": self.kind,
            "title": self.title,
            "segments": self.segments,
            "model_versions": self.model_versions,
        }


def _role_names(kind: str | None) -> set[str]:
    """The roles whose vectors can find assets of ``kind`` (of any kind when None)."""
    return {role.name for role in roles_with_vectors(kind)}


def _metadata_ranking(assets, text: str, limit: int) -> list[str]:
    """Assets whose title or keywords contain the query's words, most words first."""
    words = [w for w in re.findall(r"\w+", text.casefold()) if len(w) >= 4 and w not in STOPWORDS]
    if not words:
        return []
    matches = assets.alias(_keywords=array_text("keywords"))
    condition = Q()
    for word in words:
        condition |= Q(title__icontains=word) | Q(_keywords__icontains=word)
    candidates = matches.filter(condition).values_list("id", "title", "keywords")[: limit * 5]
    scored = []
    for asset_id, title, keywords in candidates:
        blob = f"{title} {' '.join(keywords)}".casefold()
        scored.append((sum(word in blob for word in words), asset_id))
    return [asset_id for _, asset_id in sorted(scored, key=lambda pair: (-pair[0], pair[1]))[:limit]]


def _candidates(user, territory, kind, filters, exclude: str | None = None):
    """The assets a search may return: those the caller may see, narrowed."""
    from embeddings.filters import FilterError, filters_apply

    visible = asset_list_visible_to(user, territory=territory)
    assets = visible.filter(kind=kind) if kind else visible
    if exclude:
        assets = assets.exclude(pk=exclude)
    try:
        return filters_apply(assets, filters or {})
    except FilterError as error:
        raise SearchError(str(error)) from error


def _candidate_ids(user, territory, kind, filters, exclude: str | None = None):
    """``_candidates`` for searches that only embed the set in their statements: when neither a
    kind nor a filter narrows it, the caller's visible assets as SQL compiled once per user
    (``AssetIds``), else the narrowed queryset."""
    if kind or filters:
        return _candidates(user, territory, kind, filters, exclude)
    visible = asset_ids_visible_to(user, territory)
    return visible.excluding(exclude) if exclude else visible


def _fuse(queries, assets, k: int, metadata_text: str | None = None) -> list[SearchResult]:
    """Reciprocal rank fusion of each (model version, query vector)'s nearest assets, and of a
    metadata match list for text queries."""
    fused: dict[str, float] = {}
    segments: dict[str, list[dict]] = {}
    found_by: dict[str, set[int]] = {}
    details: dict[str, tuple[str, str]] = {}  # kind and title, as the search statements read them
    for version, vector in queries:
        ranked: list[str] = []
        for neighbour in nearest(version, vector, k * 3, assets=assets):
            if neighbour.asset_id not in ranked:
                ranked.append(neighbour.asset_id)
                details[neighbour.asset_id] = (neighbour.kind, neighbour.title)
                found_by.setdefault(neighbour.asset_id, set()).add(version.pk)
            segments.setdefault(neighbour.asset_id, []).append(
                {
                    "start_ms": neighbour.segment_start_ms,
                    "end_ms": neighbour.segment_end_ms,
                    "score": round(neighbour.score, 6),
                    "text": neighbour.text,
                }
            )
        for rank, asset_id in enumerate(ranked, 1):
            fused[asset_id] = fused.get(asset_id, 0.0) + 1.0 / (RRF_K + rank)
    weight = settings.DAM_SEARCH_METADATA_WEIGHT
    if metadata_text and weight > 0:
        for rank, asset_id in enumerate(_metadata_ranking(assets, metadata_text, k * 3), 1):
            fused[asset_id] = fused.get(asset_id, 0.0) + weight / (RRF_K + rank)
    chosen = sorted(fused, key=lambda asset_id: (-fused[asset_id], asset_id))[:k]
    missing = [asset_id for asset_id in chosen if asset_id not in details]  # found by metadata only
    if missing:
        details.update(
            (asset_id, (kind, title))
            for asset_id, kind, title in Asset.objects.filter(pk__in=missing).values_list("id", "kind", "title")
        )
    return [
        SearchResult(
            asset_id=asset_id,
            score=fused[asset_id],
            kind=details[asset_id][0],
            title=details[asset_id][1],
            segments=sorted(segments.get(asset_id, []), key=lambda s: -s["score"]),
            model_versions=sorted(found_by.get(asset_id, ())),
        )
        for asset_id in chosen
    ]


def search_text(
    user, text: str, k: int = 10, kind: str | None = None, territory: str | None = None, filters: dict | None = None
) -> list[SearchResult]:
    if not text.strip():
        raise SearchError("the query text is empty")
    roles = roles_active(_role_names(kind))
    if not roles:
        raise SearchError("no embedding model is active: run `python manage.py models setup`")
    assets = _candidates(user, territory, kind, filters)
    # Only versions that embed text can answer a text query (Whisper's encoder embeds audio only).
    roles = [role for role in roles if ROLES[role.name].text_queries and "text" in role.model_version.modalities]
    queries = [(role.model_version, encoder_for(role.model_version).embed_texts([text])[0].tolist()) for role in roles]
    return _fuse(queries, assets, k, metadata_text=text)


def search_similar(
    user, asset_id: str, k: int = 10, kind: str | None = None, territory: str | None = None, filters: dict | None = None
) -> list[SearchResult]:
    """More like this: the asset's own vectors (metadata text, pixels) as queries, read by the
    database inside each search statement, which also checks that the caller may see the asset
    (told apart from "nothing similar" only when nothing is found)."""
    from embeddings.storage import StoredVector, versions_holding

    def refuse_if_hidden() -> None:
        if not asset_list_visible_to(user, territory=territory).filter(pk=asset_id).exists():
            raise SearchError(f"no asset {asset_id} that you may see")

    versions = versions_holding(asset_id, _role_names(kind))
    if not versions:
        refuse_if_hidden()
        raise SearchError(f"asset {asset_id} has no vectors yet: try again when the workers have embedded it")
    source = StoredVector(asset_id, visible=asset_ids_visible_to(user, territory))
    results = _fuse(
        [(version, source) for version in versions], _candidate_ids(user, territory, kind, filters, asset_id), k
    )
    if not results:
        refuse_if_hidden()
    return results


def search_image(user, image, k: int = 10, territory: str | None = None, filters: dict | None = None):
    """Images that look like an uploaded picture (the role that answers image uploads: ``image``)."""
    role = role_active(role_for_uploads("image").name)
    if role is None:
        raise SearchError("no image model is active: register one (see `python manage.py models`)")
    vector = encoder_for(role.model_version).embed_images([image])[0].tolist()
    return _fuse([(role.model_version, vector)], _candidates(user, territory, "image", filters), k)


def search_audio(user, path, k: int = 10, territory: str | None = None, filters: dict | None = None):
    """Recordings that sound like an uploaded clip (the role that answers audio uploads:
    ``audio``); the clip's windows are averaged into one query, and hits carry the window that
    matched."""
    import numpy

    role = role_active(role_for_uploads("audio").name)
    if role is None:
        raise SearchError("no audio model is active: register one (see `python manage.py models`)")
    windows = encoder_for(role.model_version).embed_audio(path)
    query = numpy.mean([vector for _, _, vector in windows], axis=0)
    query = (query / numpy.linalg.norm(query)).tolist()
    return _fuse([(role.model_version, query)], _candidates(user, territory, "audio", filters), k)


def search_file(user, upload, k: int = 10, territory: str | None = None, filters: dict | None = None):
    """An uploaded picture or audio clip (a Django upload) as the query, told apart by its
    content, and checked as ingest checks a file (pixel limit, decodable in full) before it is
    decoded for the encoder: a file ingest would refuse is a ``SearchError`` with ingest's reason."""
    import tempfile
    from pathlib import Path

    from assets.decoding.pictures import PictureError, picture_decode
    from assets.detection import HEAD_BYTES, detect_format
    from assets.validation import IngestError, inspect_file
    from embeddings.role_pipelines import EMBED_DECODE_SHORTEST_SIDE

    common = {"k": k, "territory": territory, "filters": filters}
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    media_format = detect_format(head, getattr(upload, "name", "") or "")
    if media_format is None:
        raise SearchError("the uploaded file is neither a supported image nor a supported audio file")
    with tempfile.NamedTemporaryFile(suffix=f".{media_format.extension}") as query_file:
        for chunk in upload.chunks():
            query_file.write(chunk)
        query_file.flush()
        path = Path(query_file.name)
        try:
            inspect_file(path, media_format)
        except IngestError as error:
            raise SearchError(f"the uploaded file cannot be used as a query: {error}") from error
        if media_format.kind == "audio":
            return search_audio(user, query_file.name, **common)
        try:  # the same pictures as the image role embeds: first frame, composite, raw preview
            picture = picture_decode(path, media_format, shortest_side=EMBED_DECODE_SHORTEST_SIDE)
        except PictureError as error:
            raise SearchError(f"the uploaded image cannot be decoded ({error})") from error
        return search_image(user, picture.image, **common)
