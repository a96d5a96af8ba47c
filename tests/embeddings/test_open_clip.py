"""OpenCLIP through the real loading path, on a tiny architecture with random weights saved to disk."""

import numpy
import pytest

from assets.editing import asset_metadata_update, metadata_writeback
from assets.ingest import ingest_paths
from assets.models import Asset
from embeddings.models import Embedding
from embeddings.pipeline import embed_assets
from tests.conftest import FIXTURES_DIR

pytest.importorskip("open_clip", reason="the ml extra is not installed")
pytestmark = pytest.mark.django_db


def test_images_are_embedded_from_their_pixels_and_audio_is_skipped(image_role):
    ids = [
        r.asset_id
        for r in ingest_paths(
            [
                FIXTURES_DIR / "images" / "sample.jpg",
                FIXTURES_DIR / "images" / "sample.png",
                FIXTURES_DIR / "audio" / "tone.flac",
            ]
        )
    ]
    assert embed_assets("image", ids) == 2
    vectors = {
        e.asset_id: numpy.array(e.embedding) for e in Embedding.objects.filter(model_version=image_role.model_version)
    }
    assert set(vectors) == set(ids[:2])
    for vector in vectors.values():
        assert vector.shape == (64,) and abs(numpy.linalg.norm(vector) - 1) < 1e-5


def test_the_image_vector_depends_on_pixels_only(image_role, librarian):
    [asset_id] = [r.asset_id for r in ingest_paths([FIXTURES_DIR / "images" / "sample.webp"])]
    embed_assets("image", [asset_id])
    before = numpy.array(Embedding.objects.get(asset_id=asset_id, model_version=image_role.model_version).embedding)
    change = asset_metadata_update(
        Asset.objects.get(pk=asset_id), {"title": "New words, same pixels"}, librarian, "admin"
    )
    assert metadata_writeback(change.pk).status == "written"
    embed_assets("image", [asset_id])  # now from file version 2
    after = Embedding.objects.get(asset_id=asset_id, model_version=image_role.model_version)
    assert after.file_version.number == 2 and numpy.allclose(before, numpy.array(after.embedding), atol=1e-6)


def test_text_search_fuses_the_image_role_with_the_others(image_role, api_client):
    ids = [
        r.asset_id
        for r in ingest_paths([FIXTURES_DIR / "images" / "sample.jpg", FIXTURES_DIR / "images" / "sample.tiff"])
    ]
    embed_assets("image", ids)
    results = api_client.post("/api/search/", {"text": "salt flat", "kind": "image"}, format="json").json()["results"]
    assert {r["asset_id"] for r in results} == set(ids)
    assert results[0]["asset_id"] == ids[1]  # the title says "Salt flat": the metadata list ranks it first
