"""A worker SIGKILLed in the middle of work loses nothing and duplicates nothing: an ingest of 200
files (some damaged) ends with every good file as exactly one asset and every damaged one refused
with a record; write-backs end with exactly one new, complete file version per edit.

The kill lands wherever the worker is; ``acks_late`` and ``reject_on_worker_lost`` bring the task
it held back, and the services are idempotent. Run alone with ``pytest -m topology``.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.topology.harness import BUCKET, TOPOLOGY, http, kill_mid_task, query, wait_for_progress, worker_replace

pytestmark = TOPOLOGY

FILES, DAMAGED_EVERY = 200, 25  # 8 of the 200 are truncated JPEGs


def s3_sha256(topology, key: str) -> str:
    head = topology["s3"].head_object(Bucket=BUCKET, Key=key, ChecksumMode="ENABLED")
    return base64.b64decode(head["ChecksumSHA256"]).hex()


@pytest.fixture(scope="module")
def inbox():
    import numpy
    from PIL import Image

    folder = Path(tempfile.mkdtemp(prefix="dam-fault-inbox-"))
    folder.chmod(0o755)
    noise = numpy.random.default_rng(23)
    files = {}
    for number in range(FILES):
        path = folder / f"fault-{number:03d}.jpg"
        Image.fromarray(noise.integers(0, 256, (360, 480, 3), dtype=numpy.uint8)).save(path, quality=90)
        if number % DAMAGED_EVERY == 7:
            # Refused, not kept: a JPEG's first bytes and nothing a decoder can read (a file cut
            # mid-scan is kept with a warning, so it would not be refused).
            path.write_bytes(path.read_bytes()[:3] + noise.bytes(4000))
        files[path.name] = path
    yield files
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.timeout(900)  # a busy 2-core machine; progress is checked inside
def test_a_worker_killed_mid_ingest_of_200_files_loses_and_duplicates_nothing(topology, inbox):
    from kombu import Connection

    from dam.celery import app

    with Connection(topology["redis"]) as connection:
        for path in inbox.values():
            app.send_task("assets.tasks.ingest_path_task", args=[str(path)], queue="ingest", connection=connection)

    def files_done() -> int:
        return query(
            topology,
            "SELECT count(DISTINCT original_name) FROM assets_ingestrecord WHERE original_name LIKE 'fault-%'",
        )[0]

    wait_for_progress(files_done, until=20, total=FILES, what="files ingested before the kill")
    kill_mid_task(topology, "ingest", "assets.tasks.ingest_path_task")
    assert files_done() < FILES, "the worker must die part-way"
    worker_replace(topology, "ingest")
    wait_for_progress(files_done, until=FILES, total=FILES, what="files ingested after the kill")

    damaged = {name for number, name in enumerate(sorted(inbox)) if number % DAMAGED_EVERY == 7}
    good = {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in inbox.items() if name not in damaged}
    for name, sha in good.items():
        versions, assets, created = query(
            topology,
            "SELECT (SELECT count(*) FROM assets_fileversion WHERE sha256 = %s),"
            " (SELECT count(*) FROM assets_asset WHERE original_sha256 = %s),"
            " (SELECT count(*) FROM assets_ingestrecord WHERE original_name = %s AND status = 'created')",
            sha,
            sha,
            name,
        )
        assert (versions, assets, created) == (1, 1, 1), f"{name}: {versions} versions, {assets} assets, {created}"
        [key] = query(topology, "SELECT storage_name FROM assets_fileversion WHERE sha256 = %s", sha)
        assert s3_sha256(topology, key) == sha, f"{name} is not stored whole"
    for name in damaged:
        failed, other = query(
            topology,
            "SELECT count(*) FILTER (WHERE status = 'failed'), count(*) FILTER (WHERE status <> 'failed')"
            " FROM assets_ingestrecord WHERE original_name = %s",
            name,
        )
        # One refusal; a second only if the kill fell between its commit and the acknowledgement.
        assert 1 <= failed <= 2 and other == 0, f"{name}: {failed} failed records, {other} others"
    stored, distinct = query(topology, "SELECT count(*), count(DISTINCT sha256) FROM assets_fileversion")
    assert stored == distinct


@pytest.mark.timeout(900)  # a busy 2-core machine; progress is checked inside
def test_a_worker_killed_mid_write_back_leaves_one_whole_version_per_edit(topology, inbox):
    names = sorted(name for number, name in enumerate(sorted(inbox)) if number % DAMAGED_EVERY != 7)[:40]
    asset_ids = []
    for name in names:
        [asset_id] = query(
            topology, "SELECT asset_id FROM assets_ingestrecord WHERE original_name = %s AND status = 'created'", name
        )
        response = http(topology, "PATCH", f"/api/assets/{asset_id}/", json={"metadata": {"title": f"Edited {name}"}})
        assert response.status_code == 200, response.text
        asset_ids.append(asset_id)

    def written() -> int:
        return query(
            topology,
            "SELECT count(*) FROM assets_metadatachange WHERE asset_id = ANY(%s) AND status = 'written'",
            asset_ids,
        )[0]

    wait_for_progress(written, until=3, total=len(asset_ids), what="write-backs before the kill")
    # The ingest worker also serves metadata_write.
    kill_mid_task(topology, "ingest", "assets.tasks.metadata_writeback_task")
    assert written() < len(asset_ids), "the worker must die part-way"
    worker_replace(topology, "ingest")
    wait_for_progress(written, until=len(asset_ids), total=len(asset_ids), what="write-backs after the kill")

    for asset_id, name in zip(asset_ids, names, strict=True):
        numbers, current, failed = query(
            topology,
            "SELECT array_agg(v.number ORDER BY v.number), (SELECT number FROM assets_fileversion"
            " WHERE id = a.current_version_id), (SELECT count(*) FROM assets_metadatachange"
            " WHERE asset_id = a.id AND status = 'failed')"
            " FROM assets_asset a JOIN assets_fileversion v ON v.asset_id = a.id WHERE a.id = %s GROUP BY a.id",
            asset_id,
        )
        assert (numbers, current, failed) == ([1, 2], 2, 0), f"{name}: versions {numbers}, current {current}"
        sha, key = query(
            topology, "SELECT sha256, storage_name FROM assets_fileversion WHERE asset_id = %s AND number = 2", asset_id
        )
        assert s3_sha256(topology, key) == sha, f"version 2 of {name} is not stored whole"
        download = http(topology, "GET", f"/api/assets/{asset_id}/files/2/download/")
        assert download.status_code == 200 and hashlib.sha256(download.content).hexdigest() == sha
