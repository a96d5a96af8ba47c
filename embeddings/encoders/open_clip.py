"""OpenCLIP (image + text). Any open_clip architecture; weights from a local directory (with an
optional architecture config ``<name>.json`` beside them) or a package."""

from __future__ import annotations

from pathlib import Path

import numpy
from PIL import Image, ImageOps

from embeddings.encoders.base import Encoder, EncoderError, normalised

WEIGHT_SUFFIXES = (".safetensors", ".pt", ".bin")


class OpenClipEncoder(Encoder):
    family = "open_clip"
    label = "OpenCLIP (image + text)"

    def __init__(self, version, directory: Path) -> None:
        super().__init__(version, directory)
        with self.libraries():
            import open_clip
            import torch
        self.torch = torch
        if (directory / f"{version.name}.json").exists():
            open_clip.add_model_config(directory)  # a custom or tiny architecture shipped with its weights
        weights = next((p for p in sorted(directory.iterdir()) if p.suffix in WEIGHT_SUFFIXES), None)
        if weights is None:
            raise EncoderError(f"no weights file ({', '.join(WEIGHT_SUFFIXES)}) in {directory}")
        self.model, _, self.transform = open_clip.create_model_and_transforms(version.name, pretrained=str(weights))
        self.model.to(self.torch_device).eval()
        self.tokenizer = open_clip.get_tokenizer(version.name)

    def embed_texts(self, texts: list[str]) -> numpy.ndarray:
        with self.torch.no_grad():
            tokens = self.tokenizer([self.prompt(text) for text in texts]).to(self.torch_device)
            vectors = self.model.encode_text(tokens)
        return normalised(vectors.float().cpu().numpy())

    def embed_images(self, images: list[Image.Image]) -> numpy.ndarray:
        """Images decoded by the caller; orientation from EXIF applied, metadata otherwise ignored."""
        batch = self.torch.stack([self.transform(ImageOps.exif_transpose(image).convert("RGB")) for image in images])
        with self.torch.no_grad():
            vectors = self.model.encode_image(batch.to(self.torch_device))
        return normalised(vectors.float().cpu().numpy())
