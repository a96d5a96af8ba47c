"""Hostile query parameters, paths and search bodies: each is a 4xx whose JSON error names the
problem (a 500 before: a decompression bomb in search, an impossible `since`, a tampered
cursor whose values reached the database, a NUL in the path)."""

import base64
import io
import json

import pytest
from rest_framework.test import APIClient

from assets.filters import ASSET_FILTERS
from assets.ingest import ingest_paths
from tests.assets.test_bad_input import bomb_png

pytestmark = pytest.mark.django_db

# One invalid value per filter: every filter refuses it with a 400 naming itself.
BAD_FILTER_VALUES = {
    "keyword": "a\x00b",
    "q": "\x00",
    "city": "Oslo\x00",
    "country": "\x00NO",
    "licence": "https://\x00",
    "mime_type": "image/\x00",
    "has_gps": "maybe",
    "created_after": "2026-13-45",
    "created_before": "yesterday",
    "ingested_after": "2026-02-30T00:00:00Z",
    "ingested_before": "soon",
    "near": "91,10,5",
    "bbox": "10,10,5,20",
}


@pytest.fixture
def caller(django_user_model):
    user = django_user_model.objects.create_user("caller", password="x")
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    return client


@pytest.fixture
def library(make_jpeg):
    return [result.asset_id for result in ingest_paths([make_jpeg(f"r{n}.jpg", seed=80 + n) for n in range(3)])]


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def assert_refused(response, status: int, *words):
    assert response.status_code == status, (response.status_code, body(response)[:300])
    content_type = response["Content-Type"].split(";")[0]
    assert content_type in ("application/json", "application/ld+json"), content_type
    error = json.loads(body(response))["error"]
    for word in words:
        assert word in error, error


def test_every_filter_has_a_bad_value_here():
    assert set(BAD_FILTER_VALUES) == {definition.name for definition in ASSET_FILTERS}


@pytest.mark.parametrize("name", sorted(BAD_FILTER_VALUES))
def test_every_list_filter_refuses_a_bad_value_the_same_way(caller, library, name):
    response = caller.get("/api/assets/", {name: BAD_FILTER_VALUES[name]})
    assert_refused(response, 400, name)
    assert response.json()["filter"] == name
    searched = caller.post("/api/search/", {"text": "x", "filters": {name: BAD_FILTER_VALUES[name]}}, format="json")
    assert_refused(searched, 400, name)
    assert searched.json()["filter"] == name


def test_an_uploaded_search_picture_declaring_65500_squared_pixels_is_refused(caller):
    upload = io.BytesIO(bomb_png(65_500, 65_500))
    upload.name = "bomb.png"
    response = caller.post("/api/search/", {"file": upload}, format="multipart")
    assert_refused(response, 400, "4,290 megapixels", "DAM_MAX_IMAGE_PIXELS")


def test_a_damaged_search_picture_is_refused(caller, make_jpeg):
    data = make_jpeg("half.jpg", seed=3).read_bytes()
    upload = io.BytesIO(data[: len(data) // 2])
    upload.name = "half.jpg"
    assert_refused(caller.post("/api/search/", {"file": upload}, format="multipart"), 400, "truncated")


def test_search_filters_nested_too_deeply_are_refused(caller):
    deep = "[" * 50_000 + "]" * 50_000
    response = caller.post("/api/search/", {"text": "x", "filters": deep}, format="multipart")
    assert_refused(response, 400, "filters")
    nested = '{"text": "x", "filters": ' + '{"a": ' * 40 + "1" + "}" * 40 + "}"
    assert_refused(caller.post("/api/search/", nested, content_type="application/json"), 400, "nested")


@pytest.mark.parametrize(
    "since, words",
    [
        ("2026-13-45T00:00:00Z", ("not a real moment",)),
        ("2026-02-30T00:00:00+01:00", ("not a real moment",)),
        ("0001-01-01T00:00:00+01:00", ("outside the years",)),
        ("2026\x00", ("NUL",)),
        (base64.urlsafe_b64encode(b'["2026-01-01T00:00:00+00:00", "\\u0000"]').decode(), ("malformed",)),
        (base64.urlsafe_b64encode(b'["2026-01-01T00:00:00+00:00", "x\' OR 1=1"]').decode(), ("malformed",)),
        (base64.urlsafe_b64encode(b'["0001-01-01T00:00:00+05:00", ""]').decode(), ("malformed",)),
        (base64.urlsafe_b64encode(b'["2026-99-01T00:00:00+00:00", ""]').decode(), ("malformed",)),
        (base64.urlsafe_b64encode(b"[" * 5000 + b"]" * 5000).decode(), ("malformed",)),
    ],
)
def test_bad_feed_positions_are_400(caller, library, since, words):
    assert_refused(caller.get("/api/feed.jsonld", {"since": since}), 400, *words)


@pytest.mark.parametrize(
    "cursor",
    [
        base64.b64encode(b"o=0&r=0&p=garbage\x00").decode(),
        base64.b64encode(b"o=0&r=0&p=2026-99-99").decode(),
        base64.b64encode(b"o=0&r=0&p=2026-01-01 00:00:00").decode(),  # no time zone
        base64.b64encode(b"o=0&r=0&p=2026-01-01'; DROP TABLE assets_asset; --").decode(),
        base64.b64encode(b"o=-5&r=0").decode(),
        base64.b64encode(b"o=0&r=banana").decode(),
        "%%%not-base64",
        "\u00e9t\u00e9",
    ],
)
def test_a_tampered_list_cursor_is_400(caller, library, cursor):
    assert_refused(caller.get("/api/assets/", {"cursor": cursor}), 400, "cursor is malformed")


def test_a_real_list_cursor_still_pages(caller, library):
    first = caller.get("/api/assets/", {"page_size": 2}).json()
    second = caller.get(first["next"]).json()
    seen = [item["id"] for item in first["results"] + second["results"]]
    assert sorted(seen) == sorted(library)


@pytest.mark.parametrize(
    "path",
    [
        "/api/assets/%00/",
        "/api/assets/%00.jsonld",
        "/api/assets/%00/content/",
        "/api/assets/%00/thumbnail/",
        "/api/assets/%00/sidecar/",
        "/api/assets/%00/files/1/download/",
        "/api/assets/" + "a" * 5000 + "/",
        "/api/assets/ABCDEF0123456789ABCDEF0123456789/",
    ],
)
def test_an_id_that_cannot_be_one_is_answered_as_absent(caller, path):
    absent = caller.get("/api/assets/0123456789abcdef0123456789abcdef/")
    response = caller.get(path)
    assert_refused(response, 404)
    if path.endswith("/") and path.count("/") == 4:
        assert response.json() == absent.json()


@pytest.mark.parametrize(
    "path",
    [
        "/api/assets/?kind=%00",
        "/api/assets/?page_size=%00",
        "/api/assets/?q=%00",
        "/api/feed.jsonld?limit=%00",
        "/api/assets/?ordering=%00",
        "/api/assets/?territory=%00",
        "/api/feed.jsonld?territory=%00",
    ],
)
def test_nul_in_a_query_parameter_is_never_a_500(caller, library, path):
    response = caller.get(path)
    assert response.status_code < 500
    if response.status_code >= 400:
        assert_refused(response, response.status_code)


@pytest.mark.parametrize(
    "request_body",
    [{"text": "a\x00b"}, {"asset_id": "\x00"}, {"text": "x", "k": 10**30}, {"text": "x", "territory": "\x00"}],
)
def test_nul_and_out_of_range_values_in_a_search_body_are_400(caller, request_body):
    assert_refused(caller.post("/api/search/", request_body, format="json"), 400)


@pytest.mark.parametrize("key", ["abc\x00def", "a" * 5000, "0" * 39, "' OR '1'='1"])
def test_a_token_that_could_not_be_one_is_401(key):
    from django.test import Client

    response = Client(raise_request_exception=False).get("/api/assets/", HTTP_AUTHORIZATION=f"Token {key}")
    assert_refused(response, 401, "Invalid token")


def test_a_real_token_still_authenticates(django_user_model):
    from django.test import Client
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=django_user_model.objects.create_user("token-holder", password="x"))
    assert Client().get("/api/assets/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 200
