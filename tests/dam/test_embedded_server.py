"""The embedded PostgreSQL gets memory for the vector index: a quarter of the machine's by
default, ``DAM_DB_SHARED_BUFFERS`` where set, applied when dam starts the server and never by
restarting one that other processes already use."""

import re

import psycopg
import pytest

from dam import runtime


def _shown(database, name: str = "shared_buffers") -> str:
    with psycopg.connect(database.url("postgres")) as connection:
        return connection.execute(f"SHOW {name}").fetchone()[0]


def _server_pid(database) -> int:
    with psycopg.connect(database.url("postgres")) as connection:
        return connection.execute("SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'").fetchone()[0]


def test_a_server_dam_starts_gets_its_buffers_and_a_running_one_is_left_alone(tmp_path, monkeypatch):
    pgdata = tmp_path / "pgdata"
    monkeypatch.setenv("DAM_DB_SHARED_BUFFERS", "256MB")
    database = runtime.embedded_postgres_start(pgdata)  # a new server: initialised, then restarted with it
    try:
        assert _shown(database) == "256MB"
        running = _server_pid(database)
        monkeypatch.setenv("DAM_DB_SHARED_BUFFERS", "384MB")
        runtime.embedded_postgres_start(pgdata)  # already running: another process's start-up changes nothing
        assert _shown(database) == "256MB" and _server_pid(database) == running
        runtime.embedded_postgres_stop(pgdata)
        database = runtime.embedded_postgres_start(pgdata)  # started again: the new value
        assert _shown(database) == "384MB"
        runtime.embedded_postgres_stop(pgdata)
        restarted = runtime.embedded_postgres_start(pgdata)  # the same value: started once, not restarted
        assert _shown(restarted) == "384MB"
        # Shut down four times: the two stops, and the restarts of the new server and of the changed one.
        assert (pgdata / "log").read_text().count("received fast shutdown request") == 4
    finally:
        runtime.embedded_postgres_stop(pgdata)


def test_the_default_is_a_quarter_of_the_memory_within_bounds(monkeypatch):
    monkeypatch.delenv("DAM_DB_SHARED_BUFFERS", raising=False)
    for memory_gb, shared in ((8, "2048MB"), (24, "6144MB"), (256, "16384MB"), (0.25, "128MB")):
        monkeypatch.setattr(runtime, "_memory_bytes", lambda gb=memory_gb: int(gb * 2**30))
        chosen = runtime.embedded_server_settings()
        assert chosen["shared_buffers"] == shared
        assert chosen["effective_cache_size"] == f"{max(int(memory_gb * 1024) // 2, 256)}MB"


@pytest.mark.parametrize("value", ["lots", "2 gigabytes", "1GB; DROP TABLE x", "-1MB"])
def test_a_size_that_is_not_one_is_refused_in_words(monkeypatch, value):
    monkeypatch.setenv("DAM_DB_SHARED_BUFFERS", value)
    with pytest.raises(ValueError, match="DAM_DB_SHARED_BUFFERS must be a size such as 512MB or 4GB"):
        runtime.embedded_server_settings()


def test_embedded_status_shows_the_buffers_in_force(capsys, db):
    from django.core.management import call_command

    call_command("embedded", "status")
    shown = capsys.readouterr().out
    assert "embedded PostgreSQL running" in shown and re.search(r"shared_buffers=\d+[kMGT]B ", shown)
