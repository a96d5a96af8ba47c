"""Tasks go to the queue of their workload; embedding by the device of the model version."""

import pytest

from dam.routing import QUEUES, route_task
from dam.runtime import celery_worker_command
from embeddings.registry import model_version_register, role_activate

pytestmark = pytest.mark.django_db


def version(tmp_path, device: str, name: str):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(name.encode())
    spec = {
        "family": "text",
        "name": name,
        "source_kind": "directory",
        "source": str(folder),
        "dimension": 8,
        "modalities": ["text"],
        "preprocessing": {"name": name},
        "device": device,
    }
    return model_version_register(spec)[0]


def queue(name: str, *args) -> str | None:
    routed = route_task(name, list(args), {}, {})
    return routed["queue"] if routed else None


def test_each_workload_has_its_queue(tmp_path):
    cpu, gpu = version(tmp_path, "cpu", "small"), version(tmp_path, "gpu", "large")
    role_activate("asset_text", cpu)
    role_activate("image", gpu)
    assert queue("assets.tasks.ingest_path_task", "/x.jpg") == "ingest"
    assert queue("assets.tasks.thumbnail_render_task", 1) == "ingest"
    assert queue("assets.tasks.metadata_writeback_task", 1) == "metadata_write"
    assert queue("embeddings.tasks.embed_task", "asset_text", ["a"]) == "embed_cpu"
    assert queue("embeddings.tasks.embed_task", "image", ["a"]) == "embed_gpu"
    assert queue("embeddings.tasks.embed_task", "asset_text", ["a"], gpu.pk) == "embed_gpu"  # a migration's version
    assert queue("embeddings.tasks.migration_batch_task", 1) == "migration"
    assert queue("embeddings.tasks.deprecation_check_task") is None  # the default queue
    # A worker started by dam (the demo's) consumes every queue.
    command = celery_worker_command("all")
    assert command[command.index("-Q") + 1].split(",") == list(QUEUES)


def test_a_gpu_version_on_a_worker_without_one_says_where_to_run_it(tmp_path):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    from embeddings.encoders.base import EncoderError
    from embeddings.encoders.text import TextEncoder

    with pytest.raises(EncoderError, match="runs on a GPU and this worker has none.*embed_gpu queue"):
        TextEncoder(version(tmp_path, "gpu", "large"), tmp_path / "large")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_can_run_below_the_web_processes_cpu_priority(tmp_path):
    import os

    from tests.conftest import worker_start

    worker = worker_start(tmp_path, "nice", extra_env={"DAM_WORKER_NICE": "7"})
    try:
        assert os.getpriority(os.PRIO_PROCESS, worker.process.pid) == os.getpriority(os.PRIO_PROCESS, 0) + 7
    finally:
        worker.stop()
