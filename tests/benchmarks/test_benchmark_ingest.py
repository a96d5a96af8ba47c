"""The ingest benchmark stays runnable and leaves the library as it was."""

import json

import pytest
from django.core.management import call_command

from assets.models import Asset, IngestRecord


@pytest.mark.django_db
def test_benchmark_reports_ratios_and_keeps_nothing(capsys):
    call_command("benchmark_ingest", "--files", "6", "--rounds", "1", "--batch-size", "4", "--size", "64", "--json")
    figures = json.loads(capsys.readouterr().out)
    assert figures["files"] == 6
    for key in (
        "bare_exiftool_files_per_second",
        "dam_extraction_files_per_second",
        "dam_ingest_files_per_second",
        "extraction_ratio",
        "ingest_ratio",
    ):
        assert figures[key] > 0
    assert Asset.objects.count() == 0 and IngestRecord.objects.count() == 0
