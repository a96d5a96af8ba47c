"""Decoding pictures within a memory budget.

A picture's pixels take ``width × height × bytes per pixel`` of memory once decoded, whatever its
file size: a 0.8 MB PNG of 14,100 × 14,100 RGBA pixels decodes to 795 MB. dam therefore decodes
at the smallest size that serves the purpose (JPEG's DCT scaling through Pillow's ``draft``: 1/2,
1/4 or 1/8 of each side, with the whole compressed stream still read), and refuses at ingest any
picture whose smallest decode would need more than ``DAM_MAX_IMAGE_DECODE_BYTES``: every later
decode (thumbnail, embedding) of an accepted file then fits in that budget too.
"""

from __future__ import annotations

from django.conf import settings
from PIL import Image

# Bytes per pixel of Pillow's own storage: three-band modes are kept as four bytes per pixel.
_ONE_BYTE = {"1", "L", "P"}
_TWO_BYTES = {"I;16", "I;16L", "I;16B", "I;16N"}


def pixel_bytes(mode: str) -> int:
    if mode in _ONE_BYTE:
        return 1
    if mode in _TWO_BYTES:
        return 2
    return 4


def decode_bytes(image: Image.Image) -> int:
    """Memory Pillow needs to hold ``image`` decoded at its current size (after any ``draft``)."""
    width, height = image.size
    return width * height * pixel_bytes(image.mode)


def smallest_decode(image: Image.Image, width: int, height: int) -> None:
    """Ask the decoder for the smallest decode that still covers ``width × height`` (JPEG only;
    other formats decode at full size). Call before ``load``."""
    if image.format == "JPEG" and (image.width > width or image.height > height):
        image.draft(image.mode, (width, height))


def decode_budget_refusal(image: Image.Image) -> str | None:
    """Why decoding ``image`` at its current size would exceed the budget; None when it fits."""
    what = f"decoding its {image.width:,}×{image.height:,} {image.mode} pixels"
    return _refusal(what, decode_bytes(image), "save it at a smaller size, with fewer channels, or as JPEG")


def planes_refusal(width: int, height: int, channels: int, row_bytes: int) -> str | None:
    """Why unpacking a picture's compressed planes (PSB rows dam unpacks itself) would exceed the
    budget; None when it fits. Pillow then holds the decoded picture as well."""
    needed = channels * height * row_bytes + width * height * 4
    return _refusal(f"unpacking its {width:,}×{height:,} pixels", needed, "save it at a smaller size")


def raw_decode_bytes(raw_width: int, raw_height: int, width: int, height: int) -> int:
    """Memory LibRaw and Pillow need to develop a camera raw at half size: the unpacked 16-bit
    sensor data, LibRaw's half-size working image (four 16-bit channels), its 8-bit RGB result
    and Pillow's four-byte copy of that."""
    half = (width // 2) * (height // 2)
    return raw_width * raw_height * 2 + half * 8 + half * 3 + half * 4


def raw_decode_refusal(raw_width: int, raw_height: int, width: int, height: int) -> str | None:
    """Why developing a camera raw of these sizes would exceed the budget; None when it fits."""
    what = f"developing its {raw_width:,}×{raw_height:,} sensor data at half size"
    needed = raw_decode_bytes(raw_width, raw_height, width, height)
    return _refusal(what, needed, "export a JPEG or TIFF from it, or raise the limit")


def _refusal(what: str, needed: int, advice: str) -> str | None:
    limit = settings.DAM_MAX_IMAGE_DECODE_BYTES
    if needed <= limit:
        return None
    return (
        f"{what} would take {needed / 1e6:,.0f} MB of memory, over the limit of {limit / 1e6:,.0f} MB "
        f"(DAM_MAX_IMAGE_DECODE_BYTES): {advice}"
    )


class DecodeBudgetExceeded(ValueError):
    """A picture whose decode would not fit in ``DAM_MAX_IMAGE_DECODE_BYTES``."""


def image_reduced(image: Image.Image, shortest_side: int) -> Image.Image:
    """A decoded ``image`` reduced by a whole factor so that its shorter side stays at least
    ``shortest_side`` (never enlarged); the image itself when it is not twice that."""
    factor = min(image.width, image.height) // shortest_side
    if factor < 2:
        return image
    try:
        return image.reduce(factor)
    except ValueError:  # a mode reduce does not handle (palette, bilevel): kept as decoded
        return image
