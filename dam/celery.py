"""The Celery application. Queues per workload are in dam/routing.py; a worker for all of them:
``celery -A dam worker -Q ingest,metadata_write,embed_cpu,embed_gpu,migration,default``."""

import os

from celery import Celery
from celery.signals import worker_init, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dam.settings")

app = Celery("dam")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _lower_priority(**kwargs) -> None:
    """``DAM_WORKER_NICE``: a worker pool that must never slow the web processes down (e.g. the
    migration pool on a shared host) runs at a lower CPU priority; its processes inherit it."""
    nice = int(os.environ.get("DAM_WORKER_NICE") or 0)
    if nice > 0:
        os.nice(nice)


@worker_process_init.connect
def _models_preload(**kwargs) -> None:
    """Each pool process loads the embedding models of the active roles before its first task
    (``DAM_PRELOAD_MODELS``), so a batch does not wait for them and the log says they are ready."""
    from django.conf import settings
    from django.db import connections

    if settings.DAM_PRELOAD_MODELS:
        from embeddings.preload import models_preload

        models_preload()
        connections.close_all()
