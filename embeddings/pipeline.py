"""Embedding assets for a role: batched, idempotent (an upsert per asset and segment)."""

from __future__ import annotations

import logging

from django.conf import settings

from assets.log_context import asset_logging
from assets.models import Asset
from embeddings.encoders import encoder_for
from embeddings.models import Embedding, Role
from embeddings.storage import VectorRow, vectors_upsert
from embeddings.texts import asset_text

logger = logging.getLogger(__name__)

# Which roles each asset kind takes part in (more arrive with the image and audio encoders).
ROLES_FOR_KIND = {"image": ("asset_text", "image"), "audio": ("asset_text", "transcript", "audio")}


def roles_for(kind: str) -> list[Role]:
    return list(Role.objects.filter(name__in=ROLES_FOR_KIND.get(kind, ())).select_related("model_version"))


def embed_assets(role_name: str, asset_ids: list[str], version=None, source: str = "current") -> int:
    """Embed the assets for the role's active version (or ``version``, e.g. a migration's new
    one), from their current file versions or, with ``source="original"``, their first ones;
    returns the number of vectors written."""
    with asset_logging(asset_ids[0] if len(asset_ids) == 1 else None):
        written = _embed_assets(role_name, asset_ids, version, source)
    logger.info("%s: %d vectors for %d assets", role_name, written, len(asset_ids))
    return written


def _embed_assets(role_name: str, asset_ids: list[str], version, source: str) -> int:
    if version is None:
        role = Role.objects.select_related("model_version").filter(name=role_name).first()
        if role is None:
            return 0
        version = role.model_version
    assets = list(Asset.objects.filter(pk__in=asset_ids).select_related("current_version").order_by("pk"))
    if source == "original":
        from assets.models import FileVersion

        originals = {fv.asset_id: fv for fv in FileVersion.objects.filter(asset__in=assets, number=1)}
        for asset in assets:  # in memory only: the pipeline reads files through current_version
            if asset.pk in originals:
                asset.current_version, asset.current_version_id = originals[asset.pk], originals[asset.pk].pk
    if role_name == "image":
        return _embed_images(version, [asset for asset in assets if asset.kind == "image"])
    if role_name == "audio":
        return _embed_audio(version, [asset for asset in assets if asset.kind == "audio"])
    if role_name == "transcript":
        return _embed_transcripts(version, [asset for asset in assets if asset.kind == "audio"])
    if role_name != "asset_text":
        raise ValueError(f"no pipeline for the role {role_name!r} yet")
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


def embed_enqueue(asset_ids: list[str], kind: str | None = None, roles: tuple[str, ...] | None = None) -> None:
    """Ask the workers to embed assets for every active role that fits them (or only ``roles``),
    and for the new version of any migration under way for those roles (so nothing ingested or
    edited during a migration is missing from the new version)."""
    from embeddings.reembedding.states import migrations_embedding_new_assets
    from embeddings.tasks import embed_task

    kinds = {kind} if kind else set(Asset.objects.filter(pk__in=asset_ids).values_list("kind", flat=True))
    fitting = {role.name for each in kinds for role in roles_for(each)}
    chosen = sorted(fitting & set(roles) if roles else fitting)
    targets = [(role, None) for role in chosen]
    targets += [(m.role, m.to_version_id) for m in migrations_embedding_new_assets() if m.role in chosen]
    for role, version_id in targets:
        for start in range(0, len(asset_ids), settings.DAM_EMBED_BATCH_SIZE):
            try:
                embed_task.delay(role, asset_ids[start : start + settings.DAM_EMBED_BATCH_SIZE], version_id)
            except Exception:  # a broker outage must not undo an ingest; `manage.py embed --missing-only` catches up
                logger.exception("could not enqueue embedding for %s", role)


def _embed_images(version, assets: list[Asset]) -> int:
    """Pixels only: decoded from the stored current version, never from metadata."""
    from PIL import Image

    from assets.storage import blob_open

    if not assets:
        return 0
    encoder = encoder_for(version)
    written = 0
    batch = settings.DAM_EMBED_BATCH_SIZE
    for start in range(0, len(assets), batch):
        chunk = assets[start : start + batch]
        images = []
        for asset in chunk:
            with blob_open(asset.current_version.storage_name) as handle, Image.open(handle) as image:
                image.load()
                images.append(image.copy())
        vectors = encoder.embed_images(images)
        rows = [
            VectorRow(asset.pk, asset.current_version_id, vector.tolist())
            for asset, vector in zip(chunk, vectors, strict=True)
        ]
        written += vectors_upsert(version, rows)
    return written


def _embed_transcripts(version, assets: list[Asset]) -> int:
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


def _embed_audio(version, assets: list[Asset]) -> int:
    """One vector per window, keyed by its start; windows of an earlier file version go."""
    from assets.storage import blob_staged

    encoder = encoder_for(version) if assets else None
    written = 0
    for asset in assets:
        with blob_staged(asset.current_version.storage_name) as work:
            windows = encoder.embed_audio(work)
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
