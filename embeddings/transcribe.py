"""Transcripts: what was said in an audio file, with timestamps, by a pinned speech recognition
model (the ``asr`` family: ``embeddings.encoders.asr``), stored per file version and model version."""

from __future__ import annotations

from django.db import transaction

from assets.models import Asset
from assets.storage.blobs import blob_staged
from embeddings.encoders.loading import encoder_for
from embeddings.models import Role, TranscriptSegment


def transcript_segments(asset: Asset) -> list[TranscriptSegment]:
    """The current version's transcript by the active ``asr`` version, made now if missing."""
    role = Role.objects.select_related("model_version").filter(name="asr").first()
    if role is None or asset.kind != "audio":
        return []
    version, file_version = role.model_version, asset.current_version
    existing = list(TranscriptSegment.objects.filter(file_version=file_version, model_version=version))
    if existing:
        return existing
    with blob_staged(file_version.storage_name) as work:
        heard = encoder_for(version).transcribe(work)
    rows = [
        TranscriptSegment(
            asset=asset, file_version=file_version, model_version=version, start_ms=start, end_ms=end, text=text
        )
        for start, end, text in heard
    ]
    with transaction.atomic():
        TranscriptSegment.objects.filter(file_version=file_version, model_version=version).delete()
        TranscriptSegment.objects.bulk_create(rows, ignore_conflicts=True)
    return list(TranscriptSegment.objects.filter(file_version=file_version, model_version=version))
