"""Offline GEO suggestions: made, accepted into empty fields only, marked derived, kept out of files."""

import pytest

from assets.editing import asset_metadata_update, metadata_writeback
from assets.geo.suggestions import geo_suggest, geo_suggestion_accept
from assets.ingest import ingest_paths
from assets.models import Asset, GeoSuggestion, MetadataChange

pytestmark = pytest.mark.django_db


def test_place_names_from_gps_fill_only_empty_fields_and_stay_out_of_the_file(make_jpeg, librarian):
    [result] = ingest_paths(
        [
            make_jpeg(
                "oslo.jpg",
                seed=1800,
                tags={
                    "GPSLatitude": 59.91,
                    "GPSLatitudeRef": "N",
                    "GPSLongitude": 10.75,
                    "GPSLongitudeRef": "E",
                    "XMP-photoshop:City": "Christiania",
                },
            )
        ]
    )  # the file's own (old) city name must survive
    asset = Asset.objects.get(pk=result.asset_id)
    suggestion = geo_suggest(asset)
    assert suggestion.kind == "place" and suggestion.values["country_code"] == "NOR"
    assert geo_suggest(asset).pk == suggestion.pk  # one open suggestion per asset and kind
    change = geo_suggestion_accept(suggestion, librarian)
    asset.refresh_from_db()
    assert asset.city == "Christiania"  # embedded value kept
    assert (asset.country, asset.country_code, asset.province_state) == ("Norway", "NOR", "Oslo")
    assert set(asset.derived_fields) == {"country", "country_code", "province_state"}
    assert (
        asset.derived_fields["country"]["by"] == "librarian" and "GeoNames" in asset.derived_fields["country"]["source"]
    )
    assert change.source == "geo" and change.status == MetadataChange.Status.RECORDED  # nothing goes into the file
    assert GeoSuggestion.objects.get(pk=suggestion.pk).status == "accepted"


def test_coordinates_from_a_place_name(make_jpeg, librarian):
    [result] = ingest_paths(
        [make_jpeg("z.jpg", seed=1801, tags={"XMP-photoshop:City": "Zurich", "XMP-photoshop:Country": "Switzerland"})]
    )
    asset = Asset.objects.get(pk=result.asset_id)
    suggestion = geo_suggest(asset)
    assert suggestion.kind == "coordinates"
    assert suggestion.values == {"latitude": pytest.approx(47.37, abs=0.05), "longitude": pytest.approx(8.55, abs=0.05)}
    geo_suggestion_accept(suggestion, librarian)
    asset.refresh_from_db()
    assert asset.has_gps and set(asset.derived_fields) == {"latitude", "longitude"}


def test_editing_a_derived_value_by_hand_makes_it_ordinary_and_writes_it(make_jpeg, librarian):
    [result] = ingest_paths(
        [
            make_jpeg(
                "b.jpg",
                seed=1802,
                tags={"GPSLatitude": 60.39, "GPSLatitudeRef": "N", "GPSLongitude": 5.32, "GPSLongitudeRef": "E"},
            )
        ]
    )
    asset = Asset.objects.get(pk=result.asset_id)
    geo_suggestion_accept(geo_suggest(asset), librarian)
    asset.refresh_from_db()
    change = asset_metadata_update(asset, {"city": "Bergen sentrum", "title": "Typed"}, librarian, "admin")
    change = metadata_writeback(change.pk)
    asset.refresh_from_db()
    assert "city" not in asset.derived_fields and "country" in asset.derived_fields
    written = asset.current_version.metadata
    assert written["city"] == "Bergen sentrum" and written["country"] == ""  # the derived country stayed out


def test_open_sea_gets_no_suggestion(make_jpeg):
    [result] = ingest_paths(
        [
            make_jpeg(
                "sea.jpg",
                seed=1803,
                tags={"GPSLatitude": 0.5, "GPSLatitudeRef": "N", "GPSLongitude": 30, "GPSLongitudeRef": "W"},
            )
        ]
    )
    assert geo_suggest(Asset.objects.get(pk=result.asset_id)) is None


def test_admin_index_shows_geo_completeness_and_suggestions_are_accepted_in_bulk(client, librarian, make_jpeg):
    results = list(
        ingest_paths(
            [
                make_jpeg(
                    f"g{i}.jpg",
                    seed=1810 + i,
                    tags={"GPSLatitude": 59.91, "GPSLatitudeRef": "N", "GPSLongitude": 10.75, "GPSLongitudeRef": "E"},
                )
                for i in range(2)
            ]
            + [make_jpeg("nogps.jpg", seed=1812)]
        )
    )
    client.force_login(librarian)
    index = client.get("/admin/").content.decode()
    assert "GEO completeness" in index and "2 of 3" in index and "67 %" in index
    ids = [r.asset_id for r in results]
    client.post("/admin/assets/asset/", {"action": "geo_suggest_action", "_selected_action": ids})
    open_ids = list(GeoSuggestion.objects.filter(status="open").values_list("pk", flat=True))
    assert len(open_ids) == 2
    client.post("/admin/assets/geosuggestion/", {"action": "accept", "_selected_action": open_ids})
    assert set(Asset.objects.filter(pk__in=ids[:2]).values_list("country_code", flat=True)) == {"NOR"}
