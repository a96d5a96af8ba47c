"""Exact positions of location-sensitive assets reach only holders of assets.view_exact_location,
on every path; everyone else gets them coarsened (DAM_SENSITIVE_LOCATION_DECIMALS) or not at all."""

import json
import subprocess

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from assets.editing import asset_metadata_update
from assets.ingest import ingest_paths
from assets.models import Asset, GeoSuggestion, MetadataChange
from assets.staff_groups import LIBRARIAN, RIGHTS_MANAGER, VIEWER

pytestmark = pytest.mark.django_db

LATITUDE, LONGITUDE = 59.91234, 10.75678
EXACT = "59.912"  # any exact rendering of the latitude starts so; the coarsened one is 59.9
GPS_TAGS = {
    "GPSLatitude": LATITUDE,
    "GPSLatitudeRef": "N",
    "GPSLongitude": LONGITUDE,
    "GPSLongitudeRef": "E",
    "GPSAltitude": 123,
    "GPSAltitudeRef": 0,
    "XMP-dc:Title": "nest site",
}


@pytest.fixture
def nest(make_jpeg):
    """An image with a GPS position, flagged location-sensitive."""
    [result] = ingest_paths([make_jpeg("nest.jpg", seed=2100, tags=GPS_TAGS)])
    Asset.objects.filter(pk=result.asset_id).update(location_sensitive=True)
    asset = Asset.objects.get(pk=result.asset_id)
    assert round(asset.latitude, 5) == LATITUDE and asset.altitude == 123
    return asset


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def gps_of(data: bytes, tmp_path) -> dict:
    """Every GPS tag ExifTool finds in these bytes (EXIF, XMP), as numbers."""
    path = tmp_path / "probe.bin"
    path.write_bytes(data)
    output = subprocess.run(["exiftool", "-j", "-G1", "-n", str(path)], capture_output=True, text=True, check=True)
    return {tag: value for tag, value in json.loads(output.stdout)[0].items() if "GPS" in tag}


def downloaded(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def every_api_text(client, asset) -> dict[str, str]:
    """What a caller reads about the asset on every API path, as text."""
    base = f"/api/assets/{asset.pk}"
    texts = {
        "list": client.get("/api/assets/").content,
        "detail": client.get(f"{base}/").content,
        ".jsonld": client.get(f"{base}.jsonld").content,
        "?format=jsonld": client.get(f"{base}/?format=jsonld").content,
        "Accept": client.get(f"{base}/", HTTP_ACCEPT="application/ld+json").content,
        "browsable": client.get(f"{base}/?format=api", HTTP_ACCEPT="text/html").content,
        "feed": downloaded(client.get("/api/feed.jsonld")),
    }
    return {path: text.decode() for path, text in texts.items()}


def test_api_users_get_a_coarsened_position_on_every_path(cms, nest, tmp_path):
    texts = every_api_text(cms, nest)
    for path, text in texts.items():
        assert EXACT not in text and "59.9" in text, path
    metadata = cms.get(f"/api/assets/{nest.pk}/").json()["metadata"]
    assert (metadata["latitude"], metadata["longitude"], metadata["altitude"]) == (59.9, 10.8, None)
    document = cms.get(f"/api/assets/{nest.pk}.jsonld").json()
    assert document["contentLocation"]["geo"] == {"@type": "GeoCoordinates", "latitude": 59.9, "longitude": 10.8}
    sidecar = gps_of(cms.get(f"/api/assets/{nest.pk}/sidecar/").content, tmp_path)
    assert sidecar["XMP-exif:GPSLatitude"] == pytest.approx(59.9) and "XMP-exif:GPSAltitude" not in sidecar
    # Stored files come as the delivery copy: no GPS at all.
    for url in [f"/api/assets/{nest.pk}/files/1/download/", f"/api/assets/{nest.pk}/content/"]:
        assert gps_of(downloaded(cms.get(url)), tmp_path) == {}, url


def test_rights_managers_and_superusers_get_the_exact_position(nest, user_in_group, django_user_model, tmp_path):
    for user in [user_in_group(RIGHTS_MANAGER), django_user_model.objects.create_superuser("root", password="x")]:
        client = api_as(user)
        assert client.get(f"/api/assets/{nest.pk}/").json()["metadata"]["latitude"] == nest.latitude
        assert client.get(f"/api/assets/{nest.pk}.jsonld").json()["contentLocation"]["geo"]["elevation"] == 123
        original = gps_of(downloaded(client.get(f"/api/assets/{nest.pk}/files/1/download/")), tmp_path)
        assert original["GPS:GPSLatitude"] == pytest.approx(LATITUDE)


def test_positions_of_ordinary_assets_stay_exact(cms, nest):
    Asset.objects.filter(pk=nest.pk).update(location_sensitive=False)
    assert cms.get(f"/api/assets/{nest.pk}/").json()["metadata"]["altitude"] == 123
    assert EXACT in cms.get(f"/api/assets/{nest.pk}.jsonld").content.decode()


@override_settings(DAM_SENSITIVE_LOCATION_DECIMALS=None)
def test_the_setting_none_gives_no_position_at_all(cms, nest):
    for path, text in every_api_text(cms, nest).items():
        assert "59.9" not in text, path
    assert cms.get(f"/api/assets/{nest.pk}/").json()["metadata"]["latitude"] is None
    assert "contentLocation" not in cms.get(f"/api/assets/{nest.pk}.jsonld").json()
    assert cms.get("/api/assets/?near=59.9,10.8,50").json()["results"] == []
    assert cms.get("/api/assets/?has_gps=true").json()["results"] == []


@override_settings(DAM_SENSITIVE_LOCATION_DECIMALS=None)
def test_with_the_setting_none_the_admin_list_does_not_say_there_is_a_position(client, nest, user_in_group):
    client.force_login(user_in_group(VIEWER, staff=True))
    listing = client.get("/admin/assets/asset/").content.decode()
    assert "nest site" in listing and 'alt="True"' not in listing  # the GEO column
    assert "nest site" not in client.get("/admin/assets/asset/?has_gps=yes").content.decode()
    assert "nest site" in client.get("/admin/assets/asset/?has_gps=no").content.decode()
    client.force_login(user_in_group(RIGHTS_MANAGER, username="rm", staff=True))
    assert 'alt="True"' in client.get("/admin/assets/asset/").content.decode()


def test_geo_filters_cannot_narrow_a_sensitive_position_down(cms, nest):
    def found(query):
        return [item["id"] for item in cms.get(f"/api/assets/?{query}").json()["results"]]

    assert found(f"near={LATITUDE},{LONGITUDE},0.5") == []
    assert found(f"bbox={LATITUDE - 0.001},{LONGITUDE - 0.001},{LATITUDE + 0.001},{LONGITUDE + 0.001}") == []
    assert found("near=59.9,10.8,0.5") == [nest.pk]  # where everyone may see it
    assert found("bbox=59.89,10.79,59.91,10.81") == [nest.pk]


def test_the_patch_response_is_coarsened_for_a_librarian(nest, user_in_group):
    client = api_as(user_in_group(LIBRARIAN))
    response = client.patch(f"/api/assets/{nest.pk}/", {"metadata": {"title": "renamed"}}, format="json")
    assert response.status_code == 200, response.content
    assert EXACT not in response.content.decode()
    assert response.json()["asset"]["metadata"]["latitude"] == 59.9


@pytest.mark.parametrize("group", [VIEWER, LIBRARIAN])
def test_admin_pages_withhold_the_position(client, nest, user_in_group, django_user_model, group):
    root = django_user_model.objects.create_superuser("root", password="x")
    change = asset_metadata_update(nest, {"latitude": 59.95123, "longitude": 10.7}, root, MetadataChange.Source.API)
    client.force_login(user_in_group(group, staff=True))
    pages = {
        "asset": client.get(f"/admin/assets/asset/{nest.pk}/change/"),
        "change": client.get(f"/admin/assets/metadatachange/{change.pk}/change/"),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        text = response.content.decode()
        assert name != "asset" or "nest site" in text  # the page itself is shown
        assert EXACT not in text and "59.951" not in text and "GPSLatitude" not in text, name
    # The librarian cannot edit a position they cannot see, and saving other fields keeps it.
    assert 'name="latitude"' not in pages["asset"].content.decode()
    nest.refresh_from_db()
    assert round(nest.latitude, 5) == 59.95123


def test_the_rights_manager_sees_the_exact_position_in_the_admin(client, nest, user_in_group):
    client.force_login(user_in_group(RIGHTS_MANAGER, staff=True))
    text = client.get(f"/admin/assets/asset/{nest.pk}/change/").content.decode()
    assert EXACT in text and "GPSLatitude" in text


def test_the_admin_list_takes_no_position_lookups_from_those_who_may_not_see_positions(client, nest, user_in_group):
    client.force_login(user_in_group(VIEWER, staff=True))
    response = client.get(f"/admin/assets/asset/?latitude__gte={LATITUDE - 0.00001}")
    assert response.status_code in (302, 400) or nest.pk not in response.content.decode()
    client.force_login(user_in_group(RIGHTS_MANAGER, username="rm", staff=True))
    assert nest.pk in client.get(f"/admin/assets/asset/?latitude__gte={LATITUDE - 0.00001}").content.decode()


def test_geo_suggestions_withhold_the_position_from_librarians(client, nest, user_in_group):
    suggestion = GeoSuggestion.objects.create(
        asset=nest,
        kind=GeoSuggestion.Kind.COORDINATES,
        values={"latitude": 59.91288, "longitude": 10.75601},
        source="GeoNames",
    )
    client.force_login(user_in_group(LIBRARIAN, staff=True))
    for url in ["/admin/assets/geosuggestion/", f"/admin/assets/geosuggestion/{suggestion.pk}/change/"]:
        response = client.get(url)
        assert response.status_code == 200 and EXACT not in response.content.decode(), url
        assert "59.9" in response.content.decode(), url
