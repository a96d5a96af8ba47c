"""GEO enrichment: suggestions from offline GeoNames data, accepted by a librarian.

Place names are suggested for assets with GPS but no city, province, country or country code;
coordinates for assets that name a city but have no GPS. A suggestion fills only fields that
are empty, never replaces a value read from the file, and, once accepted, its values are marked
as derived (source, who, when) on the asset and kept out of the file until someone edits them.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from assets.editing import asset_metadata_update
from assets.geo.places import coordinates_from_place, place_from_coordinates
from assets.models import Asset, GeoSuggestion, MetadataChange

PLACE_FIELDS = ("city", "province_state", "country", "country_code")


def geo_suggest(asset: Asset) -> GeoSuggestion | None:
    """Make the open suggestion that fits the asset, if any (idempotent)."""
    if asset.latitude is not None and any(not getattr(asset, name) for name in PLACE_FIELDS):
        place = place_from_coordinates(asset.latitude, asset.longitude)
        if place is None:
            return None
        values = {name: getattr(place, name) for name in PLACE_FIELDS if getattr(place, name)}
        return _suggestion(asset, GeoSuggestion.Kind.PLACE, values, place.source, place.distance_km)
    if asset.latitude is None and asset.city:
        found = coordinates_from_place(
            asset.city, asset.country_iso2 or asset.country_code or asset.country, asset.province_state
        )
        if found is None:
            return None
        return _suggestion(
            asset,
            GeoSuggestion.Kind.COORDINATES,
            {"latitude": round(found.latitude, 6), "longitude": round(found.longitude, 6)},
            f"{found.source} ({found.city}, {found.country_code})",
            None,
        )
    return None


def _suggestion(asset, kind, values, source, distance_km) -> GeoSuggestion | None:
    existing = GeoSuggestion.objects.filter(asset=asset, kind=kind, status=GeoSuggestion.Status.OPEN).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return GeoSuggestion.objects.create(
                asset=asset, kind=kind, values=values, source=source, distance_km=distance_km
            )
    except IntegrityError:  # made meanwhile by another process
        return GeoSuggestion.objects.filter(asset=asset, kind=kind, status=GeoSuggestion.Status.OPEN).first()


def geo_suggestion_accept(suggestion: GeoSuggestion, user) -> MetadataChange | None:
    """Apply the suggestion to the fields that are still empty, marked as derived."""
    asset = suggestion.asset
    empty = {name: value for name, value in suggestion.values.items() if getattr(asset, name) in ("", None)}
    change = None
    if empty:
        change = asset_metadata_update(
            asset,
            empty,
            user,
            MetadataChange.Source.GEO,
            note=f"GEO suggestion: {suggestion.source}",
            derived_from=suggestion.source,
        )
    GeoSuggestion.objects.filter(pk=suggestion.pk).update(
        status=GeoSuggestion.Status.ACCEPTED, decided_by=user, decided_at=timezone.now()
    )
    return change


def geo_suggestion_reject(suggestion: GeoSuggestion, user) -> None:
    GeoSuggestion.objects.filter(pk=suggestion.pk).update(
        status=GeoSuggestion.Status.REJECTED, decided_by=user, decided_at=timezone.now()
    )
