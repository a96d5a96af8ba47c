"""System checks of the embeddings app: pgvector on every database, and the model registry's
weights. Registered in ``EmbeddingsConfig.ready``."""

from django.core.checks import Error, Warning
from django.db import connections
from django.db.utils import DatabaseError, OperationalError


def pgvector_status(connection) -> str | None:
    """None when pgvector is available on the server, else what is wrong."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT default_version FROM pg_available_extensions WHERE name = 'vector'")
        row = cursor.fetchone()
    if row is None:
        return "the PostgreSQL server has no pgvector extension installed"
    return None


def pgvector_check(app_configs=None, databases=None, **kwargs):
    """Databases that cannot be reached or have no pgvector (vectors and search would fail)."""
    if not databases:
        return []
    errors = []
    for alias in databases:
        try:
            problem = pgvector_status(connections[alias])
        except OperationalError as error:
            errors.append(Error(f"Cannot reach the database {alias!r}: {error}", id="embeddings.E001"))
            continue
        if problem:
            errors.append(
                Error(
                    f"Database {alias!r}: {problem}.",
                    hint="Install pgvector 0.8 or newer on the server (https://github.com/pgvector/pgvector), "
                    "or unset DATABASE_URL to use dam's embedded PostgreSQL, which includes it.",
                    id="embeddings.E002",
                )
            )
    return errors


def model_weights_check(app_configs=None, databases=None, **kwargs):
    """Model versions whose weights are missing or changed (searches and embedding would fail)."""
    if not databases:
        return []
    from embeddings.models import ModelVersion
    from embeddings.registry import model_version_verify

    problems = []
    try:
        versions = list(ModelVersion.objects.exclude(status=ModelVersion.Status.RETIRED))
    except DatabaseError:  # not migrated yet
        return []
    for version in versions:
        problem = model_version_verify(version)
        if problem:
            problems.append(
                Warning(
                    f"Model version {version}: {problem}.",
                    id="embeddings.W001",
                    hint="Run `python manage.py models verify` for the full list.",
                )
            )
    return problems
