"""Celery queues per workload, and which task goes where.

- ``ingest``: ingest by path, thumbnails (I/O and ExifTool; many small tasks);
- ``metadata_write``: writing edited metadata back into files as new versions;
- ``embed_cpu`` / ``embed_gpu``: embedding, by the device of the model version the task uses;
- ``migration``: re-embedding migrations' backfill batches and validation (rate limited);
- ``default``: the rest (the daily deprecation check).

One worker can consume several queues (the embedded demo consumes all); production runs a pool
per queue so that, e.g., a migration never holds up ingest.
"""

from __future__ import annotations

QUEUES = ("ingest", "metadata_write", "embed_cpu", "embed_gpu", "migration", "default")

_BY_TASK = {
    "assets.tasks.metadata_writeback_task": "metadata_write",
    "assets.tasks.ingest_path_task": "ingest",
    "assets.tasks.thumbnail_render_task": "ingest",
    "embeddings.tasks.migration_batch_task": "migration",
    "embeddings.tasks.migration_validate_task": "migration",
}


def embed_queue(role_name: str, version_id: int | None) -> str:
    """``embed_gpu`` for a model version that runs on a GPU, else ``embed_cpu``."""
    from embeddings.models import ModelVersion, Role

    if version_id:
        device = ModelVersion.objects.filter(pk=version_id).values_list("device", flat=True).first()
    else:
        device = Role.objects.filter(name=role_name).values_list("model_version__device", flat=True).first()
    return "embed_gpu" if device == "gpu" else "embed_cpu"


def route_task(name, args, kwargs, options, task=None, **extra):
    """Celery's task router (``CELERY_TASK_ROUTES``)."""
    if name == "embeddings.tasks.embed_task":
        role_name = (args or [kwargs.get("role_name")])[0]
        version_id = args[2] if args and len(args) > 2 else kwargs.get("version_id")
        return {"queue": embed_queue(role_name, version_id)}
    queue = _BY_TASK.get(name)
    return {"queue": queue} if queue else None
