"""The vocabulary report: where the library's metadata drifts from one label per concept.

Sections (each row says how many assets it concerns and which admin list shows them):
unmapped keywords, labels that map to several terms, terms with near-duplicate labels, alt texts
and descriptions repeated across many assets, and assets missing GEO, rights or alt text, with
the GEO-completeness figure per kind.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Count, Q, QuerySet

from assets.models import Asset, Term, keyword_unmapped_sql
from assets.selectors import MISSING_RIGHTS

UNMAPPED_SQL = f"""
SELECT k, count(*) FROM assets_asset, unnest(assets_asset.keywords) AS k
WHERE assets_asset.id IN ({{assets}}) AND {keyword_unmapped_sql("k")}
GROUP BY k ORDER BY count(*) DESC, k LIMIT %s
"""
SHARED_LABELS_SQL = """
SELECT key, array_agg(id ORDER BY id) FROM assets_term, unnest(match_keys) AS key
GROUP BY key HAVING count(*) > 1 ORDER BY key
"""


def assets_link(**filters) -> str:
    """The admin list of the assets a row concerns."""
    return "/admin/assets/asset/?" + urlencode(filters)


def near_duplicate_key(label: str) -> str:
    """Labels that differ only in case, accents, punctuation or a plural ending share this key."""
    text = unicodedata.normalize("NFKD", label.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    words = re.sub(r"[^\w\s]", " ", text).split()
    return " ".join(
        re.sub(r"(ies|es|s)$", lambda m: "y" if m.group(1) == "ies" else "", w) if len(w) > 3 else w for w in words
    )


def geo_completeness(assets: QuerySet | None = None) -> list[dict]:
    rows = []
    assets = Asset.objects.all() if assets is None else assets
    for kind, total, located in (
        assets.values_list("kind")
        .annotate(total=Count("id"), located=Count("id", filter=Q(latitude__isnull=False)))
        .order_by("kind")
    ):
        rows.append(
            {
                "kind": kind,
                "assets": total,
                "with_coordinates": located,
                "share": round(located / total, 4) if total else 0.0,
            }
        )
    return rows


def vocabulary_report(assets: QuerySet | None = None, limit: int = 200, repeated_at: int = 3) -> dict:
    """The report over ``assets`` (by default all; the admin passes those its user may see)."""
    assets = Asset.objects.all() if assets is None else assets
    ids_sql, ids_params = assets.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(UNMAPPED_SQL.replace("{assets}", ids_sql), [*ids_params, limit])
        unmapped = [{"keyword": k, "assets": n, "link": assets_link(term=k)} for k, n in cursor.fetchall()]
        cursor.execute(SHARED_LABELS_SQL)
        shared = cursor.fetchall()
    terms = {term.id: term for term in Term.objects.all()}
    shared_labels = [
        {"label": key, "terms": [terms[i].preferred_label for i in ids], "term_ids": ids, "link": assets_link(q=key)}
        for key, ids in shared
    ]
    groups: dict[tuple[str, str], list[Term]] = defaultdict(list)
    for term in terms.values():
        groups[(term.language, near_duplicate_key(term.preferred_label))].append(term)
    near_duplicates = [
        {
            "terms": sorted((t.preferred_label for t in group), key=str.casefold),
            "term_ids": sorted(t.id for t in group),
            "language": language,
        }
        for (language, _), group in sorted(groups.items())
        if len(group) > 1
    ]
    repeated = []
    for field in ("alt_text", "description"):
        rows = (
            assets.exclude(**{field: ""})
            .values(field)
            .annotate(assets=Count("id"))
            .filter(assets__gte=repeated_at)
            .order_by("-assets")[:limit]
        )
        repeated += [
            {"field": field, "text": row[field], "assets": row["assets"], "link": assets_link(text_is=row[field])}
            for row in rows
        ]
    missing = {
        "geo": {"assets": assets.filter(latitude__isnull=True).count(), "link": assets_link(has_gps="no")},
        "rights": {"assets": assets.filter(MISSING_RIGHTS).count(), "link": assets_link(missing_rights="yes")},
        "alt_text": {
            "assets": assets.filter(kind="image", alt_text="").count(),
            "link": assets_link(missing_alt_text="yes"),
        },
    }
    return {
        "unmapped_keywords": unmapped,
        "labels_with_several_terms": shared_labels,
        "near_duplicate_terms": near_duplicates,
        "repeated_texts": repeated,
        "missing": missing,
        "geo_completeness": geo_completeness(assets),
    }
