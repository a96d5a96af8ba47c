"""The embeddings app listens to the registry; the registry never calls it.

A new file version from ingest gets every role that fits its kind. One written back by a metadata
edit has the pixels and the sound of the version whose tags it rewrote: its image, audio and
transcript vectors (and the transcript itself) carry over to it instead of being computed again,
and only the text made from the metadata is embedded anew.
"""

from django.db import transaction
from django.dispatch import receiver

from assets.signals import asset_metadata_changed, file_version_created


@receiver(file_version_created)
def embed_new_version(sender, file_version_id: int, previous_file_version_id: int | None = None, **kwargs) -> None:
    from assets.models import FileVersion
    from embeddings.enqueue import embed_enqueue

    version = FileVersion.objects.filter(pk=file_version_id).select_related("asset").first()
    if version is None:
        return
    if version.origin == FileVersion.Origin.WRITEBACK and previous_file_version_id is not None:
        file_version_vectors_carry_over(previous_file_version_id, version)
        embed_enqueue([version.asset_id], roles=("asset_text",))  # from the metadata now in the file
        return
    embed_enqueue([version.asset_id], version.asset.kind)


def file_version_vectors_carry_over(previous_file_version_id: int, version) -> int:
    """Point the vectors made from ``previous_file_version_id`` at ``version`` (a write-back of
    it: same pixels, same sound), and give ``version`` a copy of the previous version's
    transcripts, so nothing is transcribed again. Idempotent; returns the vectors moved."""
    from embeddings.models import Embedding, Transcription, TranscriptSegment

    with transaction.atomic():
        moved = Embedding.objects.filter(asset_id=version.asset_id, file_version_id=previous_file_version_id).update(
            file_version=version
        )
        segments = TranscriptSegment.objects.filter(file_version_id=previous_file_version_id)
        TranscriptSegment.objects.bulk_create(
            [
                TranscriptSegment(
                    asset_id=segment.asset_id,
                    file_version=version,
                    model_version_id=segment.model_version_id,
                    start_ms=segment.start_ms,
                    end_ms=segment.end_ms,
                    text=segment.text,
                )
                for segment in segments
            ],
            ignore_conflicts=True,
        )
        Transcription.objects.bulk_create(
            [
                Transcription(
                    file_version=version, model_version_id=done.model_version_id, segment_count=done.segment_count
                )
                for done in Transcription.objects.filter(file_version_id=previous_file_version_id)
            ],
            ignore_conflicts=True,
        )
    return moved


@receiver(asset_metadata_changed)
def embed_changed_metadata(sender, asset_id: str, **kwargs) -> None:
    from embeddings.enqueue import embed_enqueue

    embed_enqueue([asset_id], roles=("asset_text",))  # pixels and sound did not change
