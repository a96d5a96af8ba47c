"""What every encoder offers, and the registry of encoder classes by model family.

A family is one module here with one ``Encoder`` subclass that names its ``family``: defining the
class registers it (``ENCODERS``), and ``ModelVersion.family``'s choices are read from the
registry. One instance per loaded model version and worker process.
"""

from __future__ import annotations

import contextlib
import json
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import numpy


class EncoderError(RuntimeError):
    """The model cannot be loaded or run; the message says why and what to do."""


ENCODERS: dict[str, type[Encoder]] = {}
"""Model family → its encoder class, in the order the family modules are imported."""


DOCUMENT_ONLY_PREPROCESSING = ("input", "batch_size")
"""Preprocessing keys that say what a version embeds, or how many at once, not how a text becomes a vector."""


class Encoder(ABC):
    """Turns inputs into unit-length vectors of the version's dimension.

    Callers may rely on: rows in input order, float32, L2-normalised, deterministic for the same
    inputs and weights. A modality the family does not embed raises NotImplementedError.
    """

    family: ClassVar[str] = ""
    """The ``ModelVersion.family`` this class loads; a subclass that sets it is registered."""
    label: ClassVar[str] = ""
    """How the family reads in the admin and the registry's choices."""
    licence: ClassVar[str] = ""
    """The licence recorded on a version of this family whose spec names none."""
    missing_libraries: ClassVar[str] = "the {family} encoder needs the ml extra: pip install '.[ml]'"
    """What to install when the family's libraries are missing (``{family}`` is filled in)."""

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.family:
            return
        registered = ENCODERS.get(cls.family)
        if registered is not None and registered.__qualname__ != cls.__qualname__:  # a reload is no clash
            raise TypeError(f"two encoders for the {cls.family!r} family: {registered.__qualname__}, {cls.__name__}")
        ENCODERS[cls.family] = cls

    def __init__(self, version, directory: Path | None) -> None:
        self.version = version
        self.directory = directory

    @contextlib.contextmanager
    def libraries(self) -> Iterator[None]:
        """Around the imports of the family's libraries: a missing one becomes an EncoderError
        that says what to install (``missing_libraries``)."""
        try:
            yield
        except ImportError as error:
            raise EncoderError(self.missing_libraries.format(family=self.family)) from error

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

    @property
    def text_query_key(self) -> tuple:
        """What decides the vector of a text query: two encoders with the same key give the same
        query the same vector, so a search encodes it once for both (``asset_text`` and
        ``transcript`` are two versions of one model). Preprocessing that only describes the
        documents embedded (``input``, ``batch_size``) is left out."""
        version = self.version
        preprocessing = {
            key: value for key, value in version.preprocessing.items() if key not in DOCUMENT_ONLY_PREPROCESSING
        }
        return (self.family, version.weights_sha256, version.prompt_template, json.dumps(preprocessing, sort_keys=True))

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
