"""Countries are compared as ISO 3166-1 alpha-2, whatever form the file gave them in."""

import pytest

from assets.editing import asset_metadata_update
from assets.fields import territory_codes_normalise
from assets.geo.suggestions import geo_suggest
from assets.ingest import ingest_paths
from assets.models import AccessProfile, Asset, GeoSuggestion, MetadataChange
from embeddings.filters import filters_apply

pytestmark = pytest.mark.django_db

OSLO_GPS = {"GPSLatitude": 59.91, "GPSLatitudeRef": "N", "GPSLongitude": 10.75, "GPSLongitudeRef": "E"}


@pytest.fixture
def places(make_jpeg):
    specs = {
        "alpha3": {"IPTC:Country-PrimaryLocationCode": "NOR", **OSLO_GPS},  # IPTC's own form
        "alpha2": {"XMP-iptcCore:CountryCode": "no", "XMP-photoshop:Country": "Norge"},  # a code in lower case
        "name": {"XMP-photoshop:Country": "Norway", "XMP-photoshop:City": "Bergen"},  # no code at all
        "sweden": {"XMP-photoshop:Country": "Sweden", "XMP-iptcCore:CountryCode": "SWE"},
        "unknown": {"XMP-photoshop:Country": "Atlantis"},
    }
    ids = {}
    for seed, (name, tags) in enumerate(specs.items()):
        [result] = ingest_paths([make_jpeg(f"{name}.jpg", seed=300 + seed, tags=tags)])
        ids[name] = result.asset_id
    return ids


def listed(api_client, query: str) -> set[str]:
    response = api_client.get(f"/api/assets/?{query}")
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["results"]}


def test_the_canonical_column_holds_alpha2_and_the_file_keeps_its_own_value(places):
    assets = {name: Asset.objects.get(pk=pk) for name, pk in places.items()}
    assert {name: asset.country_iso2 for name, asset in assets.items()} == {
        "alpha3": "NO",
        "alpha2": "NO",
        "name": "NO",
        "sweden": "SE",
        "unknown": "",
    }
    # What write-back writes is what the file said: the canonical column is dam's alone.
    assert assets["alpha3"].country_code == "NOR" and assets["alpha2"].country_code == "no"
    assert assets["alpha3"].current_version.metadata["country_code"] == "NOR"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("country=NO&has_gps=true", {"alpha3"}),  # the README's example
        ("country=NO", {"alpha3", "alpha2", "name"}),
        ("country=nor", {"alpha3", "alpha2", "name"}),
        ("country=Norway", {"alpha3", "alpha2", "name"}),
        ("country=%20norway%20", {"alpha3", "alpha2", "name"}),
        ("country=SE", {"sweden"}),
        ("country=Sverige", set()),  # not a name dam knows as a country, and no file says it
        ("country=Atlantis", {"unknown"}),  # the file's own name still matches
        ("country=DE", set()),
    ],
)
def test_the_list_filter_takes_alpha2_alpha3_and_names(api_client, places, query, expected):
    assert listed(api_client, query) == {places[name] for name in expected}


def test_search_filters_compare_the_same_column(places):
    assets = filters_apply(Asset.objects.all(), {"country": "Norway", "has_gps": True})
    assert set(assets.values_list("pk", flat=True)) == {places["alpha3"]}


def test_an_edit_of_the_code_or_the_name_moves_the_canonical_column(places, librarian):
    asset = Asset.objects.get(pk=places["name"])
    asset_metadata_update(asset, {"country": "Sweden"}, librarian, MetadataChange.Source.ADMIN)
    assert Asset.objects.get(pk=asset.pk).country_iso2 == "SE"
    asset = Asset.objects.get(pk=places["alpha3"])
    asset_metadata_update(asset, {"country_code": "DNK"}, librarian, MetadataChange.Source.ADMIN)
    assert Asset.objects.get(pk=asset.pk).country_iso2 == "DK"
    asset.country_code = ""
    asset.save(update_fields=["country_code"])  # a partial save keeps the column in step too
    assert Asset.objects.get(pk=asset.pk).country_iso2 == ""


def test_territories_are_named_by_any_code_or_name(cms, places):
    AccessProfile.objects.create(user=cms.user, territories=["NO", "SE"])  # the territories it may name
    Asset.objects.filter(pk=places["sweden"]).update(allowed_territories=["NO"])
    for territory in ("NO", "nor", "Norway"):
        assert places["sweden"] in listed(cms, f"territory={territory}"), territory
    assert places["sweden"] not in listed(cms, "territory=SWE")
    assert territory_codes_normalise(["nor", "SE", "no"]) == ["NO", "SE"]
    with pytest.raises(ValueError, match="Norway, XX"):
        territory_codes_normalise(["Norway", "XX"])


def test_a_geo_suggestion_reads_the_country_in_any_form(places):
    # Bergen in a file that names Norway only by name: the coordinates are Bergen's, Norway.
    suggestion = geo_suggest(Asset.objects.get(pk=places["name"]))
    assert suggestion.kind == GeoSuggestion.Kind.COORDINATES
    assert 60.0 < suggestion.values["latitude"] < 60.7 and 5.0 < suggestion.values["longitude"] < 5.7
