"""Ingest's check of a file's pixels or sound: what must be refused, and what is kept with a warning.

Refused (``IngestError``, with a reason a librarian can act on): a picture with nothing
recognisable to decode (not even its headers), over the pixel or length limit (a decompression
bomb among them). Kept, with a warning that says what is damaged:

- a picture that decodes only in part (a truncated or damaged JPEG), or whose headers read and
  none of whose pixel data decodes (no thumbnail, no image embedding), and a camera raw file
  without a readable preview;
- sound that stops early or has frames that do not decode, and a recording none of whose sound
  decodes (it has no duration and is not searched by its sound or speech): ``assets.ingest``
  refuses that one when no decoder found an audio stream in it and its tags hold nothing either.

Decoding itself is ``assets.decoding``'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from PIL import Image

from assets.decoding.pictures import (
    Picture,
    PictureBomb,
    PictureError,
    PictureTooLarge,
    PictureUnsupported,
    PixelLimitError,
    picture_decode,
)
from assets.decoding.sound import NoSoundError, SoundError, sound_check
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
    warnings: list[str] = field(default_factory=list)  # what is damaged, for the librarian
    soundless: str = ""  # why none of a recording's sound decodes, when none does
    # Why Pillow cannot read a picture's headers, when it cannot: kept if ExifTool reads its size.
    unreadable: str = ""
    # The decoded picture, kept when the caller asked for it reduced (``shortest_side``): a search
    # by file embeds the picture the check decoded instead of decoding the file a second time.
    picture: Picture | None = field(default=None, repr=False)


def inspect_file(path: Path, media_format: MediaFormat, shortest_side: int | None = None) -> Inspection:
    """Ingest's check of the file. With ``shortest_side``, a picture is decoded reduced (never
    below that on its shorter side; the whole stream is still read, so still checked) and kept
    in ``Inspection.picture``; its width and height are then not measured."""
    if media_format.kind == "image":
        return inspect_image(path, media_format, shortest_side)
    return inspect_audio(path, media_format)


def inspect_image(path: Path, media_format: MediaFormat, shortest_side: int | None = None) -> Inspection:
    limit = settings.DAM_MAX_IMAGE_PIXELS
    if media_format.key == "heic" and "HEIF" not in Image.OPEN:
        raise IngestError("HEIC images need the pillow-heif package, which is not installed on this server")
    try:
        picture = picture_decode(path, media_format, pixel_limit=limit, shortest_side=shortest_side)
    except PixelLimitError as error:
        raise IngestError(_bomb_message(error.pixels, limit, error.width, error.height)) from error
    except PictureError as error:
        # A raw file's metadata is worth keeping without a picture, and so is a picture whose
        # headers read and whose pixel data does not decode at all; one whose headers Pillow cannot
        # read is kept if ExifTool reads its size (ingest decides). A bomb, a picture over the decode
        # budget and a variant Pillow does not implement are refused.
        warnings = [f"{error}: it has no thumbnail and no image embedding"]
        if media_format.raw:
            return Inspection(warnings=warnings)
        if error.size:
            return Inspection(width=error.size[0], height=error.size[1], warnings=warnings)
        if isinstance(error, (PictureBomb, PictureTooLarge, PictureUnsupported)):
            raise IngestError(str(error)) from error
        return Inspection(warnings=warnings, unreadable=str(error))
    except (MemoryError, Image.DecompressionBombWarning) as error:
        raise IngestError(f"the {media_format.label} is damaged and cannot be decoded ({error})") from error
    warnings = [picture.damage] if picture.damage else []
    if shortest_side:
        return Inspection(warnings=warnings, picture=picture)
    if media_format.raw:  # the preview's size is not the raw's: ExifTool's reading gives that
        return Inspection(warnings=warnings)
    width, height = picture.image.size
    return Inspection(width=width, height=height, warnings=warnings)


def _bomb_message(pixels: int, limit: int, width: int | None = None, height: int | None = None) -> str:
    size = f"{width}×{height} pixels ({pixels / 1e6:,.0f} megapixels)" if width else f"{pixels / 1e6:,.0f} megapixels"
    return (
        f"the image declares {size}, over the limit of {limit / 1e6:,.0f} megapixels (DAM_MAX_IMAGE_PIXELS): "
        "refused as a possible decompression bomb"
    )


def inspect_audio(path: Path, media_format: MediaFormat) -> Inspection:
    try:
        check = sound_check(path, media_format, settings.DAM_MAX_AUDIO_SECONDS)
    except NoSoundError as error:  # kept if a stream was found or its tags hold anything (see ingest)
        warning = f"{error}: it cannot be played, has no duration, and is not searched by its sound"
        return Inspection(
            sample_rate=error.sample_rate, channels=error.channels, warnings=[warning], soundless=str(error)
        )
    except SoundError as error:
        raise IngestError(str(error)) from error
    return Inspection(
        duration_seconds=check.duration_seconds,
        sample_rate=check.sample_rate,
        channels=check.channels,
        warnings=check.damage,
    )
