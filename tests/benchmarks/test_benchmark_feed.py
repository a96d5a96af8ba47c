"""The feed benchmark stays runnable and leaves the library as it was."""

import json

import pytest
from django.core.management import call_command

from assets.models import Asset


@pytest.mark.django_db
def test_benchmark_reports_figures_and_keeps_nothing(capsys):
    call_command("benchmark_feed", "--assets", "120", "--page-size", "50", "--samples", "10", "--json")
    figures = json.loads(capsys.readouterr().out)
    assert figures["assets"] == 120 and figures["feed_pages"] == 3  # 50 + 50 + 20
    for key in ("list_items_per_second", "feed_items_per_second", "jsonld_p50_ms", "json_p50_ms", "feed_ratio"):
        assert figures[key] > 0
    assert Asset.objects.count() == 0
