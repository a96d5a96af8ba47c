"""The Celery application. Queues per workload are in dam/routing.py; a worker for all of them:
``celery -A dam worker -Q ingest,metadata_write,embed_cpu,embed_gpu,migration,default``."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dam.settings")

app = Celery("dam")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
