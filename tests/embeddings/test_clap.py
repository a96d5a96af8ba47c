"""CLAP through the real loading path (tiny random-weight model on disk): windows with timestamps."""

import io

import numpy
import pytest
import soundfile

from assets.ingest import ingest_paths
from embeddings.audio import audio_windows
from embeddings.models import Embedding
from embeddings.pipeline import embed_assets
from tests.conftest import FIXTURES_DIR

pytest.importorskip("transformers", reason="the ml extra is not installed")
pytestmark = pytest.mark.django_db


def test_windows_cover_the_audio_with_a_hop():
    rate = 1000
    windows = audio_windows(numpy.zeros(23 * rate, dtype="float32"), rate, 10, 5)
    assert [(start, end) for start, end, _ in windows] == [(0, 10000), (5000, 15000), (10000, 20000), (15000, 23000)]
    short = audio_windows(numpy.zeros(3 * rate, dtype="float32"), rate, 10, 5)
    assert [(start, end) for start, end, _ in short] == [(0, 3000)]


@pytest.fixture
def long_recording(tmp_path):
    rate = 22050
    time = numpy.arange(23 * rate) / rate
    tone = (0.3 * numpy.sin(2 * numpy.pi * 330 * time) * (1 + numpy.sin(time))).astype("float32")
    path = tmp_path / "field-recording.flac"
    soundfile.write(path, tone, rate)
    return path


def test_audio_is_embedded_per_window_with_its_start_and_end(audio_role, long_recording):
    [result] = ingest_paths([long_recording])
    assert embed_assets("audio", [result.asset_id]) == 4
    spans = list(
        Embedding.objects.filter(asset_id=result.asset_id, model_version=audio_role.model_version)
        .order_by("segment_start_ms")
        .values_list("segment_start_ms", "segment_end_ms")
    )
    assert spans == [(0, 10000), (5000, 15000), (10000, 20000), (15000, 23000)]
    assert embed_assets("audio", [result.asset_id]) == 4  # again: replaced, not duplicated
    assert Embedding.objects.filter(asset_id=result.asset_id, model_version=audio_role.model_version).count() == 4


def test_every_audio_format_decodes_for_the_encoder(audio_role):
    names = ["audio/tone.m4a", "audio/tone.opus", "audio/tone-id3v23.mp3", "audio/tone.aiff"]
    ids = [r.asset_id for r in ingest_paths([FIXTURES_DIR / name for name in names])]
    assert embed_assets("audio", ids) == 4  # one short window each


def test_search_by_an_audio_clip_and_by_text(audio_role, long_recording, api_client):
    [recording] = ingest_paths([long_recording])
    [other] = ingest_paths([FIXTURES_DIR / "audio" / "speech.ogg"])
    embed_assets("audio", [recording.asset_id, other.asset_id])
    samples, rate = soundfile.read(long_recording, dtype="float32")
    clip = io.BytesIO()
    soundfile.write(clip, samples[12 * rate : 16 * rate], rate, format="WAV")
    clip.seek(0)
    clip.name = "clip.wav"
    response = api_client.post("/api/search/", {"file": clip, "k": 2}, format="multipart")
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert results[0]["asset_id"] == recording.asset_id
    assert all(segment["end_ms"] is not None for segment in results[0]["segments"])
    by_text = api_client.post("/api/search/", {"text": "a violin", "kind": "audio"}, format="json").json()
    assert {r["asset_id"] for r in by_text["results"]} >= {recording.asset_id, other.asset_id}


@pytest.fixture
def whisper_audio_role(tmp_path):
    torch = pytest.importorskip("torch")
    from transformers import WhisperConfig, WhisperFeatureExtractor, WhisperModel

    from embeddings.registry import model_version_register, role_activate

    # The default vocabulary size stays: Whisper's pad token id depends on it.
    config = WhisperConfig(
        d_model=32,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=64,
        decoder_ffn_dim=64,
        num_mel_bins=80,
    )
    torch.manual_seed(0)
    WhisperModel(config).save_pretrained(tmp_path)
    WhisperFeatureExtractor(feature_size=80).save_pretrained(tmp_path)
    version, _ = model_version_register(
        {
            "family": "whisper_encoder",
            "name": "dam-tiny-whisper",
            "source_kind": "directory",
            "source": str(tmp_path),
            "dimension": 32,
            "modalities": ["audio"],
            "preprocessing": {"sample_rate": 16000, "window_s": 10, "hop_s": 5, "pooling": "mean over real frames"},
        }
    )
    return role_activate("audio", version)


def test_whisper_encoder_windows_are_pooled_over_real_frames_only(whisper_audio_role, long_recording, api_client):
    import torch

    from embeddings.encoders.loading import encoder_for

    [result] = ingest_paths([long_recording])
    assert embed_assets("audio", [result.asset_id]) == 4
    encoder = encoder_for(whisper_audio_role.model_version)
    samples, rate = soundfile.read(long_recording, dtype="float32")
    short = long_recording.with_name("three-seconds.wav")
    soundfile.write(short, samples[: 3 * rate], rate)
    [(start, end, vector)] = encoder.embed_audio(short)
    assert (start, end) == (0, 3000)
    # By hand: the same features, the encoder's states, averaged over the 150 real frames of 3 s.
    from embeddings.audio import audio_decode

    features = encoder.features([audio_decode(short, 16000)], sampling_rate=16000, return_tensors="pt")
    with torch.no_grad():
        states = encoder.encoder(features["input_features"]).last_hidden_state[0]
    real, everything = states[:150].mean(dim=0).numpy(), states.mean(dim=0).numpy()
    assert numpy.allclose(vector, real / numpy.linalg.norm(real), atol=1e-5)
    assert not numpy.allclose(vector, everything / numpy.linalg.norm(everything), atol=1e-3)
    # A text query skips a version that cannot embed text instead of failing.
    response = api_client.post("/api/search/", {"text": "rain", "kind": "audio"}, format="json")
    assert response.status_code == 200 and response.json()["results"] == []


def test_a_recording_none_of_whose_sound_decodes_gets_no_audio_vector(audio_role, soundless_recording, long_recording):
    [soundless] = ingest_paths([soundless_recording])
    [sound] = ingest_paths([long_recording])
    assert embed_assets("audio", [soundless.asset_id, sound.asset_id]) == 4
    assert not Embedding.objects.filter(asset_id=soundless.asset_id).exists()
