"""python manage.py benchmark_migration --assets 2000: what a re-embedding migration costs.

1. Throughput: the same assets embedded first-time by a new model version (the pipeline, in
   batches, as a worker does), then re-embedded by a migration's backfill (batches recorded,
   progress counted, failures isolated); the ratio is the migration's overhead.
2. Search while migrating: "more like this" latency (p50/p99) with no migration, then while a
   real worker process backfills at the configured rate limit (``DAM_MIGRATION_RATE_LIMIT``).

The new version is the ``asset_text`` model with another preprocessing spec (a new version, as a
preprocessor change is). Unlike the other benchmarks this one must commit (a worker process only
sees committed rows): everything it creates is deleted at the end, also when interrupted.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from assets.models import Asset
from benchmarks.measuring import figures_json, percentile_ms
from benchmarks.synthetic import synthetic_asset_ids, synthetic_assets_create
from dam.runtime import celery_worker_command, database_url
from embeddings.defaults import ASSET_TEXT, default_models_register
from embeddings.models import Embedding, Migration, ModelVersion, Role
from embeddings.pipeline import embed_assets
from embeddings.reembedding import states as service
from embeddings.registry import model_version_register
from embeddings.search import search_similar

PREFIX = "benchmark-migration"
IDLE_SECONDS = 15


class Command(BaseCommand):
    help = "Benchmark a re-embedding migration: throughput next to first-time embedding, search latency during it."

    def add_arguments(self, parser):
        parser.add_argument("--assets", type=int, default=2000)
        parser.add_argument("--queries", type=int, default=200)
        parser.add_argument(
            "--nice", type=int, default=10, help="CPU priority of the migration worker (DAM_WORKER_NICE), 0 = normal"
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, assets: int, queries: int, nice: int, json: bool, **options):
        if "asset_text" not in default_models_register():
            raise CommandError("the asset_text model is not installed (pip install '.[ml]')")
        if Migration.objects.filter(role="asset_text", state__in=Migration.OPEN).exists():
            raise CommandError("a migration of asset_text is under way here: benchmark on another database")
        role = Role.objects.get(name="asset_text")
        scratch = _Scratch(role)
        try:
            figures = _measure(scratch, assets, queries, nice)
        finally:
            scratch.clean()
        if json:
            self.stdout.write(figures_json(figures))
            return
        self.stdout.write(
            f"{figures['assets']} assets, asset_text (all-MiniLM-L6-v2), batches of {figures['batch_size']}\n"
            f"  first-time embedding      {figures['first_time_per_second']:8.1f} assets/s\n"
            f"  migration backfill        {figures['migration_per_second']:8.1f} assets/s   "
            f"{figures['throughput_ratio']:.2f}x first-time\n"
            f"  search idle               p50 {figures['idle_p50_ms']:6.2f} ms   p99 {figures['idle_p99_ms']:6.2f} ms\n"
            f"  search during migration   p50 {figures['migrating_p50_ms']:6.2f} ms   p99 "
            f"{figures['migrating_p99_ms']:6.2f} ms   p99 {figures['p99_ratio']:.2f}x idle "
            f"({figures['migrating_queries']} queries while a worker backfilled at {figures['rate_limit']}, "
            f"nice {figures['worker_nice']})\n"
        )


class _Scratch:
    """What the benchmark makes, and its removal."""

    def __init__(self, role: Role) -> None:
        self.role, self.old_version = role, role.model_version
        self.new_version: ModelVersion | None = None
        self.new_version_existed = False
        self.user = None
        self.asset_ids: list[str] = []

    def clean(self) -> None:
        Role.objects.filter(pk=self.role.pk).update(model_version=self.old_version)
        Asset.objects.filter(pk__in=self.asset_ids).delete()
        if self.new_version is not None:
            Migration.objects.filter(to_version=self.new_version).delete()
            if not self.new_version_existed:
                Embedding.objects.filter(model_version=self.new_version).delete()
                with connection.cursor() as cursor:
                    cursor.execute(f"DROP INDEX IF EXISTS {self.new_version.index_name}")
                self.new_version.delete()
        if self.user is not None:
            self.user.delete()


def _measure(scratch: _Scratch, count: int, query_count: int, nice: int) -> dict:
    print(f"creating {count} assets…", file=sys.stderr)
    scratch.asset_ids = synthetic_asset_ids(count, prefix=PREFIX)
    if Asset.objects.filter(pk__in=scratch.asset_ids[:1]).exists():
        scratch.asset_ids = []  # not ours to delete
        raise CommandError("assets of an earlier benchmark run are still here: remove them first")
    synthetic_assets_create(count, prefix=PREFIX)
    ids = sorted(scratch.asset_ids)
    embed_assets("asset_text", ids)  # the old version's vectors: what search serves, what is migrated
    spec = {**ASSET_TEXT, "preprocessing": {**ASSET_TEXT["preprocessing"], "benchmark": "migration"}}
    scratch.new_version, created = model_version_register(spec)
    scratch.new_version_existed = not created
    new = scratch.new_version
    migration = service.migration_plan("asset_text", new, reason="benchmark")
    covered = list(service._covered_assets(migration))
    batch = migration.batch_size

    print("first-time embedding…", file=sys.stderr)
    embed_assets("asset_text", covered[:batch], version=new)  # the model loaded before timing
    Embedding.objects.filter(model_version=new).delete()
    started = time.perf_counter()
    for start in range(0, len(covered), batch):
        embed_assets("asset_text", covered[start : start + batch], version=new)
    first_time = time.perf_counter() - started
    Embedding.objects.filter(model_version=new).delete()

    print("migration backfill…", file=sys.stderr)
    started = time.perf_counter()
    migration = service.migration_start(migration)
    for batch_id in migration.batches.order_by("number").values_list("pk", flat=True):
        service.migration_batch_run(batch_id)
    backfill = time.perf_counter() - started
    service.migration_rollback(Migration.objects.get(pk=migration.pk), reason="benchmark")
    Embedding.objects.filter(model_version=new).delete()

    scratch.user = get_user_model().objects.create_superuser(f"{PREFIX}-{os.getpid()}", None, None)
    generator = numpy.random.default_rng(5)
    sample = [ids[i] for i in generator.integers(0, len(ids), query_count)]

    def search_once(asset_id: str) -> float:
        started = time.perf_counter()
        results = search_similar(scratch.user, asset_id, k=10)
        if len(results) != 10:
            raise CommandError(f"a search returned {len(results)} results, not 10")
        return time.perf_counter() - started

    for asset_id in sample[:10]:
        search_once(asset_id)  # warm
    # As many seconds of searching as the backfill below will take at least, so that both p99s
    # come from thousands of queries, not a short burst.
    idle, deadline = [], time.monotonic() + IDLE_SECONDS
    while time.monotonic() < deadline:
        idle += [search_once(asset_id) for asset_id in sample[:20]]
        sample = sample[20:] + sample[:20]

    print("search while a worker backfills…", file=sys.stderr)

    migration = service.migration_plan("asset_text", new, reason="benchmark")
    log = Path(tempfile.mkstemp(prefix="dam-bench-migration-", suffix=".log")[1])
    with log.open("w") as output:
        worker = subprocess.Popen(
            celery_worker_command("benchmark-migration", concurrency=1),
            stdout=output,
            stderr=subprocess.STDOUT,
            env={
                **os.environ,
                "DATABASE_URL": database_url(connection),
                "DAM_MIGRATION_RATE_LIMIT": settings.DAM_MIGRATION_RATE_LIMIT or "",
                "DAM_WORKER_NICE": str(nice),
            },
        )
    try:
        deadline = time.monotonic() + 120
        while "ready." not in log.read_text(errors="replace"):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise CommandError(f"the worker did not start:\n{log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.2)
        migration = service.migration_start(migration)
        while not Migration.objects.get(pk=migration.pk).done_assets:
            time.sleep(0.05)
        during = []
        while Migration.objects.get(pk=migration.pk).state == Migration.State.BACKFILLING:
            during += [search_once(asset_id) for asset_id in sample[:20]]
            sample = sample[20:] + sample[:20]
        migrated = Migration.objects.get(pk=migration.pk)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        log.unlink(missing_ok=True)
    if len(during) < 20:
        raise CommandError("the backfill ended before enough searches ran: use more --assets")
    return {
        "assets": len(covered),
        "batch_size": batch,
        "first_time_per_second": len(covered) / first_time,
        "migration_per_second": len(covered) / backfill,
        "throughput_ratio": first_time / backfill,
        "queries": len(idle),
        "idle_p50_ms": percentile_ms(idle, 50),
        "idle_p99_ms": percentile_ms(idle, 99),
        "migrating_queries": len(during),
        "migrating_p50_ms": percentile_ms(during, 50),
        "migrating_p99_ms": percentile_ms(during, 99),
        "p99_ratio": percentile_ms(during, 99) / percentile_ms(idle, 99),
        "rate_limit": str(settings.DAM_MIGRATION_RATE_LIMIT or "no limit"),
        "worker_nice": nice,
        "worker_rate_per_second": service.migration_progress(migrated)["rate_per_second"],
    }
