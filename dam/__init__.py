"""dam: digital asset management with deterministic IDs, standard metadata and vectors."""

from dam.celery import app as celery_app

__all__ = ["celery_app"]
