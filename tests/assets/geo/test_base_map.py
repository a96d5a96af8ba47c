"""The location preview's base map: country outlines from an installed package, the position
framed and marked, at any latitude, out at sea too."""

import re

import pytest

from assets.geo.base_map import country_at, location_map_svg


@pytest.mark.parametrize(
    "latitude, longitude, alpha2",
    [(60.3913, 5.3221, "NO"), (-33.857, 151.215, "AU"), (47.37, 8.54, "CH"), (-54.8, -68.3, "AR"), (36.5, -117, "US")],
)
def test_the_country_under_a_position(latitude, longitude, alpha2):
    assert country_at(latitude, longitude).alpha2 == alpha2


def dot(svg: str) -> tuple[float, float]:
    x, y = re.search(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="4.5"', svg).groups()
    return float(x), float(y)


def test_the_map_draws_coastlines_and_borders_and_marks_the_spot():
    svg = location_map_svg(60.3913, 5.3221)
    width, height = (int(n) for n in re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).groups())
    assert svg.count("<path") > 10  # Norway and its neighbours
    assert "<title>Norway</title>" in svg and 'aria-label="Map: 60.3913, 5.3221 in Norway"' in svg
    x, y = dot(svg)
    assert 0 < x < width and 0 < y < height


def test_at_sea_the_map_shows_the_sea_around_the_point_and_names_no_country():
    svg = location_map_svg(-40.0, -30.0)  # the South Atlantic
    assert "in " not in re.search(r'aria-label="([^"]*)"', svg).group(1)
    x, y = dot(svg)
    assert abs(x - 240) < 1 and abs(y - 141) < 2  # centred on the point


def test_a_country_code_frames_the_country_when_the_outline_misses_the_point():
    # A harbour just off the coast, outside the coarse outline: the asset's country frames the map.
    svg = location_map_svg(59.9, 10.75, country_code="NO")
    assert "in Norway" in svg or "<title>Norway</title>" in svg
