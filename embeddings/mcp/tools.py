"""What each MCP tool and resource does, as plain synchronous functions of the caller: search,
documents and vocabulary read through the one visibility selector as the token's user, so a
hidden asset is exactly as absent as one that never existed. A failure the caller can act on is
a ``ToolError`` (the SDK answers it as a tool error) whose message says what to do."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL
from mcp.server.mcpserver.exceptions import ResourceNotFoundError, ToolError

from assets.models import Asset, Term, keyword_key
from assets.selectors import asset_ids_visible_to, asset_list_visible_to
from embeddings.encoders import EncoderError
from embeddings.filters import FilterError, search_filters_parse
from embeddings.grounding import document_facts, evidence_spans, hit_documents, result_evidence
from embeddings.mcp import schemas
from embeddings.moments import moment_clip
from embeddings.roles import roles_active
from embeddings.search import SearchError, search_similar, search_text

RESOURCES_LISTED = 100  # resources/list names the most recently changed; search finds the rest
VOCABULARY_LISTED = 200


@dataclass(frozen=True)
class Caller:
    """Who the server acts for: the token's user (seeing what the API shows them: their default
    territory, their groups), and how documents' URLs are made absolute."""

    user: object
    url_for: Callable


def not_found(asset_id: str) -> str:
    """The one answer for an asset the caller may not see and for one that does not exist."""
    return f"no asset {asset_id!r} that you may see: use an asset_id from search_assets"


def _searched(run: Callable[[], list]) -> list[dict]:
    try:
        return [result.as_json() for result in run()]
    except FilterError as error:
        raise ToolError(f"bad filter {error}: see the filters argument's description") from None
    except SearchError as error:
        raise ToolError(f"{error}") from None
    except EncoderError as error:
        message = f"the search model cannot run now ({error}): try again later, or tell an administrator"
        raise ToolError(message) from None


def _filters(filters: dict | None) -> dict:
    try:
        return search_filters_parse(filters) if filters else {}
    except FilterError as error:
        raise ToolError(f"bad filter {error}") from None


def _hits(caller: Caller, results: list[dict]) -> schemas.SearchAnswer:
    documents = hit_documents(caller.user, [hit["asset_id"] for hit in results], caller.url_for)
    hits = []
    for result in results:
        document = documents.get(result["asset_id"])
        if document is None:  # stopped being visible since the search ran
            continue
        evidence = result_evidence(result)
        hits.append(
            schemas.Hit(
                iri=document["@id"],
                asset_id=result["asset_id"],
                kind=result.get("kind") or ("audio" if document["@type"] == "AudioObject" else "image"),
                name=result.get("title") or document.get("name") or "",
                score=float(result.get("score") or 0),
                evidence=evidence,
                spans=[schemas.Span(**span) for span in evidence_spans(evidence)],
                facts=schemas.Facts(**document_facts(document)),
            )
        )
    return schemas.SearchAnswer(hits=hits)


def search_assets(caller: Caller, text: str, kind: str | None, filters: dict | None, k: int) -> schemas.SearchAnswer:
    if not text.strip():
        raise ToolError("the query text is empty: give the words to look for")
    parsed = _filters(filters)
    results = _searched(lambda: search_text(caller.user, text, k=k, kind=kind, filters=parsed))
    return _hits(caller, results)


def similar_assets(caller: Caller, asset_id: str, k: int) -> schemas.SearchAnswer:
    asset_id = asset_id.strip()
    if not asset_list_visible_to(caller.user).filter(pk=asset_id).exists():
        raise ToolError(not_found(asset_id))
    results = _searched(lambda: search_similar(caller.user, asset_id, k=k))
    return _hits(caller, results)


def find_moments(caller: Caller, text: str, k: int) -> schemas.MomentsAnswer:
    if not text.strip():
        raise ToolError("the query text is empty: give the words to look for")
    if not roles_active({"transcript", "audio"}):
        raise ToolError(
            "no model that finds moments is active (speech: the transcript role; sounds: the audio role): "
            "ask an administrator to run `python manage.py models setup`"
        )
    results = _searched(lambda: search_text(caller.user, text, k=k, kind="audio"))
    moments = []
    for result in results:
        for span in evidence_spans(result_evidence(result)):
            start_ms, end_ms = round(span["start"] * 1000), round(span["end"] * 1000)
            clip = moment_clip(result["asset_id"], start_ms, end_ms, span["words"])
            moments.append(
                schemas.Moment(
                    clip=schemas.Clip.model_validate(clip),
                    score=span["score"],
                    recording=result.get("title") or "",
                    asset_id=result["asset_id"],
                )
            )
    return schemas.MomentsAnswer(moments=moments[:k])


def asset_document(caller: Caller, asset_id: str) -> dict:
    """The asset's JSON-LD document, or LookupError with ``not_found``'s message."""
    document = hit_documents(caller.user, [asset_id.strip()], caller.url_for).get(asset_id.strip())
    if document is None:
        raise LookupError(not_found(asset_id.strip()))
    return document


def get_asset(caller: Caller, asset_id: str) -> schemas.Document:
    try:
        return schemas.Document.model_validate(asset_document(caller, asset_id))
    except LookupError as error:
        raise ToolError(str(error)) from None


def read_asset_resource(caller: Caller, asset_id: str) -> str:
    try:
        return json.dumps(asset_document(caller, asset_id), ensure_ascii=False)
    except LookupError as error:
        raise ResourceNotFoundError(str(error)) from None


def asset_resources(caller: Caller) -> list[dict]:
    """The most recently changed assets the caller may see, as resource entries."""
    assets = asset_list_visible_to(caller.user).order_by("-updated_at", "pk")
    return [
        {"uri": f"dam://assets/{asset_id}", "name": title or asset_id, "kind": kind}
        for asset_id, title, kind in assets.values_list("pk", "title", "kind")[:RESOURCES_LISTED]
    ]


def _visible_label_counts(caller: Caller, labels: list[str]) -> dict[str, int]:
    """How many assets the caller may see carry each label among their keywords."""
    if not labels:
        return {}
    visible = asset_ids_visible_to(caller.user)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT keyword, count(*) FROM {Asset._meta.db_table} AS a, unnest(a.keywords) AS keyword "
            f"WHERE a.id IN ({visible.sql}) AND keyword = ANY(%s) GROUP BY keyword",
            [*visible.params, labels],
        )
        return dict(cursor.fetchall())


def vocabulary(caller: Caller, prefix: str | None) -> schemas.VocabularyAnswer:
    terms = Term.objects.select_related("broader").order_by("preferred_label", "language")
    if prefix and prefix.strip():
        start = prefix.strip()
        pattern = re.sub(r"([\\%_])", r"\\\1", keyword_key(start)) + "%"
        aliases = f"SELECT id FROM {Term._meta.db_table}, unnest(match_keys) AS key WHERE key LIKE %s"
        by_alias = RawSQL(aliases, [pattern])
        terms = terms.filter(Q(preferred_label__istartswith=start) | Q(pk__in=by_alias))
    chosen = list(terms[: VOCABULARY_LISTED + 1])
    truncated = len(chosen) > VOCABULARY_LISTED
    chosen = chosen[:VOCABULARY_LISTED]
    counts = _visible_label_counts(caller, [term.preferred_label for term in chosen])
    return schemas.VocabularyAnswer(
        terms=[
            schemas.Term(
                label=term.preferred_label,
                language=term.language,
                aliases=list(term.aliases),
                uri=term.uri or None,
                broader=term.broader.preferred_label if term.broader else None,
                assets=counts.get(term.preferred_label, 0),
            )
            for term in chosen
        ],
        truncated=truncated,
    )
