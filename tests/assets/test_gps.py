"""GPS positions: signed decimals from EXIF refs or XMP, validated, placeholders dropped."""

import pytest

from assets.ingest import ingest_paths
from assets.metadata.gps import position_from_tags
from assets.models import Asset


@pytest.mark.parametrize(
    ("lat", "lat_ref", "lon", "lon_ref", "expected"),
    [
        (33.8568, "S", 151.2153, "E", (-33.8568, 151.2153)),  # Sydney
        (40.6892, "N", 74.0445, "W", (40.6892, -74.0445)),  # New York
        (22.9068, "S", 43.1729, "W", (-22.9068, -43.1729)),  # Rio de Janeiro
        (51.5007, "N", 0.1246, "W", (51.5007, -0.1246)),  # London, just west of Greenwich
        (-33.8568, "S", 151.2153, "E", (-33.8568, 151.2153)),  # a writer that also signed the value
    ],
)
def test_exif_hemisphere_refs_give_signed_decimals(lat, lat_ref, lon, lon_ref, expected):
    position = position_from_tags(
        {"GPS:GPSLatitude": lat, "GPS:GPSLatitudeRef": lat_ref, "GPS:GPSLongitude": lon, "GPS:GPSLongitudeRef": lon_ref}
    )
    assert (position.latitude, position.longitude) == expected
    assert position.warnings == []


def test_xmp_positions_are_already_signed():
    position = position_from_tags(
        {
            "XMP-exif:GPSLatitude": -12.5,
            "XMP-exif:GPSLongitude": -77.25,
            "XMP-exif:GPSAltitude": 154,
            "XMP-exif:GPSAltitudeRef": 0,
        }
    )
    assert (position.latitude, position.longitude, position.altitude) == (-12.5, -77.25, 154.0)


def test_exif_wins_over_xmp_and_altitude_below_sea_level_is_negative():
    position = position_from_tags(
        {
            "GPS:GPSLatitude": 31.5,
            "GPS:GPSLatitudeRef": "N",
            "GPS:GPSLongitude": 35.5,
            "GPS:GPSLongitudeRef": "E",
            "GPS:GPSAltitude": 430,
            "GPS:GPSAltitudeRef": 1,
            "XMP-exif:GPSLatitude": 1.0,
            "XMP-exif:GPSLongitude": 2.0,
        }
    )
    assert (position.latitude, position.longitude, position.altitude) == (31.5, 35.5, -430.0)


def test_null_island_is_a_missing_location_with_a_warning():
    position = position_from_tags(
        {"GPS:GPSLatitude": 0, "GPS:GPSLatitudeRef": "N", "GPS:GPSLongitude": 0, "GPS:GPSLongitudeRef": "E"}
    )
    assert (position.latitude, position.longitude) == (None, None)
    assert "placeholder" in position.warnings[0]


@pytest.mark.parametrize(
    "tags",
    [
        {"XMP-exif:GPSLatitude": 91.0, "XMP-exif:GPSLongitude": 10.0},
        {"XMP-exif:GPSLatitude": 10.0, "XMP-exif:GPSLongitude": -180.5},
        {"XMP-exif:GPSLatitude": "north", "XMP-exif:GPSLongitude": 10.0},
        {"XMP-exif:GPSLatitude": 10.0},
    ],
)
def test_invalid_positions_are_ignored_with_a_reason(tags):
    position = position_from_tags(tags)
    assert (position.latitude, position.longitude) == (None, None)
    assert len(position.warnings) == 1 and "ignored" in position.warnings[0]


def test_an_invalid_exif_position_falls_back_to_a_valid_xmp_one():
    position = position_from_tags(
        {
            "GPS:GPSLatitude": 123.0,
            "GPS:GPSLatitudeRef": "N",
            "GPS:GPSLongitude": 1.0,
            "GPS:GPSLongitudeRef": "E",
            "XMP-exif:GPSLatitude": 45.0,
            "XMP-exif:GPSLongitude": 7.0,
        }
    )
    assert (position.latitude, position.longitude) == (45.0, 7.0)
    assert "outside the valid range" in position.warnings[0]


@pytest.mark.django_db
def test_gps_written_by_exiftool_is_read_from_the_file(make_jpeg):
    path = make_jpeg(
        "rio.jpg",
        seed=11,
        tags={
            "GPSLatitude": 22.9068,
            "GPSLatitudeRef": "S",
            "GPSLongitude": 43.1729,
            "GPSLongitudeRef": "W",
            "GPSAltitude": 12.5,
            "GPSAltitudeRef": 0,
        },
    )
    [result] = ingest_paths([path])
    asset = Asset.objects.get(pk=result.asset_id)
    assert (asset.latitude, asset.longitude, asset.altitude) == (-22.9068, -43.1729, 12.5)
    assert asset.has_gps


@pytest.mark.django_db
def test_null_island_in_a_file_is_stored_as_no_location(make_jpeg):
    path = make_jpeg(
        "nofix.jpg", seed=12, tags={"GPSLatitude": 0, "GPSLatitudeRef": "N", "GPSLongitude": 0, "GPSLongitudeRef": "E"}
    )
    [result] = ingest_paths([path])
    asset = Asset.objects.get(pk=result.asset_id)
    assert (asset.latitude, asset.longitude) == (None, None)
    assert any("placeholder" in warning for warning in asset.warnings)
