"""Probes and metrics for operators.

- ``/healthz``: the process answers (liveness; touches nothing else).
- ``/readyz``: the database, the broker, the storage and ExifTool are reachable (readiness);
  503 with the failing part named otherwise.
- ``/metrics``: Prometheus text format. Request latency is measured in each web process (with
  ``PROMETHEUS_MULTIPROC_DIR`` set, gunicorn's workers are summed); everything else is read from
  the database and the broker at scrape time, so the figures are the same whichever web process
  answers and include what the Celery workers did: assets and ingest outcomes, vectors per model
  version (``rate()`` of it is the embedding throughput), queue lengths and migration progress.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from dam.routing import QUEUES

REQUEST_SECONDS = Histogram(
    "dam_http_request_duration_seconds",
    "Time to answer an HTTP request, by view and status class",
    ["method", "view", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


class RequestMetricsMiddleware:
    """Observes every request's duration under its URL pattern's name (never the raw path, so
    asset IDs do not explode the label set)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or match.route) if match else "unmatched"
        REQUEST_SECONDS.labels(request.method, view, f"{response.status_code // 100}xx").observe(
            time.perf_counter() - started
        )
        return response


def healthz(request):
    return JsonResponse({"status": "ok"})


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
        row = cursor.fetchone()
    if row is None:
        raise RuntimeError("the vector extension is missing (run `manage.py migrate`)")
    return f"pgvector {row[0]}"


def _check_broker() -> str:
    from dam.celery import app

    with app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=1, timeout=3)
        return broker.as_uri()


def _check_storage() -> str:
    from django.core.files.storage import default_storage

    default_storage.exists("readyz-probe")  # a HEAD request on S3, a stat on disk
    return type(default_storage).__name__


_exiftool_checked: dict[str, float | str] = {}


def _check_exiftool() -> str:
    # A process start per probe would be wasteful: the answer is kept for a minute.
    if _exiftool_checked.get("at", 0) > time.monotonic() - 60:
        return str(_exiftool_checked["version"])
    path = shutil.which(settings.DAM_EXIFTOOL)
    if path is None:
        raise RuntimeError(f"{settings.DAM_EXIFTOOL} is not installed")
    version = subprocess.run([path, "-ver"], capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    _exiftool_checked.update(at=time.monotonic(), version=f"ExifTool {version}")
    return f"ExifTool {version}"


CHECKS = {"database": _check_database, "broker": _check_broker, "storage": _check_storage, "exiftool": _check_exiftool}


def readyz(request):
    results, ready = {}, True
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            results[name] = {"ok": True, "detail": check()}
        except Exception as error:  # noqa: BLE001 - the probe reports, it never raises
            ready = False
            results[name] = {"ok": False, "detail": f"{type(error).__name__}: {error}"}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
        if name == "broker" and results[name]["ok"]:
            results[name]["detail"] = "reachable"  # the URI may hold a password
    return JsonResponse({"status": "ready" if ready else "not ready", "checks": results}, status=200 if ready else 503)


def queue_lengths() -> dict[str, int]:
    """Messages waiting in each of dam's queues (Redis or the filesystem transport)."""
    from dam.celery import app

    lengths = {}
    with app.connection_for_read() as broker:
        channel = broker.default_channel
        for queue in QUEUES:
            try:
                lengths[queue] = channel.queue_declare(queue=queue, passive=True).message_count
            except Exception:  # noqa: BLE001 - a queue nobody declared yet holds nothing
                lengths[queue] = 0
    return lengths


class DatabaseCollector:
    """Figures read at scrape time, shared by every process."""

    def collect(self):
        from assets.models import Asset, IngestRecord
        from embeddings.models import Migration, ModelVersion
        from embeddings.reembedding.states import migration_progress

        assets = GaugeMetricFamily("dam_assets", "Assets, by kind", labels=["kind"])
        for kind, count in _grouped(Asset.objects.values_list("kind"), "kind"):
            assets.add_metric([kind], count)
        yield assets
        ingests = GaugeMetricFamily(
            "dam_ingest_records", "Ingest outcomes so far (created, exists, failed)", labels=["status"]
        )
        for status, count in _grouped(IngestRecord.objects.values_list("status"), "status"):
            ingests.add_metric([status], count)
        yield ingests
        vectors = GaugeMetricFamily(
            "dam_vectors",
            "Vectors stored per model version; rate() of it is the embedding throughput",
            labels=["model_version", "model", "roles"],
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT model_version_id, count(*) FROM embeddings_embedding GROUP BY model_version_id")
            counts = dict(cursor.fetchall())
        for version in ModelVersion.objects.prefetch_related("roles"):
            roles = ",".join(sorted(role.name for role in version.roles.all()))
            vectors.add_metric([str(version.pk), version.name, roles], counts.get(version.pk, 0))
        yield vectors
        queues = GaugeMetricFamily("dam_queue_length", "Messages waiting, by Celery queue", labels=["queue"])
        try:
            for queue, length in queue_lengths().items():
                queues.add_metric([queue], length)
        except Exception:  # noqa: BLE001 - a broker outage shows in /readyz; metrics still answer
            pass
        yield queues
        progress = GaugeMetricFamily(
            "dam_migration_assets",
            "Assets of open re-embedding migrations",
            labels=["migration", "role", "state", "of"],
        )
        for migration in Migration.objects.filter(state__in=Migration.OPEN):
            figures = migration_progress(migration)
            for of in ("done", "total", "failed"):
                progress.add_metric([str(migration.pk), migration.role, migration.state, of], figures[of])
        yield progress


def _grouped(values, column: str):
    from django.db.models import Count

    return values.order_by().annotate(count=Count("*")).values_list(column, "count")


def metrics(request):
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUEST_SECONDS)
    registry.register(DatabaseCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
