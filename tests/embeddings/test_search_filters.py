"""Search filters, "more like this", and search by an uploaded image."""

import io

import pytest
from PIL import Image

from assets.ingest import ingest_paths
from assets.models import Asset
from embeddings.defaults import default_models_register
from embeddings.pipeline import embed_assets
from tests.conftest import FIXTURES_DIR

pytest.importorskip("sentence_transformers", reason="the ml extra is not installed")
pytestmark = pytest.mark.django_db

# Sydney, Ushuaia, Death Valley, Zürich (fixtures/MANIFEST.json)
PLACES = ["images/sample.jpg", "images/sample.png", "images/sample.tiff", "images/sample.webp"]


@pytest.fixture
def places(monkeypatch):
    # Filters are checked against every asset that passes them: a library of four has no floor.
    monkeypatch.setattr("embeddings.calibration.relevance_floor_provisional", lambda version: None)
    default_models_register()
    ids = [r.asset_id for r in ingest_paths([FIXTURES_DIR / name for name in PLACES])]
    embed_assets("asset_text", ids)
    return dict(zip(["sydney", "ushuaia", "death_valley", "zurich"], ids, strict=True))


def found(api_client, **body) -> list[str]:
    query = {"k": 10, **body} if "asset_id" in body else {"text": "a place", "k": 10, **body}
    response = api_client.post("/api/search/", query, format="json")
    assert response.status_code == 200, response.content
    return [result["asset_id"] for result in response.json()["results"]]


def test_geo_radius_and_bounding_box(api_client, places):
    assert found(api_client, filters={"near": {"lat": -33.87, "lon": 151.21, "km": 50}}) == [places["sydney"]]
    assert set(found(api_client, filters={"near": {"lat": -45, "lon": -70, "km": 1500}})) == {places["ushuaia"]}
    assert set(found(api_client, filters={"bbox": [30, -120, 50, 10]})) == {places["death_valley"], places["zurich"]}
    assert set(found(api_client, filters={"bbox": [-60, 150, 0, -60]})) == {places["sydney"], places["ushuaia"]}


def test_country_keywords_dates_and_licence(api_client, places):
    assert found(api_client, filters={"country": "AUS"}) == [places["sydney"]]
    assert found(api_client, filters={"country": "Switzerland"}) == [places["zurich"]]
    sydney_keyword = Asset.objects.get(pk=places["sydney"]).keywords[0]
    assert places["sydney"] in found(api_client, filters={"keywords": [sydney_keyword.upper()]})
    assert found(api_client, filters={"created_after": "2100-01-01"}) == []
    licence = Asset.objects.get(pk=places["sydney"]).web_statement_url
    assert places["sydney"] in found(api_client, filters={"licence": licence})


@pytest.mark.parametrize(
    "filters", [{"colour": "red"}, {"near": {"lat": 95, "lon": 0, "km": 10}}, {"bbox": [1, 2, 3]}, {"near": "Oslo"}]
)
def test_bad_filters_are_400_with_a_reason(api_client, places, filters):
    response = api_client.post("/api/search/", {"text": "x", "filters": filters}, format="json")
    assert response.status_code == 400 and response.json()["error"]


def test_more_like_this_excludes_the_asset_itself(api_client, places):
    results = found(api_client, asset_id=places["zurich"])
    assert places["zurich"] not in results and len(results) == 3
    Asset.objects.filter(pk=places["ushuaia"]).update(withdrawn_at="2020-01-01T00:00:00Z")
    hidden = api_client.post("/api/search/", {"asset_id": places["ushuaia"]}, format="json")
    assert hidden.status_code == 400 and "that you may see" in hidden.json()["error"]
    assert places["ushuaia"] not in found(api_client, asset_id=places["zurich"])
    Asset.objects.filter(pk=places["ushuaia"]).update(withdrawn_at=None)  # back: at once, for both roles it plays
    assert places["zurich"] in found(api_client, asset_id=places["ushuaia"])
    assert places["ushuaia"] in found(api_client, asset_id=places["zurich"])


def test_exactly_one_kind_of_query(api_client, places):
    response = api_client.post("/api/search/", {"text": "x", "asset_id": places["zurich"]}, format="json")
    assert response.status_code == 400


def test_search_by_an_uploaded_image(api_client, places, image_role):
    embed_assets("image", list(places.values()))
    with Image.open(FIXTURES_DIR / "images" / "sample.webp") as image:
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = "query.png"
    response = api_client.post("/api/search/", {"file": buffer, "k": 4}, format="multipart")
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert results[0]["asset_id"] == places["zurich"]  # the same pixels are the nearest
    bad = api_client.post("/api/search/", {"file": io.BytesIO(b"not an image")}, format="multipart")
    assert bad.status_code == 400
