"""Speech recognition (faster-whisper, CTranslate2 weights from a local directory or a package):
not an encoder of vectors but of speech into timed text, loaded, verified and cached like one.
``embeddings.transcribe`` stores what it hears as transcript segments."""

from __future__ import annotations

from pathlib import Path

import numpy
from django.conf import settings

from embeddings.encoders.base import Encoder


class SpeechRecogniser(Encoder):
    family = "asr"
    label = "Speech recognition (faster-whisper), for transcripts"

    def __init__(self, version, directory: Path) -> None:
        super().__init__(version, directory)
        with self.libraries():
            from faster_whisper import WhisperModel
        self.model = WhisperModel(
            str(directory),
            device="cpu",
            compute_type=version.preprocessing.get("compute_type", "int8"),
            cpu_threads=settings.DAM_ASR_THREADS,
        )

    def embed_texts(self, texts: list[str]) -> numpy.ndarray:
        raise NotImplementedError("speech recognition makes transcripts, not vectors")

    def transcribe(self, path: Path) -> list[tuple[int, int, str]]:
        """(start_ms, end_ms, text) per segment heard, in order; segments with no words are left out."""
        options = self.version.preprocessing
        segments, _ = self.model.transcribe(
            str(path),
            beam_size=int(options.get("beam_size", 1)),
            vad_filter=bool(options.get("vad_filter", True)),
            language=options.get("language") or None,
        )
        return [
            (int(round(segment.start * 1000)), int(round(segment.end * 1000)), segment.text.strip())
            for segment in segments
            if segment.text.strip()
        ]
