"""Search filters: metadata conditions applied to the assets a search may return (before the
vector search, which keeps returning the full k thanks to iterative index scans)."""

from __future__ import annotations

import math

from django.db.models import F, Q

from assets.geo.distance import great_circle_km
from assets.selectors import created_between, in_country, with_keyword


class FilterError(ValueError):
    """A filter dam cannot apply; the message names it."""


def _number(filters: dict, key: str, low: float, high: float) -> float:
    try:
        value = float(filters[key])
    except (TypeError, ValueError):
        raise FilterError(f"{key} must be a number") from None
    if not low <= value <= high:
        raise FilterError(f"{key} must be between {low} and {high}")
    return value


def filters_apply(assets, filters: dict):
    """Narrow ``assets`` by the search filters (see the API docs); unknown filters are an error."""
    known = {"keywords", "created_after", "created_before", "country", "licence", "near", "bbox"}
    unknown = set(filters) - known
    if unknown:
        raise FilterError(f"unknown filters: {', '.join(sorted(unknown))} (use {', '.join(sorted(known))})")
    for keyword in filters.get("keywords") or []:
        assets = with_keyword(assets, keyword)
    assets = created_between(assets, filters.get("created_after"), filters.get("created_before"))
    if filters.get("country"):
        assets = assets.filter(in_country(filters["country"]))
    if filters.get("licence"):
        assets = assets.filter(web_statement_url=filters["licence"])
    if filters.get("bbox"):
        try:
            south, west, north, east = (float(value) for value in filters["bbox"])
        except (TypeError, ValueError):
            raise FilterError("bbox must be [south, west, north, east] in degrees") from None
        assets = assets.filter(latitude__gte=south, latitude__lte=north)
        assets = (
            assets.filter(longitude__gte=west, longitude__lte=east)
            if west <= east
            else assets.filter(Q(longitude__gte=west) | Q(longitude__lte=east))
        )  # a box across the 180° meridian
    if filters.get("near"):
        near = filters["near"]
        if not isinstance(near, dict):
            raise FilterError('near must be {"lat": ..., "lon": ..., "km": ...}')
        latitude = _number(near, "lat", -90, 90)
        longitude = _number(near, "lon", -180, 180)
        radius = _number(near, "km", 0, 20_000)
        # A box first (index-friendly), then the exact great-circle distance.
        degrees = radius / 111.0
        assets = assets.filter(latitude__gte=latitude - degrees, latitude__lte=latitude + degrees)
        # The longitude box only where it is simple: away from the poles and the 180° meridian
        # (elsewhere the exact distance below does all the work).
        span = degrees / max(math.cos(math.radians(min(abs(latitude) + degrees, 90))), 1e-6)
        if abs(latitude) + degrees < 89 and -180 <= longitude - span and longitude + span <= 180:
            assets = assets.filter(longitude__gte=longitude - span, longitude__lte=longitude + span)
        distance_km = great_circle_km(F("latitude"), F("longitude"), latitude, longitude)
        assets = assets.alias(_distance_km=distance_km).filter(_distance_km__lte=radius)
    return assets
