"""A spoken query: a clip in which someone asks for something is transcribed, and its words are
searched across every kind; a clip without speech is searched by sound, or says why it cannot be.
Real Whisper tiny.en and MiniLM weights from packages, a real worker, real HTTP through the API."""

import shutil
import subprocess

import pytest

from assets.ingest import ingest_paths
from embeddings.defaults import default_models_register
from embeddings.models import Embedding
from tests.conftest import FIXTURES_DIR, wait_for

pytest.importorskip("faster_whisper", reason="the ml extra is not installed")
pytestmark = [
    pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed"),
]


def spoken(text: str, path):
    subprocess.run(["espeak-ng", "-s", "130", "-w", str(path), text], check=True, capture_output=True)
    return path


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_spoken_request_finds_the_harbour_photos_through_the_worker(celery_worker, api_client, tmp_path):
    default_models_register()
    # Two harbour pictures (Sydney, Ushuaia), a salt flat, a town square, and a tone.
    names = ("sample.jpg", "sample.png", "sample.tiff", "sample.webp")
    paths = [FIXTURES_DIR / "images" / name for name in names] + [FIXTURES_DIR / "audio" / "tone.wav"]
    results = list(ingest_paths(paths))
    ids = [result.asset_id for result in results]
    wait_for(
        lambda: Embedding.objects.filter(asset_id__in=ids).values("asset_id").distinct().count() >= len(ids) - 1,
        timeout=240,
        message="the worker to embed the fixtures",
    )
    clip = spoken("Show me pictures of sailing boats in the harbour.", tmp_path / "request.wav")
    with clip.open("rb") as handle:
        response = api_client.post("/api/search/", {"file": handle, "k": 5}, format="multipart")
    assert response.status_code == 200, response.content
    answer = response.json()
    assert "boats" in answer["query"]["heard"].lower() and "harbo" in answer["query"]["heard"].lower()
    assert answer["query"]["acoustic"] is False  # no audio model here: searched by what was said
    assert answer["query"]["summary"].startswith('heard "')
    first = answer["results"][0]
    assert first["kind"] == "image" and first["asset_id"] in ids[:2], answer["results"]
    tone = [hit for hit in answer["results"] if hit["asset_id"] == results[-1].asset_id]
    assert all(hit["weak"] for hit in tone), tone  # the tone is no answer to it


@pytest.mark.django_db
def test_a_clip_without_speech_and_no_audio_model_says_why(api_client):
    default_models_register()
    with (FIXTURES_DIR / "audio" / "tone.wav").open("rb") as handle:
        response = api_client.post("/api/search/", {"file": handle}, format="multipart")
    assert response.status_code == 400
    assert "no speech was heard in the clip, and no audio model is active" in response.json()["error"]
