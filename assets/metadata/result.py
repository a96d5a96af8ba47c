from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from assets.metadata.clean_text import text_clean


def _nul_removed(text: str) -> str:
    return text.replace("\x00", "") if "\x00" in text else text


def _nul_escaped(text: str) -> str:
    return text.replace("\x00", "\\x00") if "\x00" in text else text


def storable(value, text: Callable[[str], str] = _nul_removed):
    """``value`` with every string passed through ``text``, by default with NUL characters removed:
    PostgreSQL text and JSONB cannot hold them, and a hostile tag must not be able to make an
    insert fail."""
    if isinstance(value, str):
        return text(value)
    if isinstance(value, list):
        return [storable(item, text) for item in value]
    if isinstance(value, dict):
        return {storable(key, text): storable(item, text) for key, item in value.items()}
    return value


@dataclass
class MetadataRead:
    """What a reader found in one file: canonical values, warnings for a librarian, the raw dump.

    Canonical values hold clean text (no control characters: the readers warn, tag by tag, about
    what they dropped); the raw dump keeps what the tags held, a NUL written as the text ``\\x00``
    (the one character the database cannot store)."""

    values: dict
    warnings: list[str] = field(default_factory=list)
    raw: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.values = storable(self.values, text_clean)
        self.raw = storable(self.raw, _nul_escaped)
