"""Each role's pipeline: how a batch of assets becomes that role's vectors for one model version.

Every function takes ``(version, assets)``, the assets already narrowed to the role's kinds and
with the file version to read as ``current_version``, upserts (asset, segment) vectors, so a
batch done twice writes nothing twice, and returns how many it wrote. ``embeddings.roles`` names
each role's function; ``embeddings.pipeline.embed_assets`` is the way in.
"""

from __future__ import annotations

import logging

from django.conf import settings

from assets.models import Asset
from embeddings.encoders.loading import encoder_for
from embeddings.models import Embedding
from embeddings.storage import VectorRow, vectors_upsert
from embeddings.texts import asset_text

logger = logging.getLogger(__name__)

# Pictures are decoded no smaller than this on their shorter side before the encoder resizes them
# to its input (224 px for CLIP): only pictures at least twice as big are reduced.
EMBED_DECODE_SHORTEST_SIDE = 1024


def asset_texts_embed(version, assets: list[Asset]) -> int:
    """The metadata text of each asset (``embeddings.texts``), one vector each; an asset whose
    metadata was cleared loses its vector."""
    texts = {asset.pk: asset_text(asset) for asset in assets}
    empty = [asset_id for asset_id, text in texts.items() if not text]
    if empty:  # an asset whose metadata was cleared has nothing to be found by
        Embedding.objects.filter(model_version=version, asset_id__in=empty).delete()
    todo = [asset for asset in assets if texts[asset.pk]]
    if not todo:
        return 0
    encoder = encoder_for(version)
    written = 0
    batch = settings.DAM_EMBED_BATCH_SIZE
    for start in range(0, len(todo), batch):
        chunk = todo[start : start + batch]
        vectors = encoder.embed_texts([texts[asset.pk] for asset in chunk])
        rows = [
            VectorRow(asset.pk, asset.current_version_id, vector.tolist(), text=texts[asset.pk])
            for asset, vector in zip(chunk, vectors, strict=True)
        ]
        written += vectors_upsert(version, rows)
    return written


def images_embed(version, assets: list[Asset]) -> int:
    """Pixels only: decoded from the stored current version, never from metadata (the first frame,
    a document's composite, a raw file's preview). An asset whose picture cannot be decoded has no
    vector (ingest warned about it)."""
    from assets.decoding.pictures import PictureError
    from assets.storage.thumbnails import version_picture

    if not assets:
        return 0
    encoder = encoder_for(version)
    written = 0
    batch = settings.DAM_EMBED_BATCH_SIZE
    for start in range(0, len(assets), batch):
        chunk, images = [], []
        for asset in assets[start : start + batch]:
            try:
                images.append(version_picture(asset.current_version, EMBED_DECODE_SHORTEST_SIDE).image)
            except PictureError as error:
                logger.warning("no image vector for %s: %s", asset.pk, error, extra={"asset_id": asset.pk})
                continue
            chunk.append(asset)
        if not chunk:
            continue
        vectors = encoder.embed_images(images)
        rows = [
            VectorRow(asset.pk, asset.current_version_id, vector.tolist())
            for asset, vector in zip(chunk, vectors, strict=True)
        ]
        written += vectors_upsert(version, rows)
    return written


def transcripts_embed(version, assets: list[Asset]) -> int:
    """One vector per transcript segment, keyed by its start, carrying its time span and words."""
    from embeddings.transcribe import transcript_segments

    written = 0
    for asset in assets:
        segments = transcript_segments(asset)
        starts = [segment.start_ms for segment in segments]
        # Segments of an earlier transcript (another file version) that no longer exist go.
        Embedding.objects.filter(asset=asset, model_version=version).exclude(segment_start_ms__in=starts).delete()
        if not segments:
            continue
        vectors = encoder_for(version).embed_texts([segment.text for segment in segments])
        rows = [
            VectorRow(
                asset.pk, asset.current_version_id, vector.tolist(), segment.start_ms, segment.end_ms, segment.text
            )
            for segment, vector in zip(segments, vectors, strict=True)
        ]
        written += vectors_upsert(version, rows)
    return written


def audio_embed(version, assets: list[Asset]) -> int:
    """One vector per window, keyed by its start; windows of an earlier file version go. A
    recording none of whose sound decodes has no vector (ingest warned about it)."""
    from assets.decoding.sound import NoSoundError
    from assets.storage.blobs import blob_staged

    encoder = encoder_for(version) if assets else None
    written = 0
    for asset in assets:
        with blob_staged(asset.current_version.storage_name) as work:
            try:
                windows = encoder.embed_audio(work)
            except NoSoundError as error:  # ingest warned about it
                logger.warning("no audio vector for %s: %s", asset.pk, error, extra={"asset_id": asset.pk})
                continue
        starts = [start for start, _, _ in windows]
        Embedding.objects.filter(asset=asset, model_version=version).exclude(segment_start_ms__in=starts).delete()
        written += vectors_upsert(
            version,
            [
                VectorRow(asset.pk, asset.current_version_id, vector.tolist(), start, end)
                for start, end, vector in windows
            ],
        )
    return written
