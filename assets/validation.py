"""Decoding checks: a file is accepted only if its pixels or audio frames can be read in full.

Each failure raises ``IngestError`` with a reason a librarian can act on.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from PIL import Image, UnidentifiedImageError

from assets.decoding import decode_budget_refusal, smallest_decode
from assets.detection import MediaFormat


class IngestError(Exception):
    """A file dam refuses, with the reason in words a librarian understands."""


@dataclass
class Inspection:
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None
    sample_rate: int | None = None
    channels: int | None = None


_PILLOW_FORMATS = {"jpeg": "JPEG", "png": "PNG", "tiff": "TIFF", "webp": "WEBP", "heic": "HEIF"}
# libsndfile decodes these; M4A (AAC/ALAC) is checked by parsing its container instead.
_SOUNDFILE_FORMATS = {"wav", "flac", "ogg_vorbis", "ogg_opus", "mp3", "aiff"}
# Container formats whose frame count libsndfile knows exactly (so a shortfall means truncation).
_EXACT_LENGTH_FORMATS = {"wav", "flac", "aiff"}


def inspect_file(path: Path, media_format: MediaFormat) -> Inspection:
    if media_format.kind == "image":
        return inspect_image(path, media_format)
    return inspect_audio(path, media_format)


def inspect_image(path: Path, media_format: MediaFormat) -> Inspection:
    limit = settings.DAM_MAX_IMAGE_PIXELS
    if media_format.key == "heic" and "HEIF" not in Image.OPEN:
        raise IngestError("HEIC images need the pillow-heif package, which is not installed on this server")
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its limit and twice that; dam refuses at its own limit (below).
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                if width * height > limit:
                    raise IngestError(_bomb_message(width * height, limit, width, height))
                if image.format != _PILLOW_FORMATS[media_format.key]:
                    raise IngestError(
                        f"the file starts like a {media_format.label} but decodes as {image.format or 'nothing known'}"
                    )
                if decode_budget_refusal(image):
                    smallest_decode(image, 1, 1)  # JPEG: 1/8 of each side, the whole stream still read
                    refusal = decode_budget_refusal(image)
                    if refusal:
                        raise IngestError(f"the {media_format.label} is too large to decode safely: {refusal}")
                image.load()
    except IngestError:
        raise
    except Image.DecompressionBombError as error:
        raise IngestError(_bomb_message(_declared_pixels(error), limit)) from error
    except UnidentifiedImageError as error:
        raise IngestError(
            f"the file looks like a {media_format.label} but its content is corrupt and cannot be decoded"
        ) from error
    except OSError as error:
        if "truncated" in str(error).lower():
            raise IngestError(
                f"the {media_format.label} is truncated: the file ends before the picture does "
                "(re-copy or re-export it)"
            ) from error
        raise IngestError(f"the {media_format.label} cannot be decoded ({error})") from error
    except (SyntaxError, ValueError, MemoryError, Image.DecompressionBombWarning) as error:
        raise IngestError(f"the {media_format.label} is damaged and cannot be decoded ({error})") from error
    if width == 0 or height == 0:
        raise IngestError(f"the {media_format.label} has no pixels ({width}×{height})")
    return Inspection(width=width, height=height)


def _bomb_message(pixels: int, limit: int, width: int | None = None, height: int | None = None) -> str:
    size = f"{width}×{height} pixels ({pixels / 1e6:,.0f} megapixels)" if width else f"{pixels / 1e6:,.0f} megapixels"
    return (
        f"the image declares {size}, over the limit of {limit / 1e6:,.0f} megapixels (DAM_MAX_IMAGE_PIXELS): "
        "refused as a possible decompression bomb"
    )


def _declared_pixels(error: Exception) -> int:
    """Pillow's DecompressionBombError names the pixel count: "Image size (N pixels) exceeds…"."""
    match = re.search(r"\((\d+) pixels\)", str(error))
    return int(match.group(1)) if match else 0


def inspect_audio(path: Path, media_format: MediaFormat) -> Inspection:
    if media_format.key not in _SOUNDFILE_FORMATS:
        return _inspect_with_mutagen(path, media_format)
    import soundfile

    try:
        with soundfile.SoundFile(path) as sound:
            declared = sound.frames
            sample_rate, channels = sound.samplerate, sound.channels
            if declared and declared / sample_rate > settings.DAM_MAX_AUDIO_SECONDS:
                raise IngestError(
                    f"the audio is {declared / sample_rate / 3600:.1f} hours long, over the limit of "
                    f"{settings.DAM_MAX_AUDIO_SECONDS / 3600:.1f} hours (DAM_MAX_AUDIO_SECONDS)"
                )
            decoded = 0
            for block in sound.blocks(blocksize=1 << 16, dtype="int16"):
                decoded += len(block)
    except IngestError:
        raise
    except (soundfile.LibsndfileError, RuntimeError, ValueError) as error:
        raise IngestError(
            f"the {media_format.label} cannot be decoded: it is corrupt or truncated ({_decoder_reason(error)})"
        ) from error
    if decoded == 0:
        raise IngestError(f"the {media_format.label} contains no audio")
    if media_format.key in _EXACT_LENGTH_FORMATS and declared and decoded < declared:
        raise IngestError(
            f"the {media_format.label} is truncated: only {decoded / sample_rate:.2f} s of the declared "
            f"{declared / sample_rate:.2f} s can be decoded"
        )
    return Inspection(duration_seconds=round(decoded / sample_rate, 3), sample_rate=sample_rate, channels=channels)


def _decoder_reason(error: Exception) -> str:
    """libsndfile's message without dam's staging path, and in plainer words."""
    message = re.sub(r"^Error opening '.*?': ", "", str(error))
    message = re.sub(r"^Error\s*:\s*", "", message)
    if "possibly a pipe" in message or "Format not recognised" in message:
        return "no decodable audio data found"
    return message.rstrip(".")


def _inspect_with_mutagen(path: Path, media_format: MediaFormat) -> Inspection:
    import mutagen

    try:
        audio = mutagen.File(path)
    except Exception as error:
        raise IngestError(f"the {media_format.label} is damaged and cannot be read ({error})") from error
    if audio is None or not getattr(audio.info, "length", 0):
        raise IngestError(f"the {media_format.label} contains no readable audio stream")
    return Inspection(
        duration_seconds=round(float(audio.info.length), 3),
        sample_rate=getattr(audio.info, "sample_rate", None),
        channels=getattr(audio.info, "channels", None),
    )
