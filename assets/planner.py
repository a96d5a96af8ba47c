"""What PostgreSQL's planner expects of a statement, read without running it."""

from __future__ import annotations

import json

from django.db import connection


def estimated_rows(sql: str, params) -> float:
    """The planner's estimate of the rows ``sql`` returns (nothing is run)."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", list(params))
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return float(plan[0]["Plan"]["Plan Rows"])
