"""The embedding benchmark stays runnable (real-size ViT-B-32 with random weights) and keeps nothing."""

import json

import pytest
from django.core.management import call_command

from assets.models import Asset
from embeddings.models import Embedding, ModelVersion

pytest.importorskip("open_clip", reason="the ml extra is not installed")


@pytest.mark.django_db
def test_benchmark_reports_a_ratio_and_keeps_nothing(capsys):
    call_command("benchmark_embed", "--images", "2", "--rounds", "1", "--json")
    figures = json.loads(capsys.readouterr().out)
    assert figures["images"] == 2 and figures["image_ratio"] > 0 and figures["image_dam_per_second"] > 0
    assert not Asset.objects.exists() and not Embedding.objects.exists() and not ModelVersion.objects.exists()
