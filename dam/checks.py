"""System checks of the deployment as a whole."""

from __future__ import annotations

from django.core.checks import Error, register
from django.db import connections
from django.db.utils import OperationalError


def pgvector_status(connection) -> str | None:
    """None when pgvector is available on the server, else what is wrong."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT default_version FROM pg_available_extensions WHERE name = 'vector'")
        row = cursor.fetchone()
    if row is None:
        return "the PostgreSQL server has no pgvector extension installed"
    return None


@register("dam", "database", deploy=False)
def pgvector_check(app_configs=None, databases=None, **kwargs):
    if not databases:
        return []
    errors = []
    for alias in databases:
        try:
            problem = pgvector_status(connections[alias])
        except OperationalError as error:
            errors.append(Error(f"Cannot reach the database {alias!r}: {error}", id="dam.E001"))
            continue
        if problem:
            errors.append(
                Error(
                    f"Database {alias!r}: {problem}.",
                    hint="Install pgvector 0.8 or newer on the server (https://github.com/pgvector/pgvector), "
                    "or unset DATABASE_URL to use dam's embedded PostgreSQL, which includes it.",
                    id="dam.E002",
                )
            )
    return errors
