"""What was said is searchable, with its timestamps (real Whisper tiny.en weights from a package)."""

import shutil
import subprocess

import numpy
import pytest
import soundfile

from assets.ingest import ingest_paths
from embeddings.defaults import default_models_register
from embeddings.models import Embedding, TranscriptSegment
from embeddings.pipeline import embed_assets

pytest.importorskip("faster_whisper", reason="the ml extra is not installed")
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed"),
]

HARBOUR = "The harbour was full of fishing boats this morning. Sailors unloaded crates of cod onto the quay."
MOUNTAIN = "Later we climbed the mountain. Snow covered the summit and the wind was freezing cold."


def speech(text: str, path) -> tuple[numpy.ndarray, int]:
    subprocess.run(["espeak-ng", "-w", str(path), text], check=True, capture_output=True)
    return soundfile.read(path, dtype="int16")


@pytest.fixture
def two_topics(tmp_path):
    """One recording: the harbour, a second of silence, then the mountain."""
    first, rate = speech(HARBOUR, tmp_path / "one.wav")
    second, _ = speech(MOUNTAIN, tmp_path / "two.wav")
    silence = numpy.zeros(rate, dtype="int16")
    path = tmp_path / "walk.wav"
    soundfile.write(path, numpy.concatenate([first, silence, second]), rate)
    second_starts_ms = int((len(first) + len(silence)) / rate * 1000)
    return path, second_starts_ms


def test_a_query_about_the_second_topic_returns_a_timestamp_inside_it(two_topics, api_client):
    path, second_starts_ms = two_topics
    assert default_models_register() == ["asset_text", "asr", "transcript"]
    [result] = ingest_paths([path])
    assert embed_assets("transcript", [result.asset_id]) >= 2
    segments = list(TranscriptSegment.objects.filter(asset_id=result.asset_id).order_by("start_ms"))
    assert "mountain" in " ".join(s.text for s in segments).lower()
    response = api_client.post("/api/search/", {"text": "snow on the summit", "kind": "audio", "k": 3}, format="json")
    [hit] = [r for r in response.json()["results"] if r["asset_id"] == result.asset_id]
    best = hit["segments"][0]
    assert best["start_ms"] >= second_starts_ms - 500, (best, second_starts_ms)
    assert "snow" in best["text"].lower() or "summit" in best["text"].lower()
    spoken = hit["evidence"]["spoken"]
    assert (spoken["start_ms"], spoken["end_ms"]) == (best["start_ms"], best["end_ms"])
    assert hit["explanation"].startswith("said at 0:") and "'" in hit["explanation"]
    fishing = api_client.post("/api/search/", {"text": "fishing boats", "kind": "audio"}, format="json").json()
    [hit] = [r for r in fishing["results"] if r["asset_id"] == result.asset_id]
    assert hit["segments"][0]["end_ms"] <= second_starts_ms + 500


def test_transcribing_again_duplicates_nothing(two_topics):
    path, _ = two_topics
    default_models_register()
    [result] = ingest_paths([path])
    first = embed_assets("transcript", [result.asset_id])
    assert embed_assets("transcript", [result.asset_id]) == first
    assert (
        Embedding.objects.filter(
            asset_id=result.asset_id, model_version__name__contains="MiniLM", segment_end_ms__isnull=False
        ).count()
        == first
    )


def test_a_recording_without_speech_is_listened_to_once(monkeypatch, capsys):
    """Music and tones count as done: neither a second embedding nor ``embed --missing-only``
    runs speech recognition on them again, and the command embeds every active role by default."""
    from django.core.management import call_command

    from embeddings.encoders import loading
    from embeddings.models import Transcription
    from tests.conftest import FIXTURES_DIR

    default_models_register()
    [tone] = ingest_paths([FIXTURES_DIR / "audio" / "tone.wav"])
    assert embed_assets("transcript", [tone.asset_id]) == 0
    [done] = Transcription.objects.filter(file_version__asset_id=tone.asset_id)
    assert done.segment_count == 0

    heard = []
    real_encoder_for = loading.encoder_for

    def listening(version):
        encoder = real_encoder_for(version)
        if hasattr(encoder, "transcribe"):
            monkeypatch.setattr(encoder, "transcribe", lambda path: heard.append(path) or [])
        return encoder

    monkeypatch.setattr("embeddings.transcribe.encoder_for", listening)
    assert embed_assets("transcript", [tone.asset_id]) == 0
    call_command("embed", "--missing-only", "--sync")
    assert heard == []
    err = capsys.readouterr().err
    assert "transcript: 0 assets embedded" in err
    assert "asset_text:" in err


def test_a_recording_none_of_whose_sound_decodes_counts_as_heard(soundless_recording):
    from embeddings.models import Transcription

    default_models_register()
    [result] = ingest_paths([soundless_recording])
    assert embed_assets("transcript", [result.asset_id]) == 0
    [done] = Transcription.objects.filter(file_version__asset_id=result.asset_id)
    assert done.segment_count == 0
