"""The MCP benchmark stays runnable, reports both paths, keeps nothing, and says what it needs."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from assets.ingest import ingest_paths
from assets.models import Asset
from embeddings.defaults import default_models_register
from embeddings.pipeline import embed_assets
from tests.conftest import FIXTURES_DIR


@pytest.mark.django_db
@pytest.mark.timeout(900)
def test_benchmark_reports_the_tool_next_to_the_rest_search(capsys):
    pytest.importorskip("sentence_transformers", reason="the ml extra is not installed")
    with pytest.raises(CommandError, match="no library to search"):
        call_command("benchmark_mcp")
    default_models_register()
    list(ingest_paths([FIXTURES_DIR / "images/sample.jpg", FIXTURES_DIR / "images/sample.tiff"]))  # a generator
    embed_assets("asset_text", list(Asset.objects.values_list("pk", flat=True)))
    call_command("benchmark_mcp", "--rounds", "2", "--queries", "2", "--json")
    figures = json.loads(capsys.readouterr().out)
    assert figures["requests_per_path"] == 4 and figures["assets"] == 2
    for key in ("rest_p50_ms", "rest_documents_p50_ms", "mcp_p50_ms", "mcp_p99_ms", "mcp_ratio_p50"):
        assert figures[key] > 0
    assert not get_user_model().objects.filter(username="benchmark-mcp").exists()
