"""Property-based probes (hypothesis, bounded: a few dozen examples each, no deadline) over the
PATCH body, the list filters, cursors and search bodies: whatever is sent, the answer is never a
5xx, and every 4xx carries a JSON ``{"error": ...}``."""

import base64
import json
import string

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from assets.fields import ALL_FIELDS
from assets.filters import ASSET_FILTERS
from assets.ingest import ingest_paths

pytestmark = pytest.mark.django_db

BOUNDED = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)

texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ["", "\x00", "2026-13-45T25:61:61", "1e309", "NaN", "-0", "true", "maybe", "NOR", "../..", "\u202e", "%00"]
)
numbers = st.integers(min_value=-(10**40), max_value=10**40) | st.floats(allow_nan=False, allow_infinity=False)
scalars = st.none() | st.booleans() | numbers | texts
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4), max_leaves=12
)
field_names = st.sampled_from([field.name for field in ALL_FIELDS] + ["metadata", "titel", "id", "files"])
patch_bodies = st.dictionaries(field_names | texts, json_values, max_size=5).map(
    lambda body: body | ({"metadata": body["metadata"]} if "metadata" in body else {})
) | st.fixed_dictionaries({"metadata": st.dictionaries(field_names, json_values, max_size=5)})
parameter_names = st.sampled_from(
    [name for definition in ASSET_FILTERS for name in definition.names]
    + ["cursor", "page_size", "kind", "territory", "ordering", "format", "since", "limit"]
)
query_parameters = st.dictionaries(parameter_names, texts, min_size=1, max_size=4)
cursors = (
    st.binary(max_size=60).map(lambda raw: base64.b64encode(raw).decode())
    | st.builds(
        lambda offset, reverse, position: base64.b64encode(f"o={offset}&r={reverse}&p={position}".encode()).decode(),
        st.integers(-5, 10**6) | texts,
        st.integers(-1, 2) | texts,
        texts,
    )
    | st.builds(
        lambda position, asset_id: base64.urlsafe_b64encode(json.dumps([position, asset_id]).encode()).decode(),
        texts,
        texts | st.sampled_from(["0" * 32, "f" * 32]),
    )
    | texts
)
search_bodies = st.fixed_dictionaries(
    {},
    optional={
        "text": texts,
        "asset_id": texts,
        "k": st.integers(-10, 10**20) | texts,
        "kind": st.sampled_from(["image", "audio", "video", ""]) | st.none(),
        "territory": texts,
        "filters": st.dictionaries(parameter_names | texts, json_values, max_size=3) | json_values,
    },
)


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def assert_answered(response) -> None:
    status = response.status_code
    assert status < 500, (status, body_of(response)[:500])
    if status >= 400:
        document = json.loads(body_of(response))
        assert isinstance(document, dict) and document.get("error"), document


@pytest.fixture
def client(django_user_model):
    user = django_user_model.objects.create_superuser("fuzz", password="x")
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    return client


@pytest.fixture
def asset_id(make_jpeg):
    [result] = ingest_paths([make_jpeg("fuzz.jpg", seed=120)])
    return result.asset_id


@BOUNDED
@given(body=patch_bodies)
@example(body={"metadata": {"keywords": ["k" * 1_000_000]}})
@example(body={"metadata": {"keywords": [f"{n:04d}" + "k" * 1_996 for n in range(1_000)]}})  # the tsvector's 1 MB
@example(body={"metadata": {"track_number": 10**30}})
@example(body={"metadata": {"date_created": "2020-13-45T25:61:61"}, "titel": 1})
def test_any_patch_body_is_answered(client, asset_id, body):
    assert_answered(client.patch(f"/api/assets/{asset_id}/", body, format="json"))


@BOUNDED
@given(raw=st.binary(max_size=200) | texts.map(str.encode))
@example(raw=b"[" * 100_000 + b"]" * 100_000)
def test_any_patch_bytes_are_answered(client, asset_id, raw):
    assert_answered(client.patch(f"/api/assets/{asset_id}/", raw, content_type="application/json"))


@BOUNDED
@given(parameters=query_parameters)
@example(parameters={"has_gps": "maybe"})
@example(parameters={"since": "2026-13-45T00:00:00Z", "territory": "\x00"})
def test_any_list_filters_are_answered(client, asset_id, parameters):
    assert_answered(client.get("/api/assets/", parameters))
    assert_answered(client.get("/api/feed.jsonld", parameters))


@BOUNDED
@given(cursor=cursors)
@example(cursor=base64.b64encode(b"o=0&r=0&p=garbage").decode())
@example(cursor="2026-13-45T00:00:00Z")
def test_any_cursor_is_answered(client, asset_id, cursor):
    assert_answered(client.get("/api/assets/", {"cursor": cursor}))
    assert_answered(client.get("/api/feed.jsonld", {"since": cursor}))


@BOUNDED
@given(body=search_bodies)
@example(body={"text": "x", "filters": {"near": "91,10,5", "has_gps": "maybe"}})
def test_any_search_body_is_answered(client, asset_id, body):
    assert_answered(client.post("/api/search/", body, format="json"))


@BOUNDED
@example(identifier="\x00")
@given(identifier=st.text(alphabet=string.printable + "\x00\u202eé", min_size=1, max_size=40))
def test_any_asset_path_is_answered(client, asset_id, identifier):
    from urllib.parse import quote

    for suffix in ("/", ".jsonld", "/content/", "/thumbnail/", "/sidecar/"):
        assert_answered(client.get(f"/api/assets/{quote(identifier, safe='')}{suffix}"))


@pytest.fixture(scope="module")
def jpeg_bytes():
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), (200, 40, 90)).save(buffer, "JPEG")
    return buffer.getvalue()


BOUNDARY = "fuzz-boundary-4f1c"


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(filename=st.binary(max_size=1500), trailer=st.binary(max_size=300))
@example(filename=b"caf\xe9.jpg" * 200, trailer=b"\r\n--" + BOUNDARY.encode()[:-1] + b"\r\n\r\n")
def test_any_upload_file_name_is_answered_and_the_bytes_kept(client, jpeg_bytes, filename, trailer):
    from hashlib import sha256

    data = jpeg_bytes + trailer
    quoted = filename.replace(b"\\", b"\\\\").replace(b'"', b'\\"').replace(b"\r", b"").replace(b"\n", b"")
    body = (
        f"--{BOUNDARY}\r\n".encode()
        + b'Content-Disposition: form-data; name="file"; filename="'
        + quoted
        + b'"\r\nContent-Type: image/jpeg\r\n\r\n'
        + data
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    response = client.post("/api/assets/", body, content_type=f"multipart/form-data; boundary={BOUNDARY}")
    assert_answered(response)
    if response.status_code in (200, 201):
        from assets.models import Asset

        asset = Asset.objects.get(pk=response.json()["asset"]["id"])
        assert asset.original_sha256 == sha256(data).hexdigest()
