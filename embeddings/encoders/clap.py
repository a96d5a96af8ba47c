"""CLAP via transformers (audio + text): audio in fixed windows at 48 kHz, text queries as prompts."""

from __future__ import annotations

from pathlib import Path

import numpy

from embeddings.audio import audio_decode, audio_windows
from embeddings.encoders.base import Encoder, normalised


class ClapEncoder(Encoder):
    family = "clap"
    label = "CLAP (audio + text)"

    def __init__(self, version, directory: Path) -> None:
        super().__init__(version, directory)
        with self.libraries():
            import torch
            from transformers import ClapModel, ClapProcessor
        self.torch = torch
        self.model = ClapModel.from_pretrained(str(directory), local_files_only=True).to(self.torch_device).eval()
        self.processor = ClapProcessor.from_pretrained(str(directory), local_files_only=True)
        spec = version.preprocessing
        self.sample_rate = int(spec.get("sample_rate", 48000))
        self.window_s, self.hop_s = float(spec.get("window_s", 10)), float(spec.get("hop_s", 5))

    @staticmethod
    def _pooled(output):
        return getattr(output, "pooler_output", output)  # transformers 5 returns an output object

    def embed_texts(self, texts: list[str]) -> numpy.ndarray:
        inputs = self.processor.tokenizer([self.prompt(t) for t in texts], padding=True, return_tensors="pt")
        with self.torch.no_grad():
            vectors = self._pooled(self.model.get_text_features(**inputs.to(self.torch_device)))
        return normalised(vectors.float().cpu().numpy())

    def embed_audio(self, path: Path) -> list[tuple[int, int, numpy.ndarray]]:
        windows = audio_windows(audio_decode(path, self.sample_rate), self.sample_rate, self.window_s, self.hop_s)
        # Windows never exceed the model's input length, so no random truncation can happen.
        inputs = self.processor.feature_extractor(
            [w for _, _, w in windows], sampling_rate=self.sample_rate, return_tensors="pt"
        )
        with self.torch.no_grad():
            features = self.model.get_audio_features(**inputs.to(self.torch_device))
            vectors = normalised(self._pooled(features).float().cpu().numpy())
        return [(start, end, vector) for (start, end, _), vector in zip(windows, vectors, strict=True)]
