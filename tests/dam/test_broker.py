"""The embedded default's filesystem broker: readers see whole messages, and a damaged one
does not stop a worker."""

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from kombu import Connection

from assets.models import Asset
from assets.tasks import ingest_path_task
from tests.conftest import wait_for


def _transport_options(folder: Path) -> dict:
    folders = {name: folder / name for name in ("queue", "processed", "control")}
    for path in folders.values():
        path.mkdir(exist_ok=True)
    return {
        "data_folder_in": str(folders["queue"]),
        "data_folder_out": str(folders["queue"]),
        "processed_folder": str(folders["processed"]),
        "control_folder": str(folders["control"]),
        "store_processed": False,
    }


# A reader in a process of its own, polling as a worker does, printing what it took.
READER = """
import json, sys
from queue import Empty
from kombu import Connection
transport, options, count = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
taken, errors = [], []
with Connection("filesystem://", transport=transport, transport_options=options) as connection:
    channel = connection.default_channel
    print("ready", flush=True)
    while len(taken) + len(errors) < count:
        try:
            taken.append(channel._get("ingest")["body"].split(":")[0])
        except Empty:
            pass
        except Exception as error:
            errors.append(type(error).__name__)
print(json.dumps({"taken": taken, "errors": errors}))
"""


def test_a_reader_never_takes_part_of_a_message(tmp_path):
    # Messages of a few megabytes take long enough to write that a reader polling beside the
    # writer would find them half-written if they were visible before they were complete.
    count, body = 12, "x" * 4_000_000
    options = _transport_options(tmp_path)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, settings.CELERY_BROKER_TRANSPORT, json.dumps(options), str(count)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert reader.stdout.readline().strip() == "ready"
    with Connection(
        "filesystem://", transport=settings.CELERY_BROKER_TRANSPORT, transport_options=options
    ) as connection:
        for number in range(count):
            connection.default_channel._put("ingest", {"body": f"{number}:{body}"})
    output, _ = reader.communicate(timeout=60)
    result = json.loads(output)
    assert result["errors"] == []
    assert result["taken"] == [str(number) for number in range(count)]
    assert list((tmp_path / "queue").iterdir()) == []


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_damaged_message_is_dropped_and_the_worker_goes_on(celery_worker, make_jpeg):
    # What a process killed while writing a message leaves behind: a file with the name of a
    # message and no message in it. It sorts first, so the worker meets it before the real one.
    queue = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
    (queue / f"0_{uuid.uuid4()}.ingest.msg").write_bytes(b"")
    path = make_jpeg("after-the-damaged-one.jpg", seed=402, tags={"XMP-dc:Title": "After the damaged one"})
    ingest_path_task.delay(str(path))
    wait_for(
        lambda: Asset.objects.filter(title="After the damaged one").exists(),
        timeout=60,
        message="the worker to ingest the file sent after the damaged message",
    )
    assert celery_worker.process.poll() is None
    assert "dropped a damaged message from the ingest queue" in celery_worker.log()
