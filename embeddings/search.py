"""Search: evidence per asset, fused into one ranking.

A text query gathers evidence of each kind: **metadata** (full-text search over the weighted
metadata, ``assets.fulltext``, and the ``asset_text`` role's vectors of the same text),
**visual** (the ``image`` role), **acoustic** (the ``audio`` role) and **spoken** (the
``transcript`` role: which span was said, and its words). Each vector list is cut at its model
version's relevance floor (``embeddings.calibration``): a neighbour no closer than the version's
unrelated pairs usually are is no evidence at all.

Each kind of evidence counts once per asset, by its best match, as a strength in 0-1; the kinds
are fused into one score, "how strongly the evidence matches", by ``embeddings.fusion`` (the
rules and their settings are in docs/search.md). Every list is read to the same depth whatever
``k`` is, and ties break by asset ID: the first k results are the same for every k.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from assets.models import Asset
from assets.selectors import asset_ids_visible_to, asset_list_visible_to
from embeddings.encoders.loading import encoder_for
from embeddings.fusion import DEPTH, Fusion, evidence_fuse, evidence_gather
from embeddings.roles import ROLES, role_active, role_for_uploads, roles_active, roles_with_vectors


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
    evidence: dict = field(default_factory=dict)  # {metadata|visual|acoustic|spoken: {...}}
    weak: bool = False  # the score is under ``DAM_SEARCH_WEAK_BELOW``

    def as_json(self) -> dict:
        from embeddings.evidence import evidence_in_words

        return {
            "asset_id": self.asset_id,
            "score": round(self.score, 6),
            "kind": self.kind,
            "title": self.title,
            "segments": self.segments,
            "model_versions": self.model_versions,
            "evidence": self.evidence,
            "weak": self.weak,
            "explanation": evidence_in_words(self.evidence),
        }


def _role_names(kind: str | None) -> set[str]:
    """The roles whose vectors can find assets of ``kind`` (of any kind when None)."""
    return {role.name for role in roles_with_vectors(kind)}


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


def _fuse(lists, assets, k: int, metadata_text: str | None = None) -> list[SearchResult]:
    """One result per asset, by the strength of its evidence (``embeddings.fusion``): each
    (evidence kind, model version, query vector) list cut at the version's floor, and the
    metadata full-text matches of ``metadata_text``."""
    return _results(evidence_gather(lists, assets, metadata_text), k)


def _results(gathered, k: int) -> list[SearchResult]:
    from assets.fulltext import metadata_evidence

    fusion = Fusion.configured()
    evidence = evidence_fuse(gathered, fusion)
    chosen = evidence.ranked()[:k]
    missing = [asset_id for asset_id in chosen if asset_id not in evidence.details]  # found by metadata only
    if missing:
        evidence.details.update(
            (asset_id, (kind, title))
            for asset_id, kind, title in Asset.objects.filter(pk__in=missing).values_list("id", "kind", "title")
        )
    matches = [
        entry["metadata"]["match"]
        for asset_id in chosen
        if "match" in (entry := evidence.kinds[asset_id]).get("metadata", {})
    ]
    metadata_evidence(matches)
    return [
        SearchResult(
            asset_id=asset_id,
            score=evidence.scores[asset_id],
            kind=evidence.details[asset_id][0],
            title=evidence.details[asset_id][1],
            segments=sorted(evidence.segments.get(asset_id, []), key=lambda s: (-s["score"], s["start_ms"])),
            model_versions=sorted(evidence.found_by.get(asset_id, ())),
            evidence=_evidence_json(evidence.kinds[asset_id]),
            weak=evidence.scores[asset_id] < fusion.weak_below,
        )
        for asset_id in chosen
    ]


def _evidence_json(kinds: dict[str, dict]) -> dict:
    shown = {}
    for kind, entry in sorted(kinds.items()):
        row = {"score": round(entry["score"], 4)}
        if "similarity" in entry:
            row["similarity"] = entry["similarity"]
        match = entry.get("match")
        if match is not None:
            row.update(
                fields=match.fields, highlights=match.highlights, words=match.matched, text_score=round(match.score, 4)
            )
        for key in ("start_ms", "end_ms", "text"):
            if key in entry:
                row[key] = entry[key]
        shown[kind] = row
    return shown


def search_text(
    user, text: str, k: int = 10, kind: str | None = None, territory: str | None = None, filters: dict | None = None
) -> list[SearchResult]:
    """The assets whose evidence matches ``text`` (read like a web search: ``"phrases"``,
    ``-exclusions``, ``or``), best first."""
    return _results(search_text_gather(user, text, kind, territory, filters), k)


def search_text_gather(user, text: str, kind: str | None = None, territory: str | None = None, filters=None):
    """What every list finds for ``text`` (``embeddings.fusion.Gathered``), before fusion."""
    from assets.fulltext import assets_excluding, metadata_matches, query_parse

    if not text.strip():
        raise SearchError("the query text is empty")
    roles = roles_active(_role_names(kind))
    if not roles:
        raise SearchError("no embedding model is active: run `python manage.py models setup`")
    parsed = query_parse(text)
    assets = assets_excluding(_candidates(user, territory, kind, filters), parsed)
    # The query is encoded in another thread while this one matches the metadata in the database
    # (the encoder touches no connection and releases the GIL): the search waits for the slower
    # of the two, not for both in turn.
    encoders = _text_encoders(roles, parsed.positive_text)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dam-query-encoder") as pool:
        encoded = pool.submit(_encoded, encoders, parsed.positive_text)
        matches = metadata_matches(assets, text, DEPTH)
        lists = encoded.result()
    return evidence_gather(lists, assets, metadata=matches)


def _text_encoders(roles, wanted: str) -> list:
    """(evidence kind, version, encoder) for each of ``roles`` that answers text (Whisper's
    encoder, for one, embeds audio only), nothing when nothing is wanted."""
    if not wanted:
        return []
    return [
        (ROLES[role.name].evidence, role.model_version, encoder_for(role.model_version))
        for role in roles
        if ROLES[role.name].text_queries and "text" in role.model_version.modalities
    ]


def _encoded(encoders, wanted: str) -> list:
    """(evidence kind, version, vector of ``wanted``) per encoder; encoders that would give the
    same vector (``Encoder.text_query_key``) encode it once."""
    vectors, lists = {}, []
    for kind, version, encoder in encoders:
        key = encoder.text_query_key
        if key not in vectors:
            vectors[key] = encoder.embed_texts([wanted])[0].tolist()
        lists.append((kind, version, vectors[key]))
    return lists


def _text_lists(roles, wanted: str) -> list:
    """(evidence kind, version, query vector) of ``wanted`` for each of ``roles`` that answers text."""
    return _encoded(_text_encoders(roles, wanted), wanted)


def search_similar(
    user, asset_id: str, k: int = 10, kind: str | None = None, territory: str | None = None, filters: dict | None = None
) -> list[SearchResult]:
    """More like this: the asset's own vectors (metadata text, pixels) as queries, read by the
    database inside each search statement, which also checks that the caller may see the asset
    (told apart from "nothing similar" only when nothing is found)."""
    from embeddings.models import Role
    from embeddings.storage import StoredVector, versions_holding

    def refuse_if_hidden() -> None:
        if not asset_list_visible_to(user, territory=territory).filter(pk=asset_id).exists():
            raise SearchError(f"no asset {asset_id} that you may see")

    names = _role_names(kind)
    versions = versions_holding(asset_id, names)
    if not versions:
        refuse_if_hidden()
        raise SearchError(f"asset {asset_id} has no vectors yet: try again when the workers have embedded it")
    role_of = dict(Role.objects.filter(name__in=names, model_version__in=versions).values_list("model_version", "name"))
    source = StoredVector(asset_id, visible=asset_ids_visible_to(user, territory))
    results = _fuse(
        [(ROLES[role_of[version.pk]].evidence, version, source) for version in versions],
        _candidate_ids(user, territory, kind, filters, asset_id),
        k,
    )
    if not results:
        refuse_if_hidden()
    return results


def search_image(user, image, k: int = 10, territory: str | None = None, filters: dict | None = None):
    """Images that look like an uploaded picture (the role that answers image uploads: ``image``)."""
    definition = role_for_uploads("image")
    role = role_active(definition.name)
    if role is None:
        raise SearchError("no image model is active: register one (see `python manage.py models`)")
    vector = encoder_for(role.model_version).embed_images([image])[0].tolist()
    return _fuse([(definition.evidence, role.model_version, vector)], _candidates(user, territory, "image", filters), k)


class SearchAnswer(list):
    """The results of a search by an uploaded clip, with what was heard in it (``heard``: the words,
    empty when no speech was heard or no speech recognition is active) and whether it was also
    searched by how it sounds (``acoustic``)."""

    def __init__(self, results, heard: str = "", acoustic: bool = False) -> None:
        super().__init__(results)
        self.heard, self.acoustic = heard, acoustic

    def query_json(self) -> dict:
        """What the answer says about the query, in the API's words."""
        said = f'heard "{self.heard}"' if self.heard else "no speech heard"
        how = (
            "searched by what was said and how it sounds"
            if self.heard and self.acoustic
            else ("searched by what was said" if self.heard else "searched by how it sounds")
        )
        return {"heard": self.heard, "acoustic": self.acoustic, "summary": f"{said}; {how}"}


def clip_words(path) -> str:
    """What is said in the clip at ``path``, by the active speech recognition version; empty when
    nothing is said or no such version is active."""
    role = role_active("asr")
    if role is None:
        return ""
    return " ".join(text for _, _, text in encoder_for(role.model_version).transcribe(path)).strip()


def search_audio(user, path, k: int = 10, territory: str | None = None, filters: dict | None = None):
    """A clip as the query: the words said in it (speech recognition, the ``asr`` role) searched
    across every kind as typed words are, fused with recordings that sound like it (the role that
    answers audio uploads: ``audio``, its windows averaged into one query) when an audio model is
    active. A clip without speech is searched by sound alone. Returns a ``SearchAnswer``."""
    import numpy

    heard = clip_words(path)
    definition = role_for_uploads("audio")
    role = role_active(definition.name)
    if role is None and not heard:
        raise SearchError(
            "no speech was heard in the clip, and no audio model is active to search by how it sounds: "
            "register one (see `python manage.py models`)"
        )
    lists = []
    if role is not None:
        windows = encoder_for(role.model_version).embed_audio(path)
        query = numpy.mean([vector for _, _, vector in windows], axis=0)
        lists.append((definition.evidence, role.model_version, (query / numpy.linalg.norm(query)).tolist()))
    if heard:
        lists += _text_lists(roles_active(_role_names(None) - {definition.name}), heard)
    assets = _candidates(user, territory, None if heard else "audio", filters)
    results = _fuse(lists, assets, k, metadata_text=heard or None)
    return SearchAnswer(results, heard=heard, acoustic=role is not None)


def search_file(user, upload, k: int = 10, territory: str | None = None, filters: dict | None = None):
    """An uploaded picture or audio clip (a Django upload) as the query, told apart by its
    content, and checked as ingest checks a file (pixel limit, decodable in full): a file ingest
    would refuse is a ``SearchError`` with ingest's reason. A picture is decoded once, reduced
    for the encoder, by that check."""
    import tempfile
    from pathlib import Path

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
        shortest_side = EMBED_DECODE_SHORTEST_SIDE if media_format.kind == "image" else None
        try:  # the same pictures as the image role embeds: first frame, composite, raw preview
            inspection = inspect_file(path, media_format, shortest_side=shortest_side)
        except IngestError as error:
            raise SearchError(f"the uploaded file cannot be used as a query: {error}") from error
        if media_format.kind == "audio":
            if inspection.soundless:  # kept by ingest, but nothing to listen to
                raise SearchError(f"the uploaded file cannot be used as a query: {inspection.soundless}")
            return search_audio(user, query_file.name, **common)
        if inspection.picture is None:  # a raw file with neither a preview nor sensor data LibRaw reads
            raise SearchError(f"the uploaded image cannot be decoded ({'; '.join(inspection.warnings)})")
        return search_image(user, inspection.picture.image, **common)
