"""What every encoder offers. One instance per loaded model version and worker process."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path

import numpy


class EncoderError(RuntimeError):
    """The model cannot be loaded or run; the message says why and what to do."""


class Encoder(ABC):
    """Turns inputs into unit-length vectors of the version's dimension.

    Callers may rely on: rows in input order, float32, L2-normalised, deterministic for the same
    inputs and weights. A modality the family does not embed raises NotImplementedError.
    """

    def __init__(self, version, directory: Path | None) -> None:
        self.version = version
        self.directory = directory

    @property
    def torch_device(self) -> str:
        """``cuda`` for a version registered to run on a GPU (its tasks go to embed_gpu workers)."""
        if getattr(self.version, "device", "cpu") != "gpu":
            return "cpu"
        import torch

        if not torch.cuda.is_available():
            raise EncoderError(
                f"model version {self.version} runs on a GPU and this worker has none: run its tasks on a worker "
                "consuming the embed_gpu queue, on a machine with CUDA"
            )
        return "cuda"

    @abstractmethod
    def embed_texts(self, texts: list[str]) -> numpy.ndarray:
        """Vectors for texts (queries or metadata), with the version's prompt template applied."""

    def embed_images(self, paths: list[Path]) -> numpy.ndarray:
        raise NotImplementedError(f"{self.version.family} does not embed images")

    def embed_audio(self, path: Path) -> list[tuple[int, int, numpy.ndarray]]:
        """(start_ms, end_ms, vector) per window."""
        raise NotImplementedError(f"{self.version.family} does not embed audio")

    def prompt(self, text: str) -> str:
        template = self.version.prompt_template
        return template.format(text) if template else text


def normalised(vectors) -> numpy.ndarray:
    array = numpy.asarray(vectors, dtype=numpy.float32)
    norms = numpy.linalg.norm(array, axis=1, keepdims=True)
    return array / numpy.where(norms == 0, 1, norms)
