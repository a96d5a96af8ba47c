"""The text that represents an asset's metadata for the ``asset_text`` role."""

from __future__ import annotations

from assets.fields import ALL_FIELDS, Field
from assets.models import Asset

# The rows that go into the text, by line (a row's ``search_line`` in the field table).
LINES: dict[int, tuple[Field, ...]] = {
    line: tuple(field for field in ALL_FIELDS if field.search_line == line)
    for line in sorted({field.search_line for field in ALL_FIELDS if field.search_line is not None})
}


def asset_text(asset: Asset) -> str:
    """One line per ``search_line`` of the field table, in order (title, headline, description,
    alt texts, keywords, place), the values on a line joined with commas, empty lines and
    repeated lines left out; "" if the asset has none."""
    lines = []
    for fields in LINES.values():
        values = []
        for field in fields:
            value = getattr(asset, field.name)
            values += [str(item).strip() for item in (value if field.is_list else [value]) if item]
        line = ", ".join(value for value in values if value)
        if line:
            lines.append(line)
    return "\n".join(dict.fromkeys(lines))
