"""Synthetic asset rows for benchmarks and scale tests: realistic metadata, no stored files.

Only for code paths that never open a file (lists, feeds, JSON-LD documents, admin lists).
Rows are made by PostgreSQL itself (INSERT … SELECT over generate_series): 100,000 assets take
seconds, not minutes.
"""

from __future__ import annotations

from django.db import connection, models

from assets.models import Asset, FileVersion

CITIES = ["Bergen", "Lima", "Osaka", "Nairobi"]
COUNTRIES = ["Norway", "Peru", "Japan", "Kenya"]
CODES = ["NOR", "PER", "JPN", "KEN"]
ISO2 = ["NO", "PE", "JP", "KE"]  # the canonical column (assets.models.asset_country_iso2) of the same
LATITUDES = [60.39, -12.05, 34.69, -1.29]
LONGITUDES = [5.32, -77.04, 135.5, 36.82]


def _pick(values: list, index_sql: str = "i") -> str:
    """SQL choosing values[i % len] (strings quoted, numbers as they are)."""
    literals = ", ".join(repr(v) if isinstance(v, str) else str(v) for v in values)
    return f"(ARRAY[{literals}])[1 + ({index_sql} %% {len(values)})]"  # (%% : the query has parameters)


def _asset_columns(prefix: str) -> dict[str, str]:
    sha = f"md5('{prefix}-' || i) || md5('{prefix}-x-' || i)"
    city = _pick(CITIES)
    chosen = {
        "id": f"md5('{prefix}-' || i)",
        "kind": "'image'",
        "original_sha256": sha,
        "title": f"{city} || ' street scene ' || i",
        "description": f"'Synthetic picture ' || i || ' of a street in ' || {city} || '.'",
        "keywords": f"ARRAY['street', lower({city})]",
        "creators": "ARRAY['Synthetic Photographer']",
        "credit_line": "'dam benchmark'",
        "copyright_notice": "'CC0'",
        "web_statement_url": "'https://creativecommons.org/publicdomain/zero/1.0/'",
        "city": city,
        "country": _pick(COUNTRIES),
        "country_code": _pick(CODES),
        "country_iso2": _pick(ISO2),
        "latitude": _pick(LATITUDES),
        "longitude": _pick(LONGITUDES),
        "mime_type": "'image/jpeg'",
        "width": "640",
        "height": "480",
        "date_created": "'2024-05-17T14:30:00+02:00'",
        "created_at": "now() - (i || ' seconds')::interval",
        "updated_at": "now() - (i || ' seconds')::interval",
    }
    return {**_defaults(Asset, skip={"current_version"}), **chosen}


def _defaults(model, skip: set[str]) -> dict[str, str]:
    """SQL for each NOT NULL column's Python-side default (the database has none)."""
    columns = {}
    for field in model._meta.concrete_fields:
        if field.name in skip or field.null:
            continue
        if isinstance(field, models.JSONField):
            columns[field.column] = "'[]'::jsonb" if field.default is list else "'{}'::jsonb"
        elif field.get_internal_type() == "ArrayField":
            columns[field.column] = "'{}'"
        elif isinstance(field, models.BooleanField):
            columns[field.column] = "false"
        elif isinstance(field, (models.TextField, models.CharField)):
            columns[field.column] = "''"
    return columns


def synthetic_asset_ids(count: int, prefix: str = "synthetic") -> list[str]:
    """The IDs ``synthetic_assets_create`` gives its rows (numbered from 1): ``md5('{prefix}-' || i)``."""
    import hashlib

    return [hashlib.md5(f"{prefix}-{i}".encode()).hexdigest() for i in range(1, count + 1)]


def synthetic_assets_create(count: int, prefix: str = "synthetic") -> None:
    """Insert ``count`` image assets with one file version each."""
    assets = _asset_columns(prefix)
    versions = {
        "asset_id": f"md5('{prefix}-' || i)",
        "number": "1",
        "sha256": f"md5('{prefix}-' || i) || md5('{prefix}-x-' || i)",
        "size": "150000",
        "mime_type": "'image/jpeg'",
        "storage_name": f"'files/synthetic/' || md5('{prefix}-' || i) || '.jpg'",
        "origin": "'ingest'",
        "metadata": "'{}'::jsonb",
        "raw_tags": "'{}'::jsonb",
        "created_at": "now()",
        # every other NOT NULL column at its default, so a new field needs no change here
        **_defaults(FileVersion, {"id", "asset", "number", "sha256", "size", "mime_type", "storage_name", "origin"}),
    }
    with connection.cursor() as cursor:
        for table, columns in ((Asset._meta.db_table, assets), (FileVersion._meta.db_table, versions)):
            names = ", ".join(f'"{name}"' for name in columns)
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT {', '.join(columns.values())} FROM generate_series(1, %s) AS i",
                [count],
            )
        # Fresh statistics first: planned on the empty tables' estimates, this join of N new rows
        # with N new rows became a nested loop over N² pairs (minutes at 100,000).
        cursor.execute(f"ANALYZE {Asset._meta.db_table}, {FileVersion._meta.db_table}")
        cursor.execute(
            "UPDATE assets_asset a SET current_version_id = v.id FROM assets_fileversion v "
            "WHERE v.asset_id = a.id AND a.current_version_id IS NULL"
        )
