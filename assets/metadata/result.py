from __future__ import annotations

from dataclasses import dataclass, field


def storable(value):
    """``value`` with NUL characters removed from every string: PostgreSQL text and JSONB cannot
    hold them, and a hostile tag must not be able to make an insert fail."""
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, list):
        return [storable(item) for item in value]
    if isinstance(value, dict):
        return {storable(key): storable(item) for key, item in value.items()}
    return value


@dataclass
class MetadataRead:
    """What a reader found in one file: canonical values, warnings for a librarian, the raw dump."""

    values: dict
    warnings: list[str] = field(default_factory=list)
    raw: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.values = storable(self.values)
        self.raw = storable(self.raw)
