"""System checks of the embeddings app: pgvector on the database."""

import pytest
from django.core.checks import run_checks
from django.db import connection

from embeddings.checks import pgvector_status


def check_ids(**kwargs) -> set[str]:
    return {message.id for message in run_checks(**kwargs)}


@pytest.mark.django_db
def test_database_has_pgvector():
    assert not check_ids(databases=["default"]) & {"embeddings.E001", "embeddings.E002"}
    with connection.cursor() as cursor:
        cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
        (version,) = cursor.fetchone()
        cursor.execute("SHOW server_version")
        (server,) = cursor.fetchone()
    assert tuple(int(part) for part in version.split(".")[:2]) >= (0, 8)
    assert int(server.split(".")[0]) >= 18


class NoPgvector:
    """A connection to a server without pgvector: its catalogue lists no such extension."""

    def cursor(self):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def execute(self, sql, params=None):
        assert "pg_available_extensions" in sql

    def fetchone(self):
        return None


def test_a_server_without_pgvector_is_told_apart():
    assert pgvector_status(NoPgvector()) == "the PostgreSQL server has no pgvector extension installed"


@pytest.mark.django_db
def test_a_database_without_pgvector_fails_the_check_with_how_to_install(monkeypatch):
    monkeypatch.setattr("embeddings.checks.pgvector_status", lambda connection: "no pgvector here")
    [message] = [m for m in run_checks(databases=["default"]) if m.id == "embeddings.E002"]
    assert "no pgvector here" in message.msg and "Install pgvector 0.8" in message.hint
