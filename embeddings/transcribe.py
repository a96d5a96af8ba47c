"""Transcripts: what was said in an audio file, with timestamps, by a pinned speech recognition
model (faster-whisper, CTranslate2 weights from a local directory or a package)."""

from __future__ import annotations

import threading

from django.conf import settings
from django.db import transaction

from assets.models import Asset
from assets.storage.blobs import blob_staged
from embeddings.encoders import EncoderError
from embeddings.models import Role, TranscriptSegment

_models: dict[int, object] = {}
_lock = threading.Lock()


def _recogniser(version):
    from embeddings.registry import model_version_verify, weights_directory

    with _lock:
        if version.pk not in _models:
            problem = model_version_verify(version)
            if problem:
                raise EncoderError(f"model version {version}: {problem}")
            try:
                from faster_whisper import WhisperModel
            except ImportError as error:
                raise EncoderError("transcripts need the ml extra: pip install '.[ml]'") from error
            _models[version.pk] = WhisperModel(
                str(weights_directory(version)),
                device="cpu",
                compute_type=version.preprocessing.get("compute_type", "int8"),
                cpu_threads=settings.DAM_ASR_THREADS,
            )
        return _models[version.pk]


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
        options = version.preprocessing
        segments, _ = _recogniser(version).transcribe(
            str(work),
            beam_size=int(options.get("beam_size", 1)),
            vad_filter=bool(options.get("vad_filter", True)),
            language=options.get("language") or None,
        )
        rows = [
            TranscriptSegment(
                asset=asset,
                file_version=file_version,
                model_version=version,
                start_ms=int(round(s.start * 1000)),
                end_ms=int(round(s.end * 1000)),
                text=s.text.strip(),
            )
            for s in segments
            if s.text.strip()
        ]
    with transaction.atomic():
        TranscriptSegment.objects.filter(file_version=file_version, model_version=version).delete()
        TranscriptSegment.objects.bulk_create(rows, ignore_conflicts=True)
    return list(TranscriptSegment.objects.filter(file_version=file_version, model_version=version))
