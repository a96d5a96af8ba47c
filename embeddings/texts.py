"""The text that represents an asset's metadata for the ``asset_text`` role."""

from __future__ import annotations

from assets.models import Asset

PARTS = ("title", "headline", "description", "alt_text", "extended_description")


def asset_text(asset: Asset) -> str:
    """Title, headline, description, alt texts and keywords, one per line; "" if it has none."""
    lines = [getattr(asset, name).strip() for name in PARTS if getattr(asset, name).strip()]
    if asset.keywords:
        lines.append(", ".join(asset.keywords))
    place = ", ".join(part for part in (asset.sublocation, asset.city, asset.country) if part)
    if place:
        lines.append(place)
    return "\n".join(dict.fromkeys(lines))
