"""python manage.py benchmark_feed: the CMS feed and per-asset JSON-LD next to a plain DRF list.

Creates N synthetic assets in a transaction that is rolled back at the end, then measures in
the same run, through Django's request handling (no network):

- a full pull of the feed, following its rel=next links (items/second), with the peak memory
  of the first and the last pages;
- the plain DRF list of the same assets, following its cursor links (the baseline);
- per-asset latency of the JSON-LD document next to the plain JSON of the same asset.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
import tracemalloc

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from rest_framework.test import APIClient
from tqdm import tqdm

from assets.models import AccessProfile, Asset
from assets.selectors import asset_list_visible_to
from benchmarks.measuring import figures_json, rolled_back
from benchmarks.synthetic import synthetic_assets_create


class Command(BaseCommand):
    help = "Benchmark the JSON-LD feed and documents against the plain API list (nothing is kept)."

    def add_arguments(self, parser):
        parser.add_argument("--assets", type=int, default=100_000)
        parser.add_argument("--page-size", type=int, default=500)
        parser.add_argument("--samples", type=int, default=300, help="single-asset requests timed per format")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, assets: int, page_size: int, samples: int, json: bool, **options):
        figures = {}
        with rolled_back():
            figures = self._measure(assets, page_size, samples)
        if json:
            self.stdout.write(figures_json(figures))
            return
        self.stdout.write(
            f"{assets} assets, pages of {page_size}\n"
            f"  plain DRF list pull     {figures['list_items_per_second']:9.0f} items/s   1.00x\n"
            f"  JSON-LD feed pull       {figures['feed_items_per_second']:9.0f} items/s   "
            f"{figures['feed_ratio']:.2f}x   ({figures['feed_pages']} pages, peak memory first/last page "
            f"{figures['feed_peak_kib_first_page']:.0f}/{figures['feed_peak_kib_last_page']:.0f} KiB)\n"
            f"  asset as JSON           p50 {figures['json_p50_ms']:6.2f} ms   p99 {figures['json_p99_ms']:6.2f} ms\n"
            f"  asset as JSON-LD        p50 {figures['jsonld_p50_ms']:6.2f} ms   p99 {figures['jsonld_p99_ms']:6.2f} ms"
            f"   {figures['jsonld_ratio_p50']:.2f}x at p50\n"
        )

    def _measure(self, count: int, page_size: int, samples: int) -> dict:
        self.stderr.write(f"creating {count} synthetic assets…")
        synthetic_assets_create(count, prefix="benchmark-feed")
        user = get_user_model().objects.create_user(username="benchmark-cms", password=None)
        AccessProfile.objects.create(user=user, default_territory="NO")  # the rights filter is exercised
        client = APIClient(HTTP_HOST="localhost")  # a host the settings allow
        client.force_authenticate(user)

        list_seconds, listed = _pull(client, f"/api/assets/?page_size={page_size}")
        feed_seconds, fed, pages = _pull_feed(client, f"/api/feed.jsonld?limit={page_size}")
        full_pages = pages[:-1] if len(pages) > 1 else pages  # the last page is the empty one that ends a pull
        peaks = [_peak_memory(client, full_pages[0]), _peak_memory(client, full_pages[-1])]
        visible = asset_list_visible_to(user).count()  # the synthetic assets and any already here
        if not listed == fed == visible:
            raise RuntimeError(f"expected {visible} items, listed {listed} and fed {fed}")

        ids = list(Asset.objects.values_list("id", flat=True))
        chosen = random.Random(7).sample(ids, min(samples, len(ids)))
        json_times = _latencies(client, chosen, "application/json")
        jsonld_times = _latencies(client, chosen, "application/ld+json")
        return {
            "assets": count,
            "page_size": page_size,
            "list_items_per_second": listed / list_seconds,
            "feed_items_per_second": fed / feed_seconds,
            "feed_ratio": (fed / feed_seconds) / (listed / list_seconds),
            "feed_pages": len(pages),
            "feed_peak_kib_first_page": peaks[0] / 1024,
            "feed_peak_kib_last_page": peaks[-1] / 1024,
            "json_p50_ms": _percentile(json_times, 50),
            "json_p99_ms": _percentile(json_times, 99),
            "jsonld_p50_ms": _percentile(jsonld_times, 50),
            "jsonld_p99_ms": _percentile(jsonld_times, 99),
            "jsonld_ratio_p50": _percentile(jsonld_times, 50) / _percentile(json_times, 50),
        }


def _pull(client, url: str) -> tuple[float, int]:
    items, started = 0, time.perf_counter()
    with tqdm(desc="list", unit="item", file=sys.stderr) as progress:
        while url:
            response = client.get(url)
            body = response.json()
            items += len(body["results"])
            progress.update(len(body["results"]))
            url = body["next"]
    return time.perf_counter() - started, items


def _pull_feed(client, url: str) -> tuple[float, int, list[str]]:
    """Time a full pull; returns the seconds, the items and the URL of every page."""
    items, pages, started = 0, [], time.perf_counter()
    with tqdm(desc="feed", unit="item", file=sys.stderr) as progress:
        while url:
            pages.append(url)
            response = client.get(url)
            document = json.loads(b"".join(response.streaming_content))
            items += len(document["dataFeedElement"])
            progress.update(len(document["dataFeedElement"]))
            link = response.get("Link")
            url = link[1 : link.index(">")] if link else None
    return time.perf_counter() - started, items, pages


def _peak_memory(client, url: str) -> int:
    """Peak Python memory while one feed page is produced and read (traced apart from the timing)."""
    tracemalloc.start()
    response = client.get(url)
    for _ in response.streaming_content:
        pass
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def _latencies(client, ids: list[str], media_type: str) -> list[float]:
    client.get(f"/api/assets/{ids[0]}/", HTTP_ACCEPT=media_type)  # warm-up
    times = []
    for asset_id in ids:
        started = time.perf_counter()
        response = client.get(f"/api/assets/{asset_id}/", HTTP_ACCEPT=media_type)
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{media_type} request for {asset_id} answered {response.status_code}")
    return times


def _percentile(values: list[float], percentile: int) -> float:
    ordered = sorted(values)
    return statistics.quantiles(ordered, n=100)[percentile - 1] * 1000 if len(ordered) > 1 else ordered[0] * 1000
