"""Distances on the globe: the one great-circle distance dam computes, in Python and in the database.

What a caller may rely on:

* `great_circle_km` is the haversine distance on a sphere of the Earth's mean radius (good to about 0.5 %). Given
  numbers it returns a float; given a Django expression for any argument (``F("latitude")``) it returns an
  expression that computes the same formula in the database, to filter or order a queryset by distance.
* `unit_vectors` puts positions on the unit sphere, where the straight-line (chord) distance grows with the
  great-circle distance, so the nearest by chord is the nearest on the globe, poles and the 180th meridian included;
  `great_circle_km_from_chord` turns such a chord back into kilometres.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy
from django.db.models import FloatField, Value
from django.db.models.functions import ASin, Cos, Least, Radians, Sin, Sqrt

EARTH_RADIUS_KM = 6371.0088  # the mean radius (IUGG), good to about 0.5 % for distances on the globe


def _on_numbers_or_expressions(on_number: Callable, on_expression: Callable) -> Callable:
    """One operation for both worlds: numbers are computed here, expressions are computed by the database."""

    def apply(value):
        return on_expression(value) if hasattr(value, "resolve_expression") else on_number(value)

    return apply


_radians = _on_numbers_or_expressions(math.radians, Radians)
_sin = _on_numbers_or_expressions(math.sin, Sin)
_cos = _on_numbers_or_expressions(math.cos, Cos)
_arcsin = _on_numbers_or_expressions(math.asin, ASin)
_sqrt = _on_numbers_or_expressions(math.sqrt, Sqrt)
# Rounding can take the haversine a hair above 1 for points on opposite sides of the globe; arcsin refuses that.
_at_most_one = _on_numbers_or_expressions(
    lambda value: min(1.0, value), lambda expression: Least(Value(1.0), expression, output_field=FloatField())
)


def great_circle_km(latitude, longitude, other_latitude, other_longitude):
    """The great-circle distance in kilometres between two positions in degrees (haversine).

    Numbers give a float; an expression for any argument gives an expression (a FloatField) of the same formula.
    """
    latitude, longitude, other_latitude, other_longitude = map(
        _radians, (latitude, longitude, other_latitude, other_longitude)
    )
    half_chord = (
        _sin((other_latitude - latitude) / 2) ** 2
        + _cos(latitude) * _cos(other_latitude) * _sin((other_longitude - longitude) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * _arcsin(_at_most_one(_sqrt(half_chord)))


def great_circle_km_from_chord(chord: float) -> float:
    """The great-circle distance in kilometres for a chord between two points on the unit sphere."""
    return 2.0 * EARTH_RADIUS_KM * math.asin(min(1.0, chord / 2.0))


def unit_vector(latitude: float, longitude: float) -> tuple[float, float, float]:
    """A position in degrees as a point on the unit sphere (x, y, z)."""
    latitude_radians, longitude_radians = math.radians(latitude), math.radians(longitude)
    return (
        math.cos(latitude_radians) * math.cos(longitude_radians),
        math.cos(latitude_radians) * math.sin(longitude_radians),
        math.sin(latitude_radians),
    )


def unit_vectors(latitudes: numpy.ndarray, longitudes: numpy.ndarray) -> numpy.ndarray:
    """Positions in degrees as points on the unit sphere, one row (x, y, z) each."""
    latitude_radians = numpy.radians(latitudes)
    longitude_radians = numpy.radians(longitudes)
    return numpy.column_stack(
        (
            numpy.cos(latitude_radians) * numpy.cos(longitude_radians),
            numpy.cos(latitude_radians) * numpy.sin(longitude_radians),
            numpy.sin(latitude_radians),
        )
    )
