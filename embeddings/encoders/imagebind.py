"""ImageBind (image + audio + text in one space), optional.

Loads only where Meta's ``imagebind`` package is installed and its ``imagebind_huge.pth`` weights
sit in the version's folder. Its weights are licensed CC BY-NC 4.0: non-commercial use only, which
the registry records on every ImageBind version.
"""

from __future__ import annotations

from pathlib import Path

import numpy
from PIL import Image, ImageOps

from embeddings.audio import audio_decode, audio_windows
from embeddings.encoders.base import Encoder, EncoderError, normalised

LICENCE = "CC-BY-NC-4.0 (ImageBind weights: non-commercial use only)"
WEIGHTS = "imagebind_huge.pth"


class ImageBindEncoder(Encoder):
    family = "imagebind"
    label = "ImageBind (image + audio + text; non-commercial licence)"
    licence = LICENCE
    missing_libraries = (
        "ImageBind is optional and not installed: pip install the `imagebind` package from "
        "facebookresearch/ImageBind (its weights are CC BY-NC 4.0, non-commercial use only)"
    )

    def __init__(self, version, directory: Path) -> None:
        super().__init__(version, directory)
        with self.libraries():
            import torch
            from imagebind import data
            from imagebind.models import imagebind_model
            from imagebind.models.imagebind_model import ModalityType
        weights = directory / WEIGHTS
        if not weights.exists():
            raise EncoderError(f"no {WEIGHTS} in {directory}")
        self.torch, self.data, self.modality = torch, data, ModalityType
        self.model = imagebind_model.imagebind_huge(pretrained=False)
        self.model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
        self.model.to(self.torch_device).eval()
        spec = version.preprocessing
        self.sample_rate = int(spec.get("sample_rate", 16000))
        self.window_s, self.hop_s = float(spec.get("window_s", 2)), float(spec.get("hop_s", 1))

    def _embed(self, modality, inputs) -> numpy.ndarray:
        with self.torch.no_grad():
            outputs = self.model({modality: inputs.to(self.torch_device)})
            return normalised(outputs[modality].float().cpu().numpy())

    def embed_texts(self, texts: list[str]) -> numpy.ndarray:
        tokens = self.data.load_and_transform_text([self.prompt(text) for text in texts], self.torch_device)
        return self._embed(self.modality.TEXT, tokens)

    def embed_images(self, images: list[Image.Image]) -> numpy.ndarray:
        from torchvision import transforms

        transform = transforms.Compose(
            [
                transforms.Resize(224, interpolation=transforms.InterpolationMode.BICUBIC),
                transforms.CenterCrop(224),
                transforms.ToTensor(),
                transforms.Normalize((0.48145466, 0.4578275, 0.40821073), (0.26862954, 0.26130258, 0.27577711)),
            ]
        )
        batch = self.torch.stack([transform(ImageOps.exif_transpose(image).convert("RGB")) for image in images])
        return self._embed(self.modality.VISION, batch)

    def embed_audio(self, path: Path) -> list[tuple[int, int, numpy.ndarray]]:
        """Each window as one clip: ImageBind's 128-bin log-mel over 204 frames, normalised as it was trained."""
        from torchvision import transforms

        normalise = transforms.Normalize(mean=-4.268, std=9.138)
        windows = audio_windows(audio_decode(path, self.sample_rate), self.sample_rate, self.window_s, self.hop_s)
        clips = [
            normalise(self.data.waveform2melspec(self.torch.from_numpy(w)[None], self.sample_rate, 128, 204))
            for _, _, w in windows
        ]
        vectors = self._embed(self.modality.AUDIO, self.torch.stack(clips)[:, None])
        return [(start, end, vector) for (start, end, _), vector in zip(windows, vectors, strict=True)]
