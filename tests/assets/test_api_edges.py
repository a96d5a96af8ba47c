"""Edges of the API: moments with any offset Python reads (also beyond what PostgreSQL takes; found
by the schema-driven fuzzing), and uploads beyond the size limit."""

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/assets/?ingested_after=0275-12-15T18:05:19.3-16:36",
        "/api/assets/?ingested_before=2026-01-01T00:00:00%2B23:59",
        "/api/feed.jsonld?since=2026-01-01T00:00:00-16:36",
    ],
)
def test_unusual_offsets_are_answered_not_500(api_client, path):
    assert api_client.get(path).status_code == 200
