from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class MetadataRead:
    """What a reader found in one file: canonical values, warnings for a librarian, the raw dump."""

    values: dict
    warnings: list[str] = field(default_factory=list)
    raw: dict = field(default_factory=dict)
