"""Sound of audio files: decoded by libsndfile where it can, by FFmpeg (PyAV) where it cannot.

What a caller may rely on:

- ``sound_check`` decodes a whole file once, for ingest: its duration (what decodes, not what a
  header claims), sample rate and channels, and ``damage``, a librarian's sentence for each thing
  wrong (a cut-off end, frames that do not decode). ``NoSoundError`` says why not one frame of a
  file decodes; ``SoundError`` also says when it is over the length limit, which is checked before
  decoding where a header says it and the file is large enough to hold that much.
- ``sound_samples`` gives mono float32 samples and their rate, for encoders.
- libsndfile is tried first for WAV, AIFF, FLAC, Ogg and MP3; when it refuses a file or stops
  short (a FLAC it loses sync in, an Ogg page it cannot parse), FFmpeg decodes it. Every other
  format (M4A, WMA, APE, WavPack, Musepack, TTA, AAC) is FFmpeg's.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy

from assets.detection import MediaFormat

LIBSNDFILE_FORMATS = {"wav", "flac", "ogg_vorbis", "ogg_opus", "mp3", "aiff"}
# Formats whose header states the exact length, so a shortfall means the end is missing.
_EXACT_LENGTH_FORMATS = {"wav", "flac", "aiff"}
# ...and those whose length FFmpeg knows exactly too (Ogg's last granule position); other
# containers' durations are estimates (ASF counts its preroll, MP3 its bit rate).
_KNOWN_LENGTH_FORMATS = _EXACT_LENGTH_FORMATS | {"ogg_vorbis", "ogg_opus"}
_SHORTFALL_TOLERANCE = 0.02  # of the declared length: headers of compressed formats estimate
# Fewer bytes per second than any codec writes (even FLAC's digital silence takes more): a header
# that declares more seconds than the file could hold at this rate is not believed.
_MIN_BYTES_PER_SECOND = 100


logger = logging.getLogger(__name__)
_STDERR_LOCK = threading.Lock()


@contextlib.contextmanager
def native_stderr_quieted(path: Path):
    """Keep what C libraries write straight to the process's stderr (libmpg123's "Whoa! ID3v2
    frame claims to be larger than the whole rest of the tag") off the terminal: it goes to the
    log at DEBUG, naming the file. The tag damage itself is reported by the metadata readers."""
    with _STDERR_LOCK, tempfile.TemporaryFile() as captured:
        try:
            saved = os.dup(2)
        except OSError:  # no stderr at all: nothing to keep quiet
            yield
            return
        try:
            os.dup2(captured.fileno(), 2)
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            said = captured.read(4000).decode("utf-8", errors="replace").strip()
            if said:
                logger.debug("the decoder of %s said: %s", path.name, said)


class SoundError(Exception):
    """The file has no audio dam can decode, or too much of it; the message says which."""


class NoSoundError(SoundError):
    """Not one frame of the file's audio decodes (its tags may still be read). ``sample_rate``
    and ``channels`` are those of the audio stream a decoder found, None where none found one."""

    def __init__(self, message: str, sample_rate: int | None = None, channels: int | None = None) -> None:
        super().__init__(message)
        self.sample_rate, self.channels = sample_rate, channels


@dataclass
class SoundCheck:
    decoded_frames: int = 0
    sample_rate: int | None = None
    channels: int | None = None
    declared_seconds: float | None = None
    decoder: str = ""
    damage: list[str] = field(default_factory=list)
    failure: str = ""  # why the decoder stopped early, if it did

    @property
    def duration_seconds(self) -> float | None:
        return round(self.decoded_frames / self.sample_rate, 3) if self.sample_rate else None

    @property
    def complete(self) -> bool:
        return bool(self.decoded_frames) and not self.failure and not self.shortfall

    @property
    def shortfall(self) -> bool:
        if not self.declared_seconds or not self.duration_seconds:
            return False
        return self.duration_seconds < self.declared_seconds * (1 - _SHORTFALL_TOLERANCE) - 0.05


def sound_check(path: Path, media_format: MediaFormat, max_seconds: float) -> SoundCheck:
    """Decode the whole file; see the module's docstring."""
    label = media_format.label
    if media_format.key in _EXACT_LENGTH_FORMATS:
        first = _libsndfile_check(path, media_format, max_seconds)
        if first.complete:
            return first
        second = _ffmpeg_check(path, label, max_seconds)
        if first.failure and second.decoded_frames:
            second.damage.append(f"libsndfile cannot decode this {label} ({first.failure}); FFmpeg decoded it instead")
    else:
        # libmpg123 and libvorbisfile skip damaged frames and pages without a word: FFmpeg says so.
        first = _ffmpeg_check(path, label, max_seconds)
        if first.complete and not first.damage:
            return first
        second = _libsndfile_check(path, media_format, max_seconds) if media_format.key in LIBSNDFILE_FORMATS else None
    checks = [check for check in (first, second) if check is not None]
    best = max(checks, key=lambda check: check.decoded_frames)
    if not best.decoded_frames:
        reasons = "; ".join(check.failure for check in checks if check.failure)
        stream = next((check for check in checks if check.sample_rate), SoundCheck())
        raise NoSoundError(
            f"the {label} contains no audio that can be decoded" + (f" ({reasons})" if reasons else ""),
            stream.sample_rate,
            stream.channels,
        )
    damage = [note for check in checks for note in check.damage]
    for check in checks:
        if check.failure and check.decoded_frames:
            stopped = f"{check.decoder} stopped after {check.duration_seconds:.2f} s"
            damage.append(f"the {label} is damaged: {stopped} ({check.failure})")
        elif check.shortfall and media_format.key in _KNOWN_LENGTH_FORMATS:
            exact = media_format.key in _EXACT_LENGTH_FORMATS
            missing = "truncated" if exact else "damaged (a malformed page or frame)"
            damage.append(
                f"the {label} is {missing}: {check.decoder} decodes only {check.duration_seconds:.2f} s of the "
                f"declared {check.declared_seconds:.2f} s"
            )
    best.damage = list(dict.fromkeys(damage))
    return best


def ffmpeg_open(path: Path):
    """The file opened by FFmpeg (PyAV). Tags FFmpeg passes on as they are in the file (an ID3v1
    tag's Latin-1, say) are read with the bytes that are not UTF-8 replaced, where PyAV would
    raise: such a file is not damaged."""
    import av

    return av.open(str(path), metadata_errors="replace")


def _too_long(seconds: float, max_seconds: float) -> SoundError:
    return SoundError(
        f"the audio is {seconds / 3600:.1f} hours long, over the limit of {max_seconds / 3600:.1f} hours "
        "(DAM_MAX_AUDIO_SECONDS)"
    )


def _libsndfile_check(path: Path, media_format: MediaFormat, max_seconds: float) -> SoundCheck:
    import soundfile

    check = SoundCheck(decoder="libsndfile")
    try:
        with native_stderr_quieted(path), soundfile.SoundFile(path) as sound:
            check.sample_rate, check.channels = sound.samplerate, sound.channels
            declared = _believed_seconds(path, sound.frames / sound.samplerate if sound.frames else None, check)
            if declared and declared > max_seconds:
                raise _too_long(declared, max_seconds)
            if declared and media_format.key in _EXACT_LENGTH_FORMATS:
                check.declared_seconds = declared
            for block in sound.blocks(blocksize=1 << 16, dtype="int16"):
                check.decoded_frames += len(block)
    except SoundError:
        raise
    except (soundfile.LibsndfileError, RuntimeError, ValueError) as error:
        check.failure = _libsndfile_reason(error)
    return check


def _libsndfile_reason(error: Exception) -> str:
    """libsndfile's message without dam's staging path, and in plainer words."""
    message = re.sub(r"^Error opening '.*?': ", "", str(error))
    message = re.sub(r"^Error\s*:\s*", "", message)
    if "possibly a pipe" in message or "Format not recognised" in message:
        return "no decodable audio data found"
    return message.rstrip(".")


def _ffmpeg_check(path: Path, label: str, max_seconds: float) -> SoundCheck:
    import av

    check = SoundCheck(decoder="FFmpeg")
    try:
        container = ffmpeg_open(path)
    except av.error.FFmpegError as error:
        check.failure = _ffmpeg_reason(error)
        return check
    with container:
        if not container.streams.audio:
            check.failure = "no audio stream"
            return check
        stream = container.streams.audio[0]
        check.sample_rate, check.channels = stream.rate or None, stream.channels or None
        check.declared_seconds = _believed_seconds(path, _declared_seconds(container, stream), check)
        if check.declared_seconds and check.declared_seconds > max_seconds:
            raise _too_long(check.declared_seconds, max_seconds)
        damaged_packets = 0
        try:
            for packet in container.demux(stream):
                try:
                    frames = packet.decode()
                except av.error.FFmpegError:
                    damaged_packets += 1
                    continue
                for frame in frames:
                    check.decoded_frames += frame.samples
                    check.sample_rate = frame.sample_rate or check.sample_rate
                if check.sample_rate and check.decoded_frames / check.sample_rate > max_seconds:
                    raise _too_long(check.decoded_frames / check.sample_rate, max_seconds)
        except av.error.FFmpegError as error:
            check.failure = _ffmpeg_reason(error)
    if damaged_packets:
        frames = "1 damaged frame" if damaged_packets == 1 else f"{damaged_packets} damaged frames"
        check.damage.append(f"the {label} has {frames} that FFmpeg cannot decode, skipped (a short gap in the sound)")
    return check


def _believed_seconds(path: Path, declared: float | None, check: SoundCheck) -> float | None:
    """The length a header declares, or None (with a note in ``check.damage``) where the file is
    too small to hold it: such a file is decoded, and its length is what decodes."""
    if declared and declared * _MIN_BYTES_PER_SECOND > path.stat().st_size:
        check.damage.append(
            f"the header declares {_hours(declared)}, more than the file can hold: its length is what decodes"
        )
        return None
    return declared


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:,.1f} hours" if seconds >= 3600 else f"{seconds:,.1f} s"


def _declared_seconds(container, stream) -> float | None:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / 1_000_000
    return None


def _ffmpeg_reason(error: Exception) -> str:
    return getattr(error, "strerror", None) or str(error)


def sound_samples(path: Path) -> tuple[numpy.ndarray, int]:
    """Mono float32 samples of the whole file and their sample rate (libsndfile, else FFmpeg)."""
    import soundfile

    try:
        with native_stderr_quieted(path):
            samples, rate = soundfile.read(path, dtype="float32", always_2d=True)
        return samples.mean(axis=1), int(rate)
    except (soundfile.LibsndfileError, RuntimeError, ValueError):
        pass
    import av

    chunks: list[numpy.ndarray] = []
    with ffmpeg_open(path) as container:
        stream = container.streams.audio[0]
        rate = stream.rate
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        for packet in container.demux(stream):
            try:
                frames = packet.decode()
            except av.error.FFmpegError:  # a damaged frame: skipped, as at ingest
                continue
            for frame in frames:
                for converted in resampler.resample(frame):
                    chunks.append(converted.to_ndarray().reshape(-1))
        for converted in resampler.resample(None):
            chunks.append(converted.to_ndarray().reshape(-1))
    if not chunks:
        raise NoSoundError(f"{path.name} contains no audio that can be decoded")
    return numpy.concatenate(chunks).astype("float32"), int(rate)
