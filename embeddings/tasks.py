"""Celery tasks of the embeddings app: thin wrappers that take IDs and call the pipeline."""

from celery import shared_task
from django.conf import settings


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def embed_task(role_name: str, asset_ids: list[str], version_id: int | None = None) -> int:
    """Embed for the role's active version, or for ``version_id`` (a migration's new version)."""
    from embeddings.models import ModelVersion
    from embeddings.pipeline import embed_assets

    version = ModelVersion.objects.get(pk=version_id) if version_id else None
    return embed_assets(role_name, asset_ids, version=version)


@shared_task(acks_late=True, reject_on_worker_lost=True, rate_limit=settings.DAM_MIGRATION_RATE_LIMIT, max_retries=None)
def migration_batch_task(batch_id: int) -> None:
    """One backfill batch of a re-embedding migration (skipped unless the migration is backfilling)."""
    from embeddings.reembedding.states import migration_batch_run

    migration_batch_run(batch_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def migration_validate_task(migration_id: int) -> None:
    from embeddings.models import Migration
    from embeddings.reembedding.validation import migration_validate

    migration = Migration.objects.filter(pk=migration_id).first()
    if migration is not None and migration.state == Migration.State.VALIDATING:
        migration_validate(migration)


@shared_task
def deprecation_check_task() -> None:
    """Daily (Celery beat): plan migrations for roles whose model is about to be deprecated."""
    from embeddings.reembedding.scheduling import deprecations_check

    deprecations_check()
