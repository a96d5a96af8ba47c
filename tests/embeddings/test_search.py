"""Semantic search over metadata with real weights (all-MiniLM-L6-v2 from its Python package)."""

import shutil

import pytest
from rest_framework.test import APIClient

from assets.ingest import ingest_paths
from assets.models import Asset
from embeddings.defaults import ASSET_TEXT, default_models_register
from embeddings.encoders import EncoderError
from embeddings.encoders.loading import encoder_for
from embeddings.models import Embedding, ModelVersion, Role
from embeddings.pipeline import embed_assets
from embeddings.registry import model_version_register, weights_directory
from tests.conftest import FIXTURES_DIR, wait_for

pytest.importorskip("sentence_transformers", reason="the ml extra is not installed")
pytestmark = pytest.mark.django_db


def ingest(*names: str) -> list[str]:
    return [r.asset_id for r in ingest_paths([FIXTURES_DIR / name for name in names])]


@pytest.fixture
def asset_text_role():
    assert "asset_text" in default_models_register()
    return Role.objects.get(name="asset_text")


def test_the_default_text_model_is_registered_from_its_package(asset_text_role):
    version = asset_text_role.model_version
    assert (version.family, version.dimension, version.source_kind) == ("text", 384, "package")
    versions = ModelVersion.objects.count()
    assert "asset_text" in default_models_register() and ModelVersion.objects.count() == versions  # idempotent


def test_a_text_query_finds_the_asset_whose_metadata_means_it(asset_text_role, api_client):
    harbour, salt_flat, lindenhof, _ = ingest(
        "images/sample.jpg", "images/sample.tiff", "images/sample.webp", "audio/speech.ogg"
    )
    assert embed_assets("asset_text", list(Asset.objects.values_list("pk", flat=True))) == 4
    response = api_client.post("/api/search/", {"text": "boats on the water in a port", "k": 3}, format="json")
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert results[0]["asset_id"] == harbour and results[0]["title"] == "Sails at Bennelong Point"
    assert set(results[0]) == {
        *("asset_id", "score", "kind", "title", "segments", "model_versions"),
        *("evidence", "weak", "explanation"),
    }
    assert results[0]["model_versions"] == [asset_text_role.model_version_id]
    assert results[0]["segments"][0]["start_ms"] == 0 and "Bennelong" in results[0]["segments"][0]["text"]
    scores = [result["score"] for result in results]
    assert scores == sorted(scores, reverse=True)
    desert = api_client.post("/api/search/", {"text": "dry desert below sea level"}, format="json").json()
    assert desert["results"][0]["asset_id"] == salt_flat
    audio = api_client.post("/api/search/", {"text": "a recording", "kind": "audio"}, format="json").json()
    assert {result["kind"] for result in audio["results"]} == {"audio"}


def test_embedding_again_replaces_and_never_duplicates(asset_text_role, librarian):
    from assets.editing import asset_metadata_update

    [asset_id] = ingest("images/sample.png")
    embed_assets("asset_text", [asset_id])
    embed_assets("asset_text", [asset_id])
    assert Embedding.objects.filter(asset_id=asset_id).count() == 1
    asset_metadata_update(Asset.objects.get(pk=asset_id), {"title": "Volcano erupting at night"}, librarian, "admin")
    embed_assets("asset_text", [asset_id])
    vector = Embedding.objects.get(asset_id=asset_id)
    assert "Volcano erupting at night" in vector.text


def test_search_never_returns_what_the_caller_may_not_see(asset_text_role, cms):
    open_id, hidden_id = ingest("images/sample.jpg", "images/mwg-synced.jpg")
    Asset.objects.filter(pk=hidden_id).update(allowed_territories=["JP"])
    embed_assets("asset_text", [open_id, hidden_id])

    def found(text):
        results = cms.post("/api/search/", {"text": text, "k": 10}, format="json").json()["results"]
        return [result["asset_id"] for result in results]

    assert found("sails at Bennelong Point") == [open_id]
    assert found("Title from XMP, Oslo") == []  # the hidden asset's own words


def test_a_search_naming_a_territory_its_profile_does_not_grant_sees_no_more(asset_text_role, cms):
    """``territory`` in a search body only chooses among the territories the caller's access
    profile grants, as on the list (docs/api.md): text search and more-like-this alike."""
    from assets.models import AccessProfile

    open_id, hidden_id = ingest("images/sample.jpg", "images/mwg-synced.jpg")
    Asset.objects.filter(pk=hidden_id).update(allowed_territories=["JP"])
    embed_assets("asset_text", [open_id, hidden_id])

    def found(body) -> tuple[int, list[str]]:
        response = cms.post("/api/search/", {"k": 10, "territory": "JP", **body}, format="json")
        return response.status_code, [result["asset_id"] for result in response.json().get("results", [])]

    assert found({"text": "sails at Bennelong Point"}) == (200, [open_id])
    assert found({"text": "Title from XMP, Oslo"}) == (200, [])  # the hidden asset's own words
    refused = cms.post("/api/search/", {"asset_id": hidden_id, "territory": "JP"}, format="json")
    absent = cms.post("/api/search/", {"asset_id": "0" * 32, "territory": "JP"}, format="json")
    assert refused.status_code == absent.status_code == 400
    assert refused.json()["error"].replace(hidden_id, "0" * 32) == absent.json()["error"]
    AccessProfile.objects.create(user=cms.user, default_territory="DE", territories=["JP"])
    assert found({"text": "Title from XMP, Oslo"})[1].count(hidden_id) == 1
    assert found({"asset_id": hidden_id})[0] == 200


@pytest.mark.parametrize(
    ("payload", "status"), [({"text": ""}, 400), ({"text": "x", "k": 0}, 400), ({"text": "x", "kind": "video"}, 400)]
)
def test_bad_queries_are_400(asset_text_role, api_client, payload, status):
    assert api_client.post("/api/search/", payload, format="json").status_code == status


def test_search_without_a_model_says_what_to_do(api_client):
    response = api_client.post("/api/search/", {"text": "harbour"}, format="json")
    assert response.status_code == 400 and "models setup" in response.json()["error"]


def test_anonymous_callers_cannot_search():
    assert APIClient().post("/api/search/", {"text": "x"}, format="json").status_code in (401, 403)


def test_weights_that_changed_are_refused(tmp_path):
    copy = tmp_path / "minilm"
    shutil.copytree(weights_directory(ASSET_TEXT), copy)
    version, _ = model_version_register({**ASSET_TEXT, "source_kind": "directory", "source": str(copy)})
    (copy / "model.safetensors").write_bytes(b"not the weights")
    with pytest.raises(EncoderError, match="they changed"):
        encoder_for(version)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_ingest_is_embedded_by_the_worker_and_then_found(celery_worker, api_client):
    default_models_register()
    [asset_id] = ingest("images/sample.jpg")
    wait_for(
        lambda: Embedding.objects.filter(asset_id=asset_id).exists(),
        timeout=120,
        message="the worker to embed the new asset",
    )
    results = api_client.post("/api/search/", {"text": "sailing boats", "k": 1}, format="json").json()["results"]
    assert results[0]["asset_id"] == asset_id


def test_the_admin_search_box_shows_results_with_previews(asset_text_role, client, django_user_model):
    harbour, _ = ingest("images/sample.jpg", "audio/speech.ogg")
    embed_assets("asset_text", list(Asset.objects.values_list("pk", flat=True)))
    client.force_login(django_user_model.objects.create_superuser("boss", "b@example.org", "x"))
    assert "Semantic search" in client.get("/admin/").content.decode()
    page = client.get("/admin/embeddings/modelversion/search/?q=boats+in+a+harbour").content.decode()
    assert "Sails at Bennelong Point" in page and f"/api/assets/{harbour}/thumbnail/" in page
    assert "<audio controls" not in page  # the spoken sample has nothing to do with a harbour
    spoken = client.get("/admin/embeddings/modelversion/search/?q=spoken+sample").content.decode()
    assert "<audio controls" in spoken  # a recording is shown with a player
    similar = client.get(f"/admin/embeddings/modelversion/search/?like={harbour}").content.decode()
    assert f"more like asset {harbour}" in similar


def test_the_admin_searches_by_an_uploaded_picture(image_role, client, django_user_model):
    from django.core.files.uploadedfile import SimpleUploadedFile

    harbour, _ = ingest("images/sample.jpg", "audio/speech.ogg")
    embed_assets("image", [harbour])
    client.force_login(django_user_model.objects.create_superuser("boss", "b@example.org", "x"))
    picture = SimpleUploadedFile("query.jpg", (FIXTURES_DIR / "images/sample.jpg").read_bytes())
    page = client.post("/admin/embeddings/modelversion/search/", {"file": picture}).content.decode()
    assert "like the uploaded query.jpg" in page and f"/api/assets/{harbour}/thumbnail/" in page
    junk = SimpleUploadedFile("notes.txt", b"just some text, not a picture")
    page = client.post("/admin/embeddings/modelversion/search/", {"file": junk}).content.decode()
    assert "neither a supported image nor a supported audio file" in page
