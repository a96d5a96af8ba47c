"""Search filters: a search's ``filters`` object, read with the asset filters (``assets.filters``:
the same names, values and meaning as the list API's query parameters; docs/filters.md), applied
to the assets a search may return before the vector search (which keeps returning the full k
thanks to iterative index scans)."""

from __future__ import annotations

from typing import Any

from assets import filters as asset_filters
from assets.filters import FilterError

__all__ = ["FilterError", "filters_apply", "search_filters_parse"]  # FilterError: what search callers catch


def search_filters_parse(filters: Any) -> dict[str, Any]:
    """A search's ``filters`` object checked: filter name → parsed value. Unlike query parameters,
    where other parameters sit beside the filters, an unknown name here is an error."""
    if not isinstance(filters, dict):
        raise FilterError("filters", 'must be an object such as {"keyword": ["harbour"], "has_gps": true}')
    return asset_filters.filters_parse(filters)


def filters_apply(assets, filters: dict):
    """``assets`` narrowed by a search's ``filters`` object; a bad or unknown filter raises
    ``FilterError`` naming it."""
    return asset_filters.filters_apply(assets, search_filters_parse(filters))
