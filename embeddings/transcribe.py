"""Transcripts: what was said in an audio file, with timestamps, by a pinned speech recognition
model (the ``asr`` family: ``embeddings.encoders.asr``), stored per file version and model version.

A ``Transcription`` row records that a version has listened to a file version, so a recording in
which nothing was said (music, tones) counts as done and is not transcribed again."""

from __future__ import annotations

from django.db import transaction

from assets.models import Asset
from assets.storage.blobs import blob_staged
from embeddings.encoders.loading import encoder_for
from embeddings.models import Role, Transcription, TranscriptSegment


def transcript_segments(asset: Asset) -> list[TranscriptSegment]:
    """The current version's transcript by the active ``asr`` version, made now unless that
    version has listened to this file version before (an empty list when nothing was said)."""
    role = Role.objects.select_related("model_version").filter(name="asr").first()
    if role is None or asset.kind != "audio":
        return []
    version, file_version = role.model_version, asset.current_version
    done = Transcription.objects.filter(file_version=file_version, model_version=version).exists()
    existing = list(TranscriptSegment.objects.filter(file_version=file_version, model_version=version))
    if done or existing:
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
        Transcription.objects.update_or_create(
            file_version=file_version, model_version=version, defaults={"segment_count": len(rows)}
        )
    return list(TranscriptSegment.objects.filter(file_version=file_version, model_version=version))
