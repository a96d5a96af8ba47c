"""The asset filters: one declaration of every metadata condition a caller may put on a set of
assets, walked by the list API (``assets.api.filters``, as query parameters) and by search
(``embeddings.filters``, as a JSON object). docs/filters.md is the reference for callers.

A filter takes the same name and means the same in both; its value is given as text (a query
parameter) or as the JSON value the docs show, and ``parse`` accepts both (and its own output,
so parsed values can be parsed again). A bad value raises ``FilterError`` naming the filter.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from assets.geo.distance import great_circle_km
from assets.locations import position_expression
from assets.selectors import created_between, in_country, with_keyword

EMPTY = ("", None, [], (), {})  # a filter given no value is no condition, as django-filter does


class FilterError(ValueError):
    """A filter value dam cannot apply. ``name`` is the filter; the message names it, says what
    is wrong and what to give instead."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}")
        self.name = name


@dataclass(frozen=True)
class FilterDefinition:
    """One filter. ``parse(name, value)`` turns one given value into what ``apply`` takes (raising
    ``FilterError``); ``apply(assets, value)`` narrows a queryset. A ``repeatable`` filter takes
    several values (all must hold): ``parse`` is called for each, ``apply`` gets the list.
    ``schema`` is the OpenAPI schema of one query-parameter value."""

    name: str
    meaning: str
    parse: Callable[[str, Any], Any]
    apply: Callable[[QuerySet, Any], QuerySet]
    schema: dict
    aliases: tuple[str, ...] = ()
    repeatable: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    def value_parse(self, value: Any, name: str | None = None) -> Any:
        """``value`` checked (a list of values for a repeatable filter, one value or a list given);
        ``None`` when it is empty, i.e. no condition. ``name`` is the spelling the caller used."""
        name = name or self.name
        if value in EMPTY:
            return None
        if not self.repeatable:
            return self.parse(name, value)
        values = value if isinstance(value, list | tuple) else [value]
        parsed = [self.parse(name, each) for each in values if each not in EMPTY]
        return parsed or None


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise FilterError(name, f"must be text, not {_shown(value)}")
    if "\x00" in value:
        raise FilterError(name, "must not contain NUL characters")
    return value.strip()


def _boolean(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(name, value).lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise FilterError(name, f"must be true or false, not {_shown(value)}")


def _day(name: str, value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        day = parse_date(_text(name, value))
    except ValueError:
        day = None
    if day is None:
        raise FilterError(name, f"must be a day as YYYY-MM-DD, not {_shown(value)}")
    return day


def _moment(name: str, value: Any) -> datetime:
    """An ISO 8601 moment in UTC: any offset Python reads is accepted, also those beyond the
    ±15:59 PostgreSQL takes (e.g. -16:36); a moment without one is in the current time zone."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = parse_datetime(_text(name, value))
        except ValueError:
            moment = None
        if moment is None:
            raise FilterError(name, f"must be an ISO 8601 date-time such as 2026-01-31T12:00:00Z, not {_shown(value)}")
    try:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, timezone.get_current_timezone())
        return moment.astimezone(UTC)
    except OverflowError:
        raise FilterError(name, f"is outside the years 1 to 9999 in UTC: {_shown(value)}") from None


def _numbers(name: str, value: Any, keys: tuple[str, ...]) -> list:
    """Numbers given as ``"a,b,c"`` text, a JSON list, or (keys given) a JSON object."""
    if isinstance(value, str):
        value = _text(name, value).split(",")
    elif isinstance(value, dict):
        missing = [key for key in keys if key not in value]
        if missing or len(value) != len(keys):
            raise FilterError(name, f"needs exactly the keys {', '.join(keys)}")
        value = [value[key] for key in keys]
    if not isinstance(value, list | tuple) or len(value) != len(keys):
        raise FilterError(name, f"must be {len(keys)} numbers: {','.join(keys)}")
    numbers = []
    for key, each in zip(keys, value, strict=True):
        try:
            if isinstance(each, bool):
                raise TypeError
            numbers.append(float(each.strip() if isinstance(each, str) else each))
        except (TypeError, ValueError):
            raise FilterError(name, f"{key} must be a number, not {_shown(each)}") from None
    return numbers


def _in_range(name: str, key: str, number: float, low: float, high: float) -> float:
    if not low <= number <= high:  # also refuses NaN
        raise FilterError(name, f"{key} must be between {low:g} and {high:g}")
    return number


def _circle(name: str, value: Any) -> dict:
    latitude, longitude, km = _numbers(name, value, ("lat", "lon", "km"))
    return {
        "lat": _in_range(name, "lat", latitude, -90, 90),
        "lon": _in_range(name, "lon", longitude, -180, 180),
        "km": _in_range(name, "km", km, 0, 20_000),
    }


def _box(name: str, value: Any) -> list[float]:
    south, west, north, east = _numbers(name, value, ("south", "west", "north", "east"))
    for key, number, limit in (("south", south, 90), ("west", west, 180), ("north", north, 90), ("east", east, 180)):
        _in_range(name, key, number, -limit, limit)
    if south > north:
        raise FilterError(name, "south must not be north of north")
    return [south, west, north, east]


def _with_keywords(assets: QuerySet, keywords: list[str]) -> QuerySet:
    # Keywords match whole, in any case: "Harbour" finds "harbour" but not "harbours".
    for keyword in keywords:
        assets = with_keyword(assets, keyword)
    return assets


def _matching_text(assets: QuerySet, text: str) -> QuerySet:
    from assets.fulltext import assets_matching

    return assets_matching(assets, text)


def _positioned(assets: QuerySet) -> QuerySet:
    # Location-sensitive assets are matched by the position everyone may see, so that no filter
    # narrows their exact position down (assets.locations).
    return assets.alias(_latitude=position_expression("latitude"), _longitude=position_expression("longitude"))


def _in_box(assets: QuerySet, box: list[float]) -> QuerySet:
    south, west, north, east = box
    assets = _positioned(assets).filter(_latitude__gte=south, _latitude__lte=north)
    if west <= east:
        return assets.filter(_longitude__gte=west, _longitude__lte=east)
    return assets.filter(Q(_longitude__gte=west) | Q(_longitude__lte=east))  # a box across the 180° meridian


def _within_radius(assets: QuerySet, circle: dict) -> QuerySet:
    latitude, longitude, radius = circle["lat"], circle["lon"], circle["km"]
    # A box first (index-friendly), then the exact great-circle distance.
    degrees = radius / 111.0
    assets = _positioned(assets).filter(_latitude__gte=latitude - degrees, _latitude__lte=latitude + degrees)
    # The longitude box only where it is simple: away from the poles and the 180° meridian
    # (elsewhere the exact distance below does all the work).
    span = degrees / max(math.cos(math.radians(min(abs(latitude) + degrees, 90))), 1e-6)
    if abs(latitude) + degrees < 89 and -180 <= longitude - span and longitude + span <= 180:
        assets = assets.filter(_longitude__gte=longitude - span, _longitude__lte=longitude + span)
    distance = great_circle_km(F("_latitude"), F("_longitude"), latitude, longitude)
    return assets.alias(_distance_km=distance).filter(_distance_km__lte=radius)


_TEXT = {"type": "string"}
ASSET_FILTERS: tuple[FilterDefinition, ...] = (
    FilterDefinition(
        "keyword",
        "has this keyword: whole, in any case; give several and every one must match",
        _text,
        _with_keywords,
        {"type": "array", "items": _TEXT},
        aliases=("keywords",),
        repeatable=True,
    ),
    FilterDefinition(
        "q",
        "the metadata matches this text (full-text search: words in any form, case or accents, "
        '"quoted phrases", -exclusions, vocabulary aliases, typos)',
        _text,
        _matching_text,
        _TEXT,
    ),
    FilterDefinition(
        "city", "the city, in any case", _text, lambda assets, city: assets.filter(city__iexact=city), _TEXT
    ),
    FilterDefinition(
        "country",
        "the country, by its name or its ISO code, in any case",
        _text,
        lambda assets, country: assets.filter(in_country(country)),
        _TEXT,
    ),
    FilterDefinition(
        "licence",
        "the licence URL (web statement of rights), exactly",
        _text,
        lambda assets, url: assets.filter(web_statement_url=url),
        _TEXT,
    ),
    FilterDefinition(
        "mime_type",
        "the media type of the current file, in any case",
        _text,
        lambda assets, mime_type: assets.filter(mime_type__iexact=mime_type),
        _TEXT,
    ),
    FilterDefinition(
        "has_gps",
        "true: the asset has a position; false: it has none",
        _boolean,
        lambda assets, has_gps: _positioned(assets).filter(_latitude__isnull=not has_gps),
        {"type": "boolean"},
    ),
    FilterDefinition(
        "created_after",
        "made (date created) on or after this day; assets with no known date are left out",
        _day,
        lambda assets, day: created_between(assets, after=day.isoformat()),
        {"type": "string", "format": "date"},
    ),
    FilterDefinition(
        "created_before",
        "made (date created) on or before this day; assets with no known date are left out",
        _day,
        lambda assets, day: created_between(assets, before=day.isoformat()),
        {"type": "string", "format": "date"},
    ),
    FilterDefinition(
        "ingested_after",
        "came into dam at or after this moment",
        _moment,
        lambda assets, moment: assets.filter(created_at__gte=moment),
        {"type": "string", "format": "date-time"},
    ),
    FilterDefinition(
        "ingested_before",
        "came into dam at or before this moment",
        _moment,
        lambda assets, moment: assets.filter(created_at__lte=moment),
        {"type": "string", "format": "date-time"},
    ),
    FilterDefinition(
        "near",
        'lat,lon,km (in JSON also {"lat", "lon", "km"}): within km kilometres (great-circle distance) of the point',
        _circle,
        _within_radius,
        _TEXT,
    ),
    FilterDefinition(
        "bbox",
        "south,west,north,east in degrees (in JSON also a list of four numbers): inside the box; "
        "west > east crosses the 180° meridian",
        _box,
        _in_box,
        _TEXT,
    ),
)
FILTERS_BY_NAME: dict[str, FilterDefinition] = {name: each for each in ASSET_FILTERS for name in each.names}


def filters_parse(values: Mapping[str, Any], ignore_unknown: bool = False) -> dict[str, Any]:
    """The filters named in ``values`` (canonical names or aliases) checked: canonical name →
    parsed value, empty values left out. Unknown names are a ``FilterError`` unless
    ``ignore_unknown``. A filter given under two of its names counts once, with every value for a
    repeatable filter."""
    parsed: dict[str, Any] = {}
    for name, value in values.items():
        definition = FILTERS_BY_NAME.get(name)
        if definition is None:
            if ignore_unknown:
                continue
            known = ", ".join(each.name for each in ASSET_FILTERS)
            raise FilterError(name, f"is not a filter (use {known})")
        checked = definition.value_parse(value, name)
        if checked is None:
            continue
        if definition.name not in parsed:
            parsed[definition.name] = checked
        elif definition.repeatable:
            parsed[definition.name] = parsed[definition.name] + checked
        else:
            raise FilterError(name, f"is given twice (also as {definition.name})")
    return parsed


def filters_apply(assets: QuerySet, filters: Mapping[str, Any]) -> QuerySet:
    """``assets`` narrowed by every filter in ``filters`` (as ``filters_parse`` returns them)."""
    for name, value in filters.items():
        assets = FILTERS_BY_NAME[name].apply(assets, value)
    return assets
