"""python manage.py benchmark_mcp: the MCP ``search_assets`` tool's latency next to the REST search
of the same queries, in the same run, on the library in the database (the demo's, for one).

Each query goes, in turn, to ``POST /api/search/`` (plain, and with ``"include": ["document"]``,
which grounds hits as the tool does) and to ``POST /mcp/`` as a ``tools/call`` of
``search_assets``, all through the same in-process WSGI handler, as the same ordinary user (rights
predicate included), after one warm-up round. Reported: p50 and p99 of each, and the tool's p50 as
a multiple of the plain REST search's (the goal is at most 1.2x). The user and its token are
rolled back.
"""

from __future__ import annotations

import json
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.test import Client
from rest_framework.authtoken.models import Token

from assets.models import Asset
from benchmarks.measuring import figures_json, percentile_ms, rolled_back
from embeddings.roles import role_active

QUERIES = [
    "boats in a harbour",
    "dry desert below sea level",
    "a spoken recording",
    "old town at night",
    "a tone for testing",
    "mountain snow and wind",
    "people at a market",
    "a sample recording for the asset manager",
    "city square with a café",
    "rights and licences",
]
MCP_HEADERS = {"HTTP_ACCEPT": "application/json, text/event-stream", "HTTP_MCP_PROTOCOL_VERSION": "2025-11-25"}


class Command(BaseCommand):
    help = "Benchmark the MCP search_assets tool against the REST search of the same queries (nothing is kept)."

    def add_arguments(self, parser):
        parser.add_argument("--rounds", type=int, default=5, help="times each query is asked of each path")
        parser.add_argument("--queries", type=int, default=len(QUERIES), help=f"how many of the {len(QUERIES)} queries")
        parser.add_argument("--k", type=int, default=10)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, rounds: int, queries: int, k: int, json: bool, **options):
        if role_active("asset_text") is None or not Asset.objects.exists():
            raise CommandError(
                "no library to search: this benchmark measures the library in the database "
                "(run `python manage.py demo --no-serve` first, or ingest files and `python manage.py models setup`)"
            )
        with rolled_back():
            figures = _measure(QUERIES[: max(1, queries)], rounds, k)
        if json:
            self.stdout.write(figures_json(figures))
            return
        self.stdout.write(
            f"{figures['requests_per_path']} requests per path "
            f"({figures['queries']} queries x {rounds} rounds, k={k}), "
            f"{figures['assets']} assets\n"
            f"  REST search                 p50 {figures['rest_p50_ms']:7.2f} ms   "
            f"p99 {figures['rest_p99_ms']:7.2f} ms\n"
            f"  REST search with documents  p50 {figures['rest_documents_p50_ms']:7.2f} ms   "
            f"p99 {figures['rest_documents_p99_ms']:7.2f} ms\n"
            f"  MCP search_assets           p50 {figures['mcp_p50_ms']:7.2f} ms   "
            f"p99 {figures['mcp_p99_ms']:7.2f} ms   "
            f"{figures['mcp_ratio_p50']:.2f}x the REST search at p50 (goal <= 1.2x), "
            f"{figures['mcp_ratio_documents_p50']:.2f}x the REST search with documents\n"
        )


def _timed(send, *arguments) -> float:
    started = time.perf_counter()
    response = send(*arguments)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise CommandError(f"the benchmark's request failed ({response.status_code}): {response.content[:300]!r}")
    return elapsed


def _measure(queries: list[str], rounds: int, k: int) -> dict:
    user = get_user_model().objects.create_user("benchmark-mcp", password=None)
    headers = {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=user).key}"}
    client = Client(SERVER_NAME="localhost")

    def rest(text: str, include: list[str]):
        body = {"text": text, "k": k, "include": include}
        return client.post("/api/search/", body, content_type="application/json", **headers)

    def mcp(text: str, request_id: int):
        call = {
            "jsonrpc": "2.0",
            "id": request_id,
            "method": "tools/call",
            "params": {"name": "search_assets", "arguments": {"text": text, "k": k}},
        }
        response = client.post("/mcp/", json.dumps(call), content_type="application/json", **headers, **MCP_HEADERS)
        if response.status_code == 200 and response.json().get("result", {}).get("isError"):
            raise CommandError(f"search_assets answered an error: {response.json()['result']['content']}")
        return response

    timings: dict[str, list[float]] = {"rest": [], "rest_documents": [], "mcp": []}
    for text in queries:  # warm-up: models loaded, statements prepared, caches filled
        rest(text, []), rest(text, ["document"]), mcp(text, 0)
    for round_number in range(rounds):
        for number, text in enumerate(queries):
            timings["rest"].append(_timed(rest, text, []))
            timings["rest_documents"].append(_timed(rest, text, ["document"]))
            timings["mcp"].append(_timed(mcp, text, round_number * len(queries) + number + 1))
    figures = {"assets": Asset.objects.count(), "queries": len(queries), "requests_per_path": len(timings["mcp"])}
    for name, seconds in timings.items():
        figures[f"{name}_p50_ms"] = round(percentile_ms(seconds, 50), 2)
        figures[f"{name}_p99_ms"] = round(percentile_ms(seconds, 99), 2)
    figures["mcp_ratio_p50"] = round(figures["mcp_p50_ms"] / figures["rest_p50_ms"], 3)
    figures["mcp_ratio_documents_p50"] = round(figures["mcp_p50_ms"] / figures["rest_documents_p50_ms"], 3)
    return figures
