"""Sentence embeddings (sentence-transformers) for text: the asset's own metadata and transcripts."""

from __future__ import annotations

import numpy

from embeddings.encoders.base import Encoder, EncoderError, normalised


class TextEncoder(Encoder):
    family = "text"
    label = "Sentence embeddings (text)"

    def __init__(self, version, directory) -> None:
        super().__init__(version, directory)
        with self.libraries():
            from sentence_transformers import SentenceTransformer
        self.model = SentenceTransformer(str(directory), device=self.torch_device, local_files_only=True)
        measure = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        dimension = measure()
        if dimension != version.dimension:
            raise EncoderError(
                f"the model at {directory} makes {dimension}-dimensional vectors, the registry says {version.dimension}"
            )

    def embed_texts(self, texts: list[str]) -> numpy.ndarray:
        batch = int(self.version.preprocessing.get("batch_size", 32))
        vectors = self.model.encode(
            [self.prompt(text) for text in texts], batch_size=batch, convert_to_numpy=True, show_progress_bar=False
        )
        return normalised(vectors)
