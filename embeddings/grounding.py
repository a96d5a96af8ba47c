"""What grounds a search hit for a retrieval pipeline or an LLM: the asset's schema.org document
(built as the caller may see it, through the one visibility selector and the JSON-LD builder, so
every rule on what a document shows applies), the facts a citation needs, read from that
document, and the evidence search found, in one shape whichever ranking produced the hit.

The REST search (``"include": ["document"]``) and the MCP server both ground hits here."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from assets.jsonld import asset_jsonld
from assets.locations import exact_location_allowed
from assets.models import Asset
from assets.selectors import asset_list_visible_to
from assets.vocabulary.keywords import terms_for


def hit_documents(
    user, asset_ids: Iterable[str], url_for: Callable[[str, Asset], str | None], territory: str | None = None
) -> dict[str, dict]:
    """The JSON-LD documents of those of ``asset_ids`` the caller may see, by ID (one query for
    the assets, one for their vocabulary terms)."""
    wanted = list(dict.fromkeys(asset_ids))
    if not wanted:
        return {}
    assets = list(
        asset_list_visible_to(user, territory=territory).filter(pk__in=wanted).select_related("current_version")
    )
    terms = terms_for([keyword for asset in assets for keyword in asset.keywords])
    exact = exact_location_allowed(user)  # location-sensitive positions as the rights rule says
    return {asset.pk: asset_jsonld(asset, url_for, terms=terms, exact_location=exact) for asset in assets}


def _listed(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _names(value) -> list[str]:
    return [item.get("name", "") if isinstance(item, dict) else str(item) for item in _listed(value)]


def _text(value) -> str | None:
    if isinstance(value, dict):  # a CreativeWork such as usageInfo: its text
        value = value.get("text") or value.get("name")
    return str(value) if value not in (None, "") else None


def document_facts(document: dict) -> dict[str, Any]:
    """The facts of a document a citation rests on: who made it, who to credit, its rights and
    licence, when and where it was made (coordinates only where the document carries them),
    its keywords (the vocabulary's preferred labels) and the delivery copy's URL."""
    place = document.get("contentLocation") or {}
    address = place.get("address") or {}
    geo = place.get("geo") or {}
    place_facts = {
        "name": _text(place.get("name")),
        "locality": _text(address.get("addressLocality")),
        "region": _text(address.get("addressRegion")),
        "country": _text(address.get("addressCountry")),
        "latitude": geo.get("latitude"),
        "longitude": geo.get("longitude"),
    }
    return {
        "description": _text(document.get("description")),
        "creator": [name for name in _names(document.get("creator")) if name],
        "credit": _text(document.get("creditText")),
        "copyright_notice": _text(document.get("copyrightNotice")),
        "license": _text(document.get("license")),
        "acquire_license_page": _text(document.get("acquireLicensePage")),
        "usage_terms": _text(document.get("usageInfo")),
        "date_created": _text(document.get("dateCreated")),
        "place": place_facts if any(value is not None for value in place_facts.values()) else None,
        "keywords": [str(keyword) for keyword in _listed(document.get("keywords"))],
        "content_url": _text(document.get("contentUrl")),
    }


def _seconds(milliseconds) -> float | None:
    return round(float(milliseconds) / 1000, 3) if isinstance(milliseconds, (int, float)) else None


def _record(kind: str, item: dict) -> dict:
    """One evidence record with a ``kind``, and a span's start and end also in seconds."""
    record = {"kind": kind, **item}
    for name in ("start", "end"):
        if f"{name}_ms" in record and name not in record:
            record[name] = _seconds(record[f"{name}_ms"])
    return record


def _from_segments(segments: list) -> list[dict]:
    """Evidence records from the segments a vector search matched: a span (with an end) is what
    was heard or said there; a whole-asset vector is the metadata text, or the pixels."""
    records = []
    for segment in segments:
        if not isinstance(segment, dict):
            continue
        words = segment.get("text") or ""
        if segment.get("end_ms") is not None:
            kind = "spoken" if words else "acoustic"
            records.append(_record(kind, {**segment, "words": words}))
        else:
            records.append(_record("metadata" if words else "visual", segment))
    return records


def result_evidence(result: dict) -> list[dict]:
    """The evidence of one hit (``SearchResult.as_json()``) as records that each carry a
    ``kind``: the search's own ``evidence`` when it gives one (a list of records, or records by
    kind), else records made from the segments it matched."""
    evidence = result.get("evidence")
    if isinstance(evidence, list):
        return [_record(str(item.get("kind", "match")), item) for item in evidence if isinstance(item, dict)]
    if isinstance(evidence, dict):
        records = []
        for kind, value in evidence.items():
            for item in _listed(value):
                records.append(_record(str(kind), item if isinstance(item, dict) else {"value": item}))
        return records
    segments = result.get("segments") or []
    if not segments and "segments" in result:
        # No vector matched it: the search found it by its metadata (title and keywords) alone.
        return [{"kind": "metadata"}]
    return _from_segments(segments)


def evidence_spans(records: list[dict]) -> list[dict]:
    """The time spans among evidence records (those with a start and an end): ``start``,
    ``end`` (seconds), ``words`` and ``score`` where known, best first as search ordered them."""
    spans = []
    for record in records:
        start, end = record.get("start"), record.get("end")
        if isinstance(start, (int, float)) and isinstance(end, (int, float)):
            words = record.get("words") or record.get("text") or ""
            spans.append({"start": float(start), "end": float(end), "words": str(words), "score": record.get("score")})
    return spans
