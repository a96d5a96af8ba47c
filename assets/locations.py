"""Exact positions of location-sensitive assets: who may see them, and what everyone else gets.

One rule for every path that shows a position (the API's JSON and the browsable API, JSON-LD,
the feed, XMP sidecars, stored-file downloads, the admin, the MCP server): for an asset flagged
``location_sensitive``, a caller without ``assets.view_exact_location`` (rights managers and
superusers hold it) gets latitude and longitude rounded to ``DAM_SENSITIVE_LOCATION_DECIMALS``
decimal places and no altitude; with the setting ``none``, no position at all. The same caller
downloads such an asset's stored files as delivery copies, which hold no GPS
(``assets.serving``). Geo filters match sensitive assets by their coarsened position, for every
caller, so a filter cannot be used to narrow a position down (``position_expression``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.conf import settings
from django.db.models import Case, F, FloatField, Value, When
from django.db.models.functions import Cast, Round

from assets.models import Asset

POSITION_FIELDS = ("latitude", "longitude", "altitude")
COORDINATES = ("latitude", "longitude")
WITHHELD = "(withheld: location-sensitive)"  # what audit trails show instead of a withheld value


def exact_location_allowed(user) -> bool:
    """Whether ``user`` sees the exact position of location-sensitive assets."""
    return bool(
        user is not None and user.is_active and (user.is_superuser or user.has_perm("assets.view_exact_location"))
    )


def location_withheld(asset: Asset, exact: bool) -> bool:
    """Whether the exact position of ``asset`` is kept from a caller (``exact``: the caller holds
    the permission, as ``exact_location_allowed`` says)."""
    return bool(asset.location_sensitive) and not exact


def coordinate_shown(value: float | None) -> float | None:
    """A latitude or longitude as a caller without the permission gets it."""
    decimals = settings.DAM_SENSITIVE_LOCATION_DECIMALS
    if value is None or decimals is None:
        return None
    return round(float(value), decimals)


def value_shown(asset: Asset, name: str, value, exact: bool):
    """``value`` of field ``name`` of ``asset`` as this caller may see it (positions coarsened
    or left out; every other field as it is)."""
    if name not in POSITION_FIELDS or not location_withheld(asset, exact):
        return value
    return coordinate_shown(value) if name in COORDINATES else None


def values_shown(asset: Asset, names: Iterable[str], exact: bool) -> dict:
    """The fields ``names`` of ``asset`` as this caller may see them."""
    return {name: value_shown(asset, name, getattr(asset, name), exact) for name in names}


def changes_shown(asset: Asset, changes: Mapping[str, dict], exact: bool) -> dict:
    """An audit record's ``{field: {"from", "to"}}`` with withheld positions replaced."""
    if not location_withheld(asset, exact):
        return dict(changes)
    return {
        name: {side: WITHHELD for side in diff} if name in POSITION_FIELDS else diff for name, diff in changes.items()
    }


def raw_tags_shown(asset: Asset, raw: Mapping, exact: bool) -> dict:
    """Raw tags of a file version (``{reader: {tag: value}}``) without any GPS tag, where the
    position is withheld."""
    if not location_withheld(asset, exact):
        return dict(raw)
    return _without_gps(raw)


def _without_gps(tags: Mapping) -> dict:
    return {
        name: _without_gps(value) if isinstance(value, Mapping) else value
        for name, value in tags.items()
        if "gps" not in str(name).lower()
    }


def asset_position_withhold(asset: Asset) -> Asset:
    """``asset`` itself, its position (and its current version's raw tags) replaced in memory by
    what a caller without the permission sees: for pages that read the model's attributes
    (the admin's change page). Never save it."""
    for name in POSITION_FIELDS:
        setattr(asset, name, value_shown(asset, name, getattr(asset, name), exact=False))
    version = asset.current_version
    if version is not None:
        version.raw_tags = raw_tags_shown(asset, version.raw_tags or {}, exact=False)
    asset._position_withheld = True  # Asset.save refuses such an instance
    return asset


def position_expression(name: str):
    """SQL for coordinate ``name`` as geo filters compare it: exact for ordinary assets, as
    ``coordinate_shown`` gives it for location-sensitive ones."""
    decimals = settings.DAM_SENSITIVE_LOCATION_DECIMALS
    coarse = (
        Value(None, output_field=FloatField())
        if decimals is None
        else Cast(Round(F(name), decimals), FloatField())  # ROUND on numeric: half away from zero
    )
    return Case(When(location_sensitive=True, then=coarse), default=F(name), output_field=FloatField())
