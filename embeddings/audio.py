"""Audio for encoders: decoded to mono at the model's sample rate with a fixed resampling filter,
and cut into fixed windows with a hop, each with its start and end in milliseconds."""

from __future__ import annotations

from math import gcd
from pathlib import Path

import numpy


def audio_decode(path: Path, sample_rate: int) -> numpy.ndarray:
    """Mono float32 samples at ``sample_rate`` (deterministic: polyphase resampling), decoded by
    libsndfile or, for what it cannot read, FFmpeg (``assets.decoding.sound``)."""
    from assets.decoding.sound import sound_samples

    samples, rate = sound_samples(path)
    if rate != sample_rate:
        from scipy.signal import resample_poly

        divisor = gcd(int(rate), int(sample_rate))
        samples = resample_poly(samples, sample_rate // divisor, int(rate) // divisor).astype("float32")
    return samples


def audio_windows(samples: numpy.ndarray, sample_rate: int, window_s: float, hop_s: float):
    """(start_ms, end_ms, samples) for windows of ``window_s`` every ``hop_s``; audio shorter than a
    window is one window; the last window ends with the audio."""
    window, hop = int(window_s * sample_rate), int(hop_s * sample_rate)
    total = len(samples)
    starts = list(range(0, max(total - window, 0) + 1, hop)) or [0]
    if starts[-1] + window < total:
        starts.append(starts[-1] + hop)
    return [
        (
            int(start * 1000 / sample_rate),
            int(min(start + window, total) * 1000 / sample_rate),
            samples[start : start + window],
        )
        for start in starts
    ]
