"""Moments of recordings as schema.org ``Clip``s: a span of a recording in its own terms (start
and end in seconds, ``isPartOf`` the recording's IRI) with the words said in it. Documents get
them on request (``?include=moments``: the transcript), search hits carry the spans that matched.
"""

from __future__ import annotations

from assets.jsonld import asset_iri
from assets.models import Asset
from embeddings.models import TranscriptSegment
from embeddings.roles import role_active


def _seconds(milliseconds: int) -> float:
    return round(milliseconds / 1000, 3)


def moment_clip(asset_id: str, start_ms: int, end_ms: int | None, words: str = "") -> dict:
    """One moment as a Clip, its ``@id`` the recording's IRI with a media fragment (``#t=12.5,19``):
    an address a citation can point at."""
    iri = asset_iri(asset_id)
    start = _seconds(start_ms)
    end = _seconds(end_ms) if end_ms is not None else None
    fragment = f"{start:g}" if end is None else f"{start:g},{end:g}"
    clip = {"@type": "Clip", "@id": f"{iri}#t={fragment}", "startOffset": start}
    if end is not None:
        clip["endOffset"] = end
    clip["isPartOf"] = {"@id": iri}
    if words.strip():
        clip["text"] = words.strip()
    return clip


def asset_moments(asset: Asset) -> list[dict]:
    """What was said in the recording's current file version, one Clip per transcript segment
    of the active speech recognition version, in order; [] for pictures and for recordings not
    transcribed (yet, or at all)."""
    if asset.kind != "audio" or asset.current_version_id is None:
        return []
    role = role_active("asr")
    if role is None:
        return []
    segments = TranscriptSegment.objects.filter(
        file_version_id=asset.current_version_id, model_version_id=role.model_version_id
    ).order_by("start_ms")
    return [moment_clip(asset.pk, segment.start_ms, segment.end_ms, segment.text) for segment in segments]


def moments_include(asset: Asset) -> dict:
    """The ``moments`` include of a document: its spoken moments as ``hasPart``."""
    return {"hasPart": asset_moments(asset)}
