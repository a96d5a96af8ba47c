"""The one great-circle distance: the same kilometres in Python and in the database."""

import math

import pytest
from django.contrib.auth.models import User
from django.db.models import Value

from assets.geo.distance import (
    EARTH_RADIUS_KM,
    great_circle_km,
    great_circle_km_from_chord,
    unit_vector,
)

OSLO = (59.9139, 10.7522)
PARIS = (48.8566, 2.3522)


def test_one_degree_along_the_equator_and_half_the_globe():
    assert great_circle_km(0.0, 0.0, 0.0, 1.0) == pytest.approx(2 * math.pi * EARTH_RADIUS_KM / 360)
    assert great_circle_km(0.0, 0.0, 0.0, 180.0) == pytest.approx(math.pi * EARTH_RADIUS_KM)
    assert great_circle_km(90.0, 0.0, -90.0, 0.0) == pytest.approx(math.pi * EARTH_RADIUS_KM)


def test_the_distance_is_symmetric_and_crosses_the_180th_meridian():
    assert great_circle_km(*OSLO, *PARIS) == pytest.approx(1342, abs=2)
    assert great_circle_km(*OSLO, *PARIS) == pytest.approx(great_circle_km(*PARIS, *OSLO))
    assert great_circle_km(-16.43, 179.9, -16.43, -179.9) == pytest.approx(21.3, abs=0.1)


def test_the_chord_between_unit_vectors_gives_the_same_kilometres():
    chord = math.dist(unit_vector(*OSLO), unit_vector(*PARIS))
    assert great_circle_km_from_chord(chord) == pytest.approx(great_circle_km(*OSLO, *PARIS), rel=1e-9)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "end"), [(OSLO, PARIS), ((0.0, 0.0), (0.0, 180.0)), ((-16.43, 179.9), (-16.43, -179.9))]
)
def test_the_database_computes_what_python_computes(start, end):
    User.objects.create(username="distance")
    expression = great_circle_km(Value(start[0]), Value(start[1]), *end)
    in_database = User.objects.annotate(distance_km=expression).values_list("distance_km", flat=True).get()
    assert in_database == pytest.approx(great_circle_km(*start, *end), rel=1e-9)
