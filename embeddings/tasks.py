"""Celery tasks of the embeddings app: thin wrappers that take IDs and call the pipeline."""

from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def embed_task(role_name: str, asset_ids: list[str]) -> int:
    from embeddings.pipeline import embed_assets

    return embed_assets(role_name, asset_ids)
