"""Synthetic asset rows for benchmarks and scale tests: realistic metadata, no stored files.

Only for code paths that never open a file (lists, feeds, JSON-LD documents, admin lists).
"""

from __future__ import annotations

import hashlib

from django.db import connection

from assets.models import Asset, FileVersion

CITIES = [
    ("Bergen", "Norway", "NOR", 60.39, 5.32),
    ("Lima", "Peru", "PER", -12.05, -77.04),
    ("Osaka", "Japan", "JPN", 34.69, 135.5),
    ("Nairobi", "Kenya", "KEN", -1.29, 36.82),
]


def synthetic_assets_create(count: int, prefix: str = "synthetic", batch_size: int = 2000) -> None:
    """Insert ``count`` image assets with one file version each, in batches."""
    for start in range(0, count, batch_size):
        assets, versions = [], []
        for index in range(start, min(start + batch_size, count)):
            sha = hashlib.sha256(f"{prefix}-{index}".encode()).hexdigest()
            city, country, code, latitude, longitude = CITIES[index % len(CITIES)]
            assets.append(
                Asset(
                    id=sha[:32],
                    kind="image",
                    original_sha256=sha,
                    title=f"{city} street scene {index}",
                    description=f"Synthetic picture {index} of a street in {city}.",
                    keywords=["street", city.lower()],
                    creators=["Synthetic Photographer"],
                    credit_line="dam benchmark",
                    copyright_notice="CC0",
                    web_statement_url="https://creativecommons.org/publicdomain/zero/1.0/",
                    city=city,
                    country=country,
                    country_code=code,
                    latitude=latitude,
                    longitude=longitude,
                    mime_type="image/jpeg",
                    width=640,
                    height=480,
                    date_created="2024-05-17T14:30:00+02:00",
                )
            )
            versions.append(
                FileVersion(
                    asset_id=sha[:32],
                    number=1,
                    sha256=sha,
                    size=150_000,
                    mime_type="image/jpeg",
                    storage_name=f"files/{sha[:2]}/{sha[2:4]}/{sha}.jpg",
                )
            )
        Asset.objects.bulk_create(assets)
        FileVersion.objects.bulk_create(versions)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE assets_asset a SET current_version_id = v.id FROM assets_fileversion v "
            "WHERE v.asset_id = a.id AND a.current_version_id IS NULL"
        )
