"""Building the relevance library in the database: asset rows, the vocabulary, transcripts, vectors."""

from __future__ import annotations

import hashlib
import sys

from assets.models import Asset, FileVersion, Term
from benchmarks.relevance.library import (
    TERMS,
    LibraryAsset,
    recording_make,
    speech_folder,
    transcript_cached,
)


def _asset_id(label: str) -> str:
    return hashlib.sha256(f"relevance:{label}".encode()).hexdigest()[:32]


def vocabulary_create() -> None:
    terms = {}
    for label, aliases, broader in TERMS:
        term = Term(preferred_label=label, aliases=list(aliases))
        term.broader = terms.get(broader)
        term.save()
        terms[label] = term


def library_build(assets: list[LibraryAsset]) -> dict[str, str]:
    """Rows for every asset (and the vocabulary), transcripts for the recordings, and the vectors
    of every active role that embeds text; returns {label: asset ID}."""
    from embeddings.encoders.loading import encoder_for
    from embeddings.models import TranscriptSegment
    from embeddings.pipeline import embed_assets
    from embeddings.roles import role_active

    vocabulary_create()
    ids = {}
    for asset in assets:
        asset_id = _asset_id(asset.label)
        sha = hashlib.sha256(asset_id.encode()).hexdigest()
        mime = "image/jpeg" if asset.kind == "image" else "audio/wav"
        row = Asset.objects.create(id=asset_id, kind=asset.kind, original_sha256=sha, mime_type=mime, **asset.metadata)
        version = FileVersion.objects.create(
            asset=row, number=1, sha256=sha, size=1000, mime_type=mime, storage_name=f"relevance/{asset_id}"
        )
        Asset.objects.filter(pk=asset_id).update(current_version=version)
        ids[asset.label] = asset_id
    asr = role_active("asr")
    recordings = [asset for asset in assets if asset.kind == "audio"]
    if asr is not None and recordings:
        folder, recogniser = speech_folder(), None
        for asset in recordings:
            path = recording_make(asset, folder)
            if not path.with_suffix(".transcript.json").exists() and recogniser is None:
                print("transcribing the recordings (cached for the next run)…", file=sys.stderr)
                recogniser = encoder_for(asr.model_version)
            heard = transcript_cached(path, recogniser)
            version = Asset.objects.get(pk=ids[asset.label]).current_version
            TranscriptSegment.objects.bulk_create(
                TranscriptSegment(
                    asset_id=ids[asset.label],
                    file_version=version,
                    model_version=asr.model_version,
                    start_ms=start,
                    end_ms=end,
                    text=text,
                )
                for start, end, text in heard
            )
    else:
        for asset in recordings:
            recording_make(asset, speech_folder())
    # The image and audio roles read pixels and sound: without real weights they are not run (the
    # command says so). Recordings in which nothing was heard have no transcript to embed.
    embed_assets("asset_text", list(ids.values()))
    heard = set(TranscriptSegment.objects.values_list("asset_id", flat=True))
    embed_assets("transcript", sorted(heard & set(ids.values())))
    return ids
