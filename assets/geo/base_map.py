"""The location preview: a position on a base map drawn here, as SVG, from country outlines that
ship in a Python package (coastlines and borders; no tile server, no internet).

``location_map_svg`` frames the country the position lies in (or the one the asset names), or a
window of the sea around it, keeps the shapes in proportion at any latitude, and marks the spot.
"""

from __future__ import annotations

import math

from django.utils.html import escape

from assets.geo.datasets import CountryOutline, country_outlines

SEA, LAND, HOME, COAST, GRID, DOT = "#dbe8f3", "#f4f1e8", "#e9dfc3", "#8c9aa6", "#c4d3e0", "#c0392b"
MIN_SPAN, MAX_SPAN, PADDING = 6.0, 70.0, 0.25  # degrees of latitude shown, and the margin around a country


def _inside(longitude: float, latitude: float, ring) -> bool:
    """Ray casting: whether the point lies inside the ring."""
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, (*ring[1:], ring[0]), strict=True):
        if (y1 > latitude) != (y2 > latitude) and longitude < (x2 - x1) * (latitude - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def country_at(latitude: float, longitude: float) -> CountryOutline | None:
    """The country whose outline holds the position (at the outlines' 1:110m scale), or None."""
    for outline in country_outlines():
        west, south, east, north = outline.bounds
        if west <= longitude <= east and south <= latitude <= north:
            if any(_inside(longitude, latitude, polygon[0]) for polygon in outline.polygons):
                return outline
    return None


def _window(latitude: float, longitude: float, home: CountryOutline | None) -> tuple[float, float, float, float]:
    """west, south, east, north of what is shown: the home country framed, or the sea around the point."""
    aspect = max(math.cos(math.radians(latitude)), 0.2)
    if home is not None:
        west, south, east, north = home.bounds
        if east - west > 180:  # a country across the 180th meridian (Russia, Fiji): frame the point instead
            west, east = longitude - 20, longitude + 20
        span = max(north - south, (east - west) * aspect / 1.7, MIN_SPAN) * (1 + 2 * PADDING)
        centre_lat, centre_lon = (north + south) / 2, (east + west) / 2
    else:
        span, centre_lat, centre_lon = 20.0, latitude, longitude
    span = min(span, MAX_SPAN)
    # Keep the point in view even where the country's centre is far from it (overseas territories).
    centre_lat = min(max(centre_lat, latitude - span / 2.4), latitude + span / 2.4)
    half_lon = span * 1.7 / aspect / 2
    centre_lon = min(max(centre_lon, longitude - half_lon / 1.2), longitude + half_lon / 1.2)
    south, north = max(centre_lat - span / 2, -90.0), min(centre_lat + span / 2, 90.0)
    return centre_lon - half_lon, south, centre_lon + half_lon, north


def location_map_svg(latitude: float, longitude: float, country_code: str = "", width: int = 480) -> str:
    """An SVG (markup, safe to include in a page) of the position on coastlines and borders."""
    outlines = country_outlines()
    home = country_at(latitude, longitude)
    if home is None and country_code:
        home = next((o for o in outlines if o.alpha2 and o.alpha2 == country_code.upper()[:2]), None)
    west, south, east, north = _window(latitude, longitude, home)
    height = round(width / 1.7)
    scale_x, scale_y = width / (east - west), height / (north - south)

    def point(x: float, y: float) -> str:
        return f"{(x - west) * scale_x:.1f},{(north - y) * scale_y:.1f}"

    shapes = []
    for outline in outlines:
        o_west, o_south, o_east, o_north = outline.bounds
        if o_east < west or o_west > east or o_north < south or o_south > north:
            continue
        rings = " ".join(
            "M" + " L".join(point(x, y) for x, y in ring) + " Z" for polygon in outline.polygons for ring in polygon
        )
        fill = HOME if outline is home else LAND
        shapes.append(
            f'<path d="{rings}" fill="{fill}" fill-rule="evenodd"><title>{escape(outline.name)}</title></path>'
        )
    step = 1 if north - south <= 8 else 5 if north - south <= 30 else 10
    grid = [
        f'<line x1="{(lon - west) * scale_x:.1f}" y1="0" x2="{(lon - west) * scale_x:.1f}" y2="{height}"/>'
        for lon in range(math.ceil(west / step) * step, math.floor(east) + 1, step)
    ] + [
        f'<line x1="0" y1="{(north - lat) * scale_y:.1f}" x2="{width}" y2="{(north - lat) * scale_y:.1f}"/>'
        for lat in range(math.ceil(south / step) * step, math.floor(north) + 1, step)
    ]
    x, y = point(longitude, latitude).split(",")
    label = f"{latitude:.4f}, {longitude:.4f}" + (f" in {home.name}" if home else "")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="Map: {escape(label)}" style="background:{SEA};border:1px solid {COAST}">'
        f'<g stroke="{GRID}" stroke-width="0.6">{"".join(grid)}</g>'
        f'<g stroke="{COAST}" stroke-width="0.8" stroke-linejoin="round">{"".join(shapes)}</g>'
        f'<circle cx="{x}" cy="{y}" r="9" fill="none" stroke="{DOT}" stroke-width="1.5" opacity="0.6"/>'
        f'<circle cx="{x}" cy="{y}" r="4.5" fill="{DOT}" stroke="#fff" stroke-width="1.5"/></svg>'
    )
