"""The production shape, on loopback (tests/topology/conftest.py): files go in over HTTP, come out
as embeddings, search results and the JSON-LD feed, and land in the bucket under their content
hashes; a worker killed during ingestion loses nothing.

Run it alone with ``pytest -m topology``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.conftest import FIXTURES_DIR, wait_for
from tests.topology.harness import BUCKET, TOPOLOGY, http, kill_mid_task, query, wait_for_progress, worker_replace

pytestmark = TOPOLOGY


def test_files_go_in_over_http_and_come_out_as_vectors_search_and_feed(topology):
    assert http(topology, "GET", "/healthz").json() == {"status": "ok"}
    ready = http(topology, "GET", "/readyz")
    assert ready.status_code == 200, ready.text
    # The other topology tests share these processes: what they stored is in the library too.
    started = http(topology, "GET", "/api/feed.jsonld?limit=1").headers["Date"]
    uploaded, asked = {}, {}
    for name, words in (
        ("images/sample.jpg", "sails at Bennelong Point"),
        ("images/sample.png", "harbour sheds below the peaks"),
        ("audio/speech.ogg", "a spoken sample"),
    ):
        path = FIXTURES_DIR / name
        with path.open("rb") as handle:
            response = http(topology, "POST", "/api/assets/", files={"file": (path.name, handle)})
        assert response.status_code == 201, response.text
        uploaded[response.json()["asset"]["id"]] = hashlib.sha256(path.read_bytes()).hexdigest()
        asked[response.json()["asset"]["id"]] = words

    # The embedding worker (another process, another queue) embeds them: search finds each by its
    # words through its vectors (model_versions: the versions whose lists found it), not only its text.
    def found() -> set[str]:
        hits = set()
        for asset_id, words in asked.items():
            results = http(topology, "POST", "/api/search/", json={"text": words, "k": 10}).json()["results"]
            hits |= {asset_id} & {result["asset_id"] for result in results if result["model_versions"]}
        return hits

    wait_for(
        lambda: set(uploaded) <= found(),
        timeout=300,
        message="the assets to be embedded and searchable; embed worker log:\n"
        + topology["workers"]["embed"].log()[-3000:],
    )
    results = http(topology, "POST", "/api/search/", json={"text": "sails in a harbour", "k": 3}).json()["results"]
    assert results[0]["asset_id"] in uploaded
    since = datetime.strptime(started, "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=UTC) - timedelta(seconds=1)
    feed = http(topology, "GET", "/api/feed.jsonld", params={"since": since.isoformat()})
    assert feed.status_code == 200
    items = [element["item"]["@id"] for element in feed.json()["dataFeedElement"]]
    assert {f"urn:dam:asset:{asset_id}" for asset_id in uploaded} <= set(items)
    # Every original is in the bucket under its SHA-256, with that SHA-256 as its checksum.
    for sha in uploaded.values():
        prefix = f"files/{sha[:2]}/{sha[2:4]}/{sha}."
        [key] = [obj["Key"] for obj in topology["s3"].list_objects_v2(Bucket=BUCKET, Prefix=prefix)["Contents"]]
        head = topology["s3"].head_object(Bucket=BUCKET, Key=key, ChecksumMode="ENABLED")
        assert base64.b64decode(head["ChecksumSHA256"]).hex() == sha
    # Structured logs from another process: the embedding task's lines carry task and asset.
    lines = [json.loads(line) for line in topology["workers"]["embed"].log().splitlines() if line.startswith("{")]
    assert any(line.get("task_id") and line.get("task_name") == "embeddings.tasks.embed_task" for line in lines)
    metrics = http(topology, "GET", "/metrics").text
    [images] = query(topology, "SELECT count(*) FROM assets_asset WHERE kind = 'image'")
    assert f'dam_assets{{kind="image"}} {float(images)}' in metrics and 'dam_queue_length{queue="ingest"}' in metrics


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

    def ingested() -> int:
        return query(
            topology,
            "SELECT count(*) FROM assets_ingestrecord WHERE original_name LIKE 'inbox-%' AND status = 'created'",
        )[0]

    def the_rest() -> str:
        [others] = query(
            topology,
            "SELECT string_agg(status || ' ' || original_name || ': ' || left(error, 300), '; ') "
            "FROM assets_ingestrecord WHERE original_name LIKE 'inbox-%' AND status <> 'created'",
        )
        import redis

        broker = redis.Redis.from_url(topology["redis"])
        queued, unacked = broker.llen("ingest"), broker.hlen("unacked")
        return f"other ingest records: {others or 'none'}; {queued} queued, {unacked} unacknowledged"

    wait_for_progress(ingested, until=3, total=len(paths), what="files ingested before the kill")
    kill_mid_task(topology, "ingest", "assets.tasks.ingest_path_task")
    assert ingested() < len(paths), "the worker must die part-way"
    worker_replace(topology, "ingest")
    wait_for_progress(
        ingested, until=len(paths), total=len(paths), what="files ingested after the kill", detail=the_rest
    )
    stored, distinct = query(topology, "SELECT count(*), count(DISTINCT sha256) FROM assets_fileversion")
    assert stored == distinct  # no file stored twice
    shutil.rmtree(folder, ignore_errors=True)
