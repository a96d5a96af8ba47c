"""Probes, metrics and structured logs: what an operator sees."""

import json
import logging

import pytest
from django.core.management import call_command

from benchmarks.synthetic import synthetic_assets_create
from tests.conftest import FIXTURES_DIR

pytestmark = pytest.mark.django_db


def test_healthz_and_readyz_name_every_part(client, settings):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    checks = ready.json()["checks"]
    assert set(checks) == {"database", "broker", "storage", "exiftool"} and all(c["ok"] for c in checks.values())
    assert checks["database"]["detail"].startswith("pgvector 0.8") and "ExifTool" in checks["exiftool"]["detail"]


def test_readyz_says_which_part_is_down(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    from dam.celery import app

    transport = app.conf.broker_transport
    app.conf.broker_url = settings.CELERY_BROKER_URL
    app.conf.broker_transport = None  # the embedded default names its filesystem transport
    try:
        ready = client.get("/readyz")
    finally:
        app.conf.broker_url = None
        app.conf.broker_transport = transport
        app.config_from_object("django.conf:settings", namespace="CELERY")
    assert ready.status_code == 503 and ready.json()["status"] == "not ready"
    checks = ready.json()["checks"]
    assert not checks["broker"]["ok"] and checks["database"]["ok"] and checks["exiftool"]["ok"]


def test_metrics_count_requests_assets_vectors_and_queues(client):
    synthetic_assets_create(3, prefix="metrics")
    client.get("/healthz")
    text = client.get("/metrics").content.decode()
    assert 'dam_http_request_duration_seconds_count{method="GET",status="2xx",view="healthz"}' in text
    assert 'dam_assets{kind="image"} 3.0' in text
    assert 'dam_queue_length{queue="embed_cpu"}' in text and 'dam_queue_length{queue="migration"}' in text


def test_json_logs_carry_the_asset_id(capsys, settings):
    from dam.logs import ContextFilter, JsonFormatter

    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    logger = logging.getLogger("assets")
    logger.addHandler(handler)
    try:
        call_command("ingest", str(FIXTURES_DIR / "images" / "sample.jpg"), str(FIXTURES_DIR / "broken" / "empty.jpg"))
    finally:
        logger.removeHandler(handler)
    err = capsys.readouterr().err.replace("\r", "\n")  # the progress bar shares stderr
    lines = [json.loads(line[line.index('{"time"') :]) for line in err.splitlines() if '{"time"' in line]
    ingested = next(line for line in lines if line["message"].startswith("ingested"))
    assert len(ingested["asset_id"]) == 32 and ingested["level"] == "INFO" and ingested["logger"] == "assets.ingest"
    refused = next(line for line in lines if line["message"].startswith("refused"))
    assert "empty.jpg" in refused["message"] and "asset_id" not in refused  # an empty file has no asset
