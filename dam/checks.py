"""System checks of the deployment as a whole (pgvector is checked by the embeddings app)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Warning, register


@register("dam", deploy=True)
def production_check(app_configs=None, **kwargs):
    """With an external database (the production shape), settings that only suit one machine
    or a demo. Run by ``manage.py check --deploy``, next to Django's own deployment checks."""
    if settings.EMBEDDED:
        return []
    found = []
    if not settings.SECRET_KEY_FROM_ENVIRONMENT:
        found.append(
            Warning(
                "SECRET_KEY is not set: a key generated into the state directory is used, which other hosts "
                "do not share.",
                hint="Set SECRET_KEY (the same on every web host) from your secret store.",
                id="dam.W010",
            )
        )
    if settings.DEBUG:
        found.append(Error("DAM_DEBUG is on with an external database.", hint="Unset DAM_DEBUG.", id="dam.E011"))
    if "*" in settings.ALLOWED_HOSTS:
        found.append(Warning("ALLOWED_HOSTS allows any host.", hint="List the host names dam serves.", id="dam.W012"))
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        found.append(
            Warning(
                "The Celery broker is the filesystem transport, which works on one machine only.",
                hint="Set CELERY_BROKER_URL=redis://host:6379/0.",
                id="dam.W013",
            )
        )
    if settings.DAM_STORAGE == "local":
        found.append(
            Warning(
                "Raw files are stored on local disk: every web and worker host must mount the same DAM_MEDIA_DIR.",
                hint="Set DAM_STORAGE=s3 with AWS_STORAGE_BUCKET_NAME (S3, MinIO or Ceph) for several hosts.",
                id="dam.W014",
            )
        )
    elif not settings.STORAGES["default"]["OPTIONS"].get("bucket_name"):
        found.append(Error("DAM_STORAGE=s3 without AWS_STORAGE_BUCKET_NAME.", id="dam.E015"))
    if "locmem" in settings.CACHES["default"]["BACKEND"].lower():
        found.append(
            Warning(
                "API throttling counts per process (no shared cache).",
                hint="Set DAM_CACHE_URL=redis://host:6379/1.",
                id="dam.W016",
            )
        )
    return found
