"""The CMS feed: keyset pages, incremental pulls, tombstones, rights, conditional requests."""

import json
import tracemalloc
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from django.utils.http import http_date
from rest_framework.test import APIClient

from assets.feed import Feed
from assets.ingest import ingest_paths
from assets.models import AccessProfile, Asset
from benchmarks.synthetic import synthetic_assets_create
from tests.schemaorg import vocabulary

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(make_jpeg):
    results = ingest_paths(
        [make_jpeg(f"feed-{i}.jpg", seed=1200 + i, tags={"XMP-dc:Title": f"Picture {i}"}) for i in range(7)]
    )
    return [r.asset_id for r in results]


def pull(client, url="/api/feed.jsonld?limit=3"):
    """Follow rel=next links; returns (items, last cursor, pages)."""
    items, cursor, pages = [], None, 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        assert response["Content-Type"] == "application/ld+json"
        document = json.loads(b"".join(response.streaming_content))
        assert vocabulary().check(document) == []
        items += document["dataFeedElement"]
        cursor = response.get("DAM-Next-Cursor", cursor)
        link = response.get("Link")
        url = link[1 : link.index(">")] if link else None
        pages += 1
    return items, cursor, pages


def item_ids(items):
    return [item["item"]["@id"].removeprefix("urn:dam:asset:") for item in items]


def test_a_full_pull_returns_every_visible_asset_once_in_order(cms, library):
    items, cursor, pages = pull(cms)
    assert sorted(item_ids(items)) == sorted(library)
    assert pages == 3 and cursor
    modified = [item["dateModified"] for item in items]
    assert modified == sorted(modified)
    assert all(item["item"]["@type"] == "ImageObject" and "@context" not in item["item"] for item in items)


def test_incremental_pull_returns_only_what_changed(cms, library):
    _, cursor, _ = pull(cms)
    asset = Asset.objects.get(pk=library[3])
    asset.title = "Picture 3, retitled"
    asset.save()
    items, next_cursor, _ = pull(cms, f"/api/feed.jsonld?since={cursor}")
    assert item_ids(items) == [library[3]] and items[0]["item"]["name"] == "Picture 3, retitled"
    assert pull(cms, f"/api/feed.jsonld?since={next_cursor}")[0] == []  # nothing new since


def test_since_a_timestamp(cms, library):
    moment = timezone.now()
    Asset.objects.get(pk=library[0]).save()
    items, _, _ = pull(cms, f"/api/feed.jsonld?since={moment.isoformat().replace('+00:00', 'Z')}")
    assert item_ids(items) == [library[0]]


def test_withdrawn_expired_and_deleted_assets_come_as_tombstones(cms, library):
    _, cursor, _ = pull(cms)
    withdrawn = Asset.objects.get(pk=library[0])
    withdrawn.withdrawn_at = timezone.now()
    withdrawn.save()
    Asset.objects.filter(pk=library[1]).update(expires_at=timezone.now())
    Asset.objects.get(pk=library[2]).delete()
    items, _, _ = pull(cms, f"/api/feed.jsonld?since={cursor}")
    assert sorted(item_ids(items)) == sorted(library[:3])
    for item in items:
        assert item["dateDeleted"] and item["item"]["@type"] == "Thing" and set(item["item"]) == {"@type", "@id"}
    assert cms.get(f"/api/assets/{library[0]}/").status_code == 404


def test_an_embargo_enters_the_feed_when_it_lifts(cms, library):
    lift = timezone.now() + timedelta(hours=1)
    Asset.objects.filter(pk=library[4]).update(embargo_until=lift)
    feed_now = Feed(cms.user)
    assert library[4] not in [e.asset_id for e in feed_now.entries(None, 100)]
    cursor = feed_now.entries(None, 100)[-1].cursor
    later = Feed(cms.user, now=lift + timedelta(minutes=1))
    assert [e.asset_id for e in later.entries(cursor, 100)] == [library[4]]


def test_assets_outside_the_callers_rights_are_not_even_tombstones(cms, library):
    Asset.objects.get(pk=library[5]).restricted_to_groups.add(Group.objects.create(name="archive staff"))
    Asset.objects.filter(pk=library[6]).update(allowed_territories=["JP"])
    items, _, _ = pull(cms)
    assert set(item_ids(items)) == set(library[:5])
    items, _, _ = pull(cms, "/api/feed.jsonld?territory=JP")
    assert library[6] not in item_ids(items)  # a territory the access profile does not grant
    AccessProfile.objects.create(user=cms.user, territories=["jp"])
    items, _, _ = pull(cms, "/api/feed.jsonld?territory=JP")
    assert library[6] in item_ids(items)


def test_conditional_requests_get_304_until_something_changes(cms, library):
    first = cms.get("/api/feed.jsonld")
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert cms.get("/api/feed.jsonld", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert cms.get("/api/feed.jsonld", HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    Asset.objects.get(pk=library[0]).save()
    changed = cms.get("/api/feed.jsonld", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    old = http_date((timezone.now() - timedelta(days=1)).timestamp())
    assert cms.get("/api/feed.jsonld", HTTP_IF_MODIFIED_SINCE=old).status_code == 200


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("since=not-a-cursor", "cursor is malformed"),
        ("since=eyJ4IjoxfQ", "cursor is malformed"),
        ("since=2026-01-01T00:00:00", "time zone"),
        ("limit=0", "between 1 and"),
        ("limit=many", "whole number"),
    ],
)
def test_bad_cursors_and_limits_are_400_with_a_message(cms, query, message):
    response = cms.get(f"/api/feed.jsonld?{query}")
    assert response.status_code == 400
    assert message in json.dumps(response.json())


def test_anonymous_callers_get_no_feed(library):
    assert APIClient().get("/api/feed.jsonld").status_code in (401, 403)


def test_memory_stays_flat_while_the_whole_feed_streams(cms):
    synthetic_assets_create(3000)
    url, peaks = "/api/feed.jsonld?limit=200", []
    while url:
        tracemalloc.start()
        response = cms.get(url)
        size = sum(len(chunk) for chunk in response.streaming_content)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert size > 0
        link = response.get("Link")
        url = link[1 : link.index(">")] if link else None
    assert len(peaks) == 16  # 15 full pages, then an empty one that ends the pull
    assert max(peaks[-5:]) < 1.5 * max(peaks[:5])  # the last pages cost what the first ones did
