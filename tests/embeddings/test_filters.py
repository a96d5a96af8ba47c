"""Search filters: the list API's filters in a JSON object, refused the same way when bad."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("filters", "query"),
    [
        ({"has_gps": "maybe"}, "has_gps=maybe"),
        ({"created_after": "2021-13-01"}, "created_after=2021-13-01"),
        ({"near": {"lat": 95, "lon": 0, "km": 10}}, "near=95,0,10"),
        ({"bbox": [0, 0, 95, 10]}, "bbox=0,0,95,10"),
        ({"keywords": ["a\x00b"]}, "keywords=a%00b"),
    ],
)
def test_a_bad_filter_is_refused_as_the_list_refuses_it(api_client, filters, query):
    # Checked before any model is asked: no encoder needed.
    searched = api_client.post("/api/search/", {"text": "x", "filters": filters}, format="json")
    listed = api_client.get(f"/api/assets/?{query}")
    assert searched.status_code == listed.status_code == 400
    assert searched.json() == listed.json() and searched.json()["filter"] == next(iter(filters))


def test_an_unknown_filter_is_named(api_client):
    response = api_client.post("/api/search/", {"text": "x", "filters": {"colour": "red"}}, format="json")
    assert response.status_code == 400
    assert response.json()["filter"] == "colour" and "keyword" in response.json()["error"]
