"""Whole-feed pulls through gunicorn (sync workers) finish, page after page, with several clients
at once and hostile assets in the library: one holding 50,000 keywords (JSON-LD once spent
minutes on it: a list scan per keyword, so gunicorn killed the worker mid-stream), control and
right-to-left characters, a 200 kB description, a location-sensitive one, a withdrawn one, one
restricted to a group, a deleted one, and damaged files that were accepted.

Run alone with ``pytest -m topology``.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import FIXTURES_DIR
from tests.topology.harness import TOPOLOGY, http

pytestmark = TOPOLOGY

PAGE = 20
REQUEST_SECONDS = 60  # one page, queueing included; a stalled stream fails here, before gunicorn's 120 s
PULL_SECONDS = 240  # a whole feed pulled by one client while the others pull too


def upload(topology, name: str, data: bytes) -> dict:
    response = http(topology, "POST", "/api/assets/", files={"file": (name, data)})
    return response.json()


def hostile_library(topology) -> dict:
    """Ordinary and hostile assets; returns what the feed pulls are checked against."""
    import io

    from PIL import Image

    ids = []
    for number in range(45):
        buffer = io.BytesIO()
        Image.new("RGB", (40, 30), (number * 5 % 256, 90, 160)).save(buffer, "JPEG")
        body = upload(topology, f"feed-{number}.jpg", buffer.getvalue())
        ids.append(body["asset"]["id"])
    for broken in sorted((FIXTURES_DIR / "broken").iterdir()):
        upload(topology, broken.name, broken.read_bytes())  # those dam accepts join the library
    code = f"""
from django.contrib.auth.models import Group, User
from django.utils import timezone
from rest_framework.authtoken.models import Token
from assets.models import Asset
ids = {json.dumps(ids[:6])}
Asset.objects.filter(pk=ids[0]).update(keywords=[f"k{{n}}" for n in range(50_000)])
Asset.objects.filter(pk=ids[1]).update(
    title="\\x15\\x03dam\\u202eevil\\u202c " * 50, description="long text " * 20_000
)
Asset.objects.filter(pk=ids[2]).update(location_sensitive=True, latitude=59.91, longitude=10.75)
Asset.objects.filter(pk=ids[3]).update(withdrawn_at=timezone.now())
group, _ = Group.objects.get_or_create(name="feed-insiders")
Asset.objects.get(pk=ids[4]).restricted_to_groups.add(group)
Asset.objects.filter(pk=ids[5]).delete()
user, _ = User.objects.get_or_create(username="feed-cms")
print(Token.objects.get_or_create(user=user)[0].key)
"""
    return {"ids": ids, "cms_token": topology["python"](code)}


def pull(topology, token: str, query: str = "") -> dict:
    """Follow rel=next from the first page to the last; every page in bounded time."""
    import requests

    url = f"{topology['url']}/api/feed.jsonld?limit={PAGE}{query}"
    items, seconds, started = [], [], time.monotonic()
    while url:
        elapsed = time.monotonic() - started
        assert elapsed < PULL_SECONDS, f"the pull ({query}) took over {PULL_SECONDS} s; pages took {seconds}"
        page_started = time.monotonic()
        try:
            response = requests.get(url, headers={"Authorization": f"Token {token}"}, timeout=REQUEST_SECONDS)
            document = response.json()  # the whole stream arrived: a cut one does not parse
        except (requests.RequestException, ValueError) as error:
            raise AssertionError(
                f"page {len(seconds) + 1} of the pull ({query}) failed: {error}; earlier pages took {seconds} s"
            ) from None
        assert response.status_code == 200, response.text[:500]
        seconds.append(round(time.monotonic() - page_started, 1))
        items += [element["item"]["@id"] for element in document["dataFeedElement"]]
        url = response.links.get("next", {}).get("url")
    pages = len(seconds)
    print(f"feed pull ({query or 'plain'}): {pages} pages, {len(items)} items, seconds per page {seconds}")
    return {"pages": pages, "items": items}


@pytest.mark.timeout(900)  # a busy 2-core machine; progress is checked inside
def test_concurrent_whole_feed_pulls_through_gunicorn_finish_with_hostile_assets(topology):
    library = hostile_library(topology)
    superuser, cms = topology["token"], library["cms_token"]
    # Four clients at once: two per gunicorn worker.
    pulls = [(superuser, ""), (cms, ""), (cms, "&territory=NOR"), (superuser, "&since=2020-01-01T00:00:00Z")]
    with ThreadPoolExecutor(len(pulls)) as pool:
        results = list(pool.map(lambda args: pull(topology, *args), pulls))
    everything, plain = results[0], results[1]
    assert everything["pages"] >= 3  # a multi-page feed
    iris = {f"urn:dam:asset:{asset_id}" for asset_id in library["ids"]}
    assert iris <= set(everything["items"])  # the deleted one as a tombstone too
    hidden = f"urn:dam:asset:{library['ids'][4]}"
    assert hidden not in plain["items"] and hidden in everything["items"]
    for result in results:
        assert iris - {hidden} <= set(result["items"])
