"""A worker killed in the middle of a batch: the batch completes on restart, nothing duplicated."""

import shutil
import signal
import socket
import subprocess
import time

import pytest
from kombu import Connection

from assets.ingest import ingest_paths
from embeddings.defaults import default_models_register
from embeddings.models import Embedding, Role, TranscriptSegment
from embeddings.tasks import embed_task
from tests.conftest import wait_for, worker_start

pytest.importorskip("faster_whisper", reason="the ml extra is not installed")
pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed"),
]


@pytest.fixture
def redis_url(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    wait_for(lambda: _answers(port), timeout=20, message="redis-server to start")
    yield url
    server.terminate()
    server.wait(timeout=10)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


SENTENCES = [
    "The ferry leaves the harbour at seven.",
    "Fresh snow fell on the northern ridge.",
    "The choir rehearsed until midnight.",
    "Traffic stopped for the marathon runners.",
    "A fox crossed the frozen lake at dawn.",
    "The museum opened a new wing today.",
    "Thunder rolled over the wheat fields.",
    "The market sold apples and honey.",
]


@pytest.fixture
def recordings(tmp_path):
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    paths = []
    for index, sentence in enumerate(SENTENCES):
        path = tmp_path / f"note-{index}.wav"
        subprocess.run(["espeak-ng", "-w", str(path), sentence], check=True, capture_output=True)
        paths.append(path)
    return paths


def test_a_killed_worker_loses_and_duplicates_nothing(redis_url, recordings, tmp_path):
    default_models_register()
    ids = sorted(r.asset_id for r in ingest_paths(recordings))
    Embedding.objects.all().delete()
    version = Role.objects.get(name="transcript").model_version
    broker = {"CELERY_BROKER_URL": redis_url, "DAM_BROKER_VISIBILITY_TIMEOUT": "3"}
    worker = worker_start(tmp_path, "doomed", extra_env=broker)
    with Connection(redis_url) as connection:
        embed_task.apply_async(("transcript", ids), connection=connection, queue="embed_cpu")
    wait_for(
        lambda: TranscriptSegment.objects.values("asset_id").distinct().count() >= 2,
        timeout=120,
        interval=0.05,
        message="the worker to be part-way through the batch",
    )
    worker.stop(signal.SIGKILL)
    done_when_killed = set(TranscriptSegment.objects.values_list("asset_id", flat=True))
    assert 2 <= len(done_when_killed) < len(ids), "the worker must die in the middle of the batch"
    time.sleep(3)  # the visibility timeout: the message the dead worker held goes back to the queue
    replacement = worker_start(tmp_path, "replacement", extra_env=broker)
    try:
        wait_for(
            lambda: set(Embedding.objects.filter(model_version=version).values_list("asset_id", flat=True)) == set(ids),
            timeout=180,
            message="the restarted worker to finish the batch",
        )
    finally:
        replacement.stop()
    assert "embed_task" in replacement.log()  # the same message, delivered again
    vectors = list(Embedding.objects.filter(model_version=version).values_list("asset_id", "segment_start_ms"))
    assert len(vectors) == len(set(vectors))  # exactly one vector per (asset, version, segment)
    segments = list(TranscriptSegment.objects.values_list("file_version_id", "start_ms"))
    assert len(segments) == len(set(segments))


def test_a_worker_killed_mid_backfill_leaves_a_migration_that_completes_exactly_once(redis_url, tmp_path, settings):
    """SIGKILL in the middle of a migration's backfill: a new worker finishes it, every asset
    gets exactly one vector by the new version, and none is missing."""
    from assets.models import Asset
    from benchmarks.synthetic import synthetic_assets_create
    from embeddings.defaults import ASSET_TEXT
    from embeddings.models import Migration, MigrationBatch
    from embeddings.pipeline import embed_assets
    from embeddings.reembedding import states as service
    from embeddings.registry import model_version_register
    from embeddings.tasks import migration_batch_task

    default_models_register()
    synthetic_assets_create(120, prefix="crash")
    ids = list(Asset.objects.order_by("pk").values_list("pk", flat=True))
    for number, asset_id in enumerate(ids):
        Asset.objects.filter(pk=asset_id).update(title=f"{SENTENCES[number % len(SENTENCES)]} ({number})")
    embed_assets("asset_text", ids)
    new, _ = model_version_register({**ASSET_TEXT, "preprocessing": {**ASSET_TEXT["preprocessing"], "v": 2}})
    settings.DAM_MIGRATION_BATCH_SIZE = 4
    migration = service.migration_start(service.migration_plan("asset_text", new))
    broker = {"CELERY_BROKER_URL": redis_url, "DAM_BROKER_VISIBILITY_TIMEOUT": "3", "DAM_MIGRATION_RATE_LIMIT": "4/s"}
    with Connection(redis_url) as connection:  # the batches, on the Redis broker the workers use
        for batch_id in migration.batches.values_list("pk", flat=True):
            migration_batch_task.apply_async((batch_id,), connection=connection, queue="migration")
    worker = worker_start(tmp_path, "doomed", extra_env=broker)
    wait_for(
        lambda: MigrationBatch.objects.filter(migration=migration, done=True).count() >= 5,
        timeout=120,
        interval=0.05,
        message="the backfill to be under way",
    )
    worker.stop(signal.SIGKILL)
    done = MigrationBatch.objects.filter(migration=migration, done=True).count()
    assert done < migration.batches.count(), "the worker must die in the middle of the backfill"
    time.sleep(3)  # the visibility timeout: what the dead worker held goes back to the queue
    replacement = worker_start(tmp_path, "replacement", extra_env=broker)
    try:
        wait_for(
            lambda: Migration.objects.get(pk=migration.pk).state == "ready",
            timeout=240,
            message=f"the migration to finish; worker log:\n{replacement.log()[-3000:]}",
        )
    finally:
        replacement.stop()
    vectors = list(Embedding.objects.filter(model_version=new).values_list("asset_id", "segment_start_ms"))
    assert len(vectors) == len(set(vectors)) == len(ids)  # one per asset, none twice
    assert {asset_id for asset_id, _ in vectors} == set(ids)
    assert Migration.objects.get(pk=migration.pk).done_assets == len(ids)
