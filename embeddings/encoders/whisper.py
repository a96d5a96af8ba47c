"""Whisper's encoder via transformers (audio only): per window, the encoder states mean-pooled over
the frames that hold real audio (the padding to 30 s is masked out)."""

from __future__ import annotations

from pathlib import Path

import numpy

from embeddings.audio import audio_decode, audio_windows
from embeddings.encoders.base import Encoder, normalised


class WhisperEncoder(Encoder):
    family = "whisper_encoder"
    label = "Whisper encoder (audio)"

    def __init__(self, version, directory: Path) -> None:
        super().__init__(version, directory)
        with self.libraries():
            import torch
            from transformers import WhisperFeatureExtractor, WhisperModel
        self.torch = torch
        self.encoder = (
            WhisperModel.from_pretrained(str(directory), local_files_only=True)
            .get_encoder()
            .to(self.torch_device)
            .eval()
        )
        self.features = WhisperFeatureExtractor.from_pretrained(str(directory), local_files_only=True)
        spec = version.preprocessing
        self.sample_rate = int(spec.get("sample_rate", 16000))
        self.window_s, self.hop_s = float(spec.get("window_s", 10)), float(spec.get("hop_s", 5))

    def embed_texts(self, texts: list[str]) -> numpy.ndarray:
        raise NotImplementedError("Whisper's encoder embeds audio only")

    def embed_audio(self, path: Path) -> list[tuple[int, int, numpy.ndarray]]:
        windows = audio_windows(audio_decode(path, self.sample_rate), self.sample_rate, self.window_s, self.hop_s)
        inputs = self.features(
            [w for _, _, w in windows], sampling_rate=self.sample_rate, return_tensors="pt", return_attention_mask=True
        )
        with self.torch.no_grad():
            states = self.encoder(inputs["input_features"].to(self.torch_device)).last_hidden_state.cpu()
        # The encoder halves the frame rate; average only the states of real (unpadded) frames.
        real = (inputs["attention_mask"].sum(dim=1) + 1) // 2
        pooled = [states[i, : max(int(real[i]), 1)].mean(dim=0) for i in range(states.shape[0])]
        vectors = normalised(self.torch.stack(pooled).float().numpy())
        return [(start, end, vector) for (start, end, _), vector in zip(windows, vectors, strict=True)]
