"""The embeddings admin shows transcripts only of assets the user may see."""

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from assets.ingest import ingest_paths
from assets.models import Asset
from assets.staff_groups import VIEWER
from embeddings.models import TranscriptSegment
from embeddings.registry import model_version_register

pytestmark = pytest.mark.django_db


def test_transcript_segments_of_hidden_assets_are_not_listed(client, make_jpeg, user_in_group, tmp_path):
    (tmp_path / "asr").mkdir()
    (tmp_path / "asr" / "model.safetensors").write_bytes(b"weights")
    spec = {
        "family": "text",
        "name": "tiny-asr",
        "source_kind": "directory",
        "source": str(tmp_path / "asr"),
        "dimension": 4,
        "modalities": ["text"],
        "preprocessing": {},
    }
    asr = model_version_register(spec)[0]
    results = list(ingest_paths([make_jpeg("said.jpg", seed=2300), make_jpeg("secret.jpg", seed=2301)]))
    for result, text in zip(results, ["spoken in the open", "spoken under embargo"], strict=True):
        asset = Asset.objects.get(pk=result.asset_id)
        TranscriptSegment.objects.create(
            asset=asset, file_version=asset.current_version, model_version=asr, start_ms=0, end_ms=900, text=text
        )
    Asset.objects.filter(pk=results[1].asset_id).update(embargo_until=timezone.now() + timezone.timedelta(days=1))
    user = user_in_group(VIEWER, staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_transcriptsegment"))
    client.force_login(user)
    page = client.get("/admin/embeddings/transcriptsegment/").content.decode()
    assert "spoken in the open" in page and "spoken under embargo" not in page
