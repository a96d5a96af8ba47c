"""Pictures of image files: the pixels thumbnails, embeddings and ingest's check decode.

What a caller may rely on:

- ``picture_decode`` gives one RGB-convertible Pillow image for every image format dam accepts:
  the first frame of an animation (GIF), the composite of a Photoshop document, the largest
  embedded preview of a camera raw file (ExifTool's ``JpgFromRaw``, ``PreviewImage``...), else its
  sensor data developed at half size by LibRaw (rawpy) within the memory budget, else the TIFF
  structure of a DNG; and as much of a damaged file as decodes.
- ``Picture.damage`` says, in a librarian's words, what was wrong when the file did not decode
  in full; None when it did.
- ``PictureError`` is raised, with the reason, when no picture at all can be had.
"""

from __future__ import annotations

import contextlib
import io
import re
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageFile, PngImagePlugin, UnidentifiedImageError

from assets.decoding.budget import (
    DecodeBudgetExceeded,
    decode_budget_refusal,
    image_reduced,
    planes_refusal,
    raw_decode_refusal,
    smallest_decode,
)
from assets.decoding.sound import native_stderr_quieted
from assets.detection import MediaFormat

# Pillow's names for what each format decodes as (an MPO is a JPEG with more pictures after it).
PILLOW_FORMATS = {
    "jpeg": {"JPEG", "MPO"},
    "png": {"PNG"},
    "tiff": {"TIFF"},
    "bigtiff": {"TIFF"},
    "webp": {"WEBP"},
    "heic": {"HEIF"},
    "gif": {"GIF"},
    "bmp": {"BMP", "DIB"},
    "psd": {"PSD"},
    "psb": {"PSD"},  # read as the PSD its composite image makes (psb_composite_as_psd)
    "avif": {"AVIF"},
}
# Embedded previews in camera raw files, largest first as cameras write them.
RAW_PREVIEW_TAGS = ("JpgFromRaw", "PreviewImage", "OtherImage", "PreviewTIFF", "ThumbnailImage")


class PictureError(Exception):
    """No picture can be decoded from the file; the message says why. ``size`` is the picture's
    (width, height) where its headers were read and only its pixel data would not decode."""

    def __init__(self, message: str, size: tuple[int, int] | None = None) -> None:
        super().__init__(message)
        self.size = size


@dataclass
class Picture:
    image: Image.Image
    damage: str | None = None  # what was wrong, when the file did not decode in full
    source: str = ""  # where the pixels came from, when not the file's main image (a raw's preview)


class PictureTooLarge(PictureError, DecodeBudgetExceeded):
    """Decoding the picture would exceed ``DAM_MAX_IMAGE_DECODE_BYTES`` even at its smallest."""


def picture_decode(
    path: Path, media_format: MediaFormat, pixel_limit: int | None = None, shortest_side: int | None = None
) -> Picture:
    """The picture of the file at ``path`` (see the module's docstring). ``pixel_limit`` refuses
    pictures declaring more pixels before they are decoded (PictureError says so). With
    ``shortest_side`` (thumbnails, embeddings) the picture is decoded reduced (JPEG's DCT scaling,
    then a whole-factor reduction) but never below that on its shorter side; without it, at full
    size where that fits the memory budget (``assets.decoding.budget``), else at the smallest size
    the decoder offers, which still reads, and so checks, the whole stream."""
    if media_format.raw:
        picture = _raw_preview(path, media_format, pixel_limit)
    else:
        with open(path, "rb") as handle:
            data = handle.read()
        if media_format.key == "psb":
            data = psb_composite_as_psd(data, media_format.label, pixel_limit)
        picture = _pillow_picture(data, media_format, pixel_limit, shortest_side)
    if shortest_side:
        picture.image = image_reduced(picture.image, shortest_side)
    return picture


def psb_composite_as_psd(data: bytes, label: str = "Photoshop large document", pixel_limit: int | None = None) -> bytes:
    """A PSD holding a PSB's composite image, which Pillow reads (it reads PSD only). The two
    differ in the version, the width of the layer section's length (8 bytes in PSB) and of the
    RLE row byte counts (4 bytes); the layers are left out, the composite is the picture. A PSB
    whose compressed rows are longer than PSD's 2-byte counts can say (a picture some 65,000
    pixels wide) is handed over uncompressed, its rows unpacked by Pillow's PackBits decoder."""
    width = height = 0
    try:
        channels, height = int.from_bytes(data[12:14], "big"), int.from_bytes(data[14:18], "big")
        width, depth = int.from_bytes(data[18:22], "big"), int.from_bytes(data[22:24], "big")
        if pixel_limit is not None and width * height > pixel_limit:  # before any table is read
            raise PixelLimitError(width * height, pixel_limit, width, height)
        offset = 26
        mode_length = int.from_bytes(data[offset : offset + 4], "big")
        mode = data[offset : offset + 4 + mode_length]
        offset += 4 + mode_length
        resources_length = int.from_bytes(data[offset : offset + 4], "big")
        resources = data[offset : offset + 4 + resources_length]
        offset += 4 + resources_length
        offset += 8 + int.from_bytes(data[offset : offset + 8], "big")  # layers and masks: skipped
        compression = int.from_bytes(data[offset : offset + 2], "big")
        pixels = data[offset + 2 :]
        if compression == 1:  # RLE: one byte count per row and channel, 4 bytes each in PSB
            rows = channels * height
            if 4 * rows > len(pixels):
                raise ValueError("the table of row lengths is cut short")
            counts = [int.from_bytes(pixels[4 * i : 4 * i + 4], "big") for i in range(rows)]
            if any(count > 0xFFFF for count in counts):
                pixels = _packbits_planes(pixels[4 * rows :], channels, width, height, depth, label)
                compression = 0
            else:
                pixels = b"".join(count.to_bytes(2, "big") for count in counts) + pixels[4 * rows :]
        elif compression != 0:
            raise ValueError(f"compression {compression} is not raw or RLE")
    except PictureError:
        raise
    except (ValueError, IndexError) as error:  # the header read: its size is known, as Pillow's would be
        size = (width, height) if width and height else None
        raise PictureError(f"the {label}'s composite image cannot be read ({error})", size=size) from error
    header = data[:4] + (1).to_bytes(2, "big") + data[6:26]
    return header + mode + resources + bytes(4) + compression.to_bytes(2, "big") + pixels


def _packbits_planes(packed: bytes, channels: int, width: int, height: int, depth: int, label: str) -> bytes:
    """The channels' rows of an RLE composite, unpacked: the uncompressed planes PSD stores. The
    decode budget is checked first, since this decodes the whole picture."""
    row_bytes = (width * depth + 7) // 8
    refusal = planes_refusal(width, height, channels, row_bytes)
    if refusal:
        raise PictureTooLarge(f"the {label} is too large to decode safely: {refusal}")
    # PackBits rows follow one another with nothing between them, so one decoder call per plane
    # reads that plane's rows in turn (Pillow's decoder, as TIFF uses it: no Python per byte).
    plane = Image.frombytes("L", (row_bytes, height * channels), packed, "packbits", "L")
    return plane.tobytes()


def _header_error(label: str, error: Exception) -> PictureError:
    # PNG: a compressed text chunk (zTXt, iTXt, iCCP) that inflates past Pillow's MAX_TEXT_CHUNK.
    if str(error).startswith("Decompressed data too large"):
        return PictureBomb(
            f"the {label} holds a compressed text or profile chunk that expands past "
            f"{PngImagePlugin.MAX_TEXT_CHUNK / 1e6:,.0f} MB: refused as a possible decompression bomb"
        )
    # Pillow's plugins say "Unsupported ..." of a variant they do not implement (a 2-bit BMP, an
    # OS/2 2.x header): not damage, a kind of file dam cannot read.
    if str(error).startswith("Unsupported"):
        return PictureUnsupported(f"this {label} is of a kind Pillow cannot decode ({error}): {UNSUPPORTED_VARIANT}")
    return PictureError(f"the {label} is damaged before its picture begins ({error})")


UNSUPPORTED_VARIANT = "dam does not support it; convert it to PNG or TIFF"
# What Pillow's plugins raise on pixel data they cannot decode (pillow-heif: EOFError on a cut file).
_DECODER_ERRORS = (OSError, ValueError, SyntaxError, EOFError)


def _pillow_picture(
    data: bytes, media_format: MediaFormat, pixel_limit: int | None, shortest_side: int | None = None
) -> Picture:
    # The decoded image is returned as it is (no copy: a big picture is held once).
    try:
        with _opened(data, media_format, pixel_limit, shortest_side) as image:
            try:
                image.load()
                return Picture(image)
            except _DECODER_ERRORS as error:
                damage = _damage(media_format.label, error)
    except _CutShort as error:  # the file ends inside the headers Pillow reads on opening
        damage = _damage(media_format.label, error)
    # Decode what is there: Pillow fills what it could not read with grey.
    with _truncated_loading(), _opened(data, media_format, pixel_limit, shortest_side) as image:
        try:
            image.load()
        except _DECODER_ERRORS as error:
            raise PictureError(
                f"{damage}, and no part of the picture can be decoded ({error})", size=image.size
            ) from error
        return Picture(image, damage=damage)


@contextlib.contextmanager
def _opened(
    data: bytes, media_format: MediaFormat, pixel_limit: int | None, shortest_side: int | None = None
) -> Iterator[Image.Image]:
    label = media_format.label
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # dam applies its own limit
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as error:
        match = re.search(r"\((\d+) pixels\)", str(error))  # "Image size (N pixels) exceeds limit…"
        raise PixelLimitError(int(match.group(1)) if match else 0, pixel_limit or 0) from error
    except UnidentifiedImageError as error:
        raise PictureError(f"the file looks like a {label} but its content is corrupt and cannot be decoded") from error
    except OSError as error:
        if "truncated" in str(error).lower():
            if not ImageFile.LOAD_TRUNCATED_IMAGES:
                raise _CutShort(f"the {label} is truncated") from error
            cut = f"the {label} is truncated before its picture begins (re-copy or re-export it)"
            raise PictureError(cut) from error
        raise _header_error(label, error) from error
    except (SyntaxError, ValueError) as error:
        raise _header_error(label, error) from error
    try:
        expected = PILLOW_FORMATS.get(media_format.key, {image.format})
        if image.format not in expected:
            raise PictureError(f"the file starts like a {label} but decodes as {image.format or 'nothing known'}")
        width, height = image.size
        if width == 0 or height == 0:
            raise PictureError(f"the {label} has no pixels ({width}×{height})")
        if pixel_limit is not None and width * height > pixel_limit:
            raise PixelLimitError(width * height, pixel_limit, width, height)
        if shortest_side:
            smallest_decode(image, shortest_side, shortest_side)
        elif decode_budget_refusal(image):
            smallest_decode(image, 1, 1)  # JPEG: 1/8 of each side, the whole stream still read
        refusal = decode_budget_refusal(image)
        if refusal:
            raise PictureTooLarge(f"the {label} is too large to decode safely: {refusal}")
        yield image
    except BaseException:
        image.close()
        raise


class PixelLimitError(PictureError):
    """The picture declares more pixels than allowed (``width`` and ``height`` when known)."""

    def __init__(self, pixels: int, limit: int, width: int | None = None, height: int | None = None) -> None:
        self.pixels, self.limit, self.width, self.height = pixels, limit, width, height
        super().__init__(f"the picture declares {pixels} pixels, over the limit of {limit} pixels")


class PictureBomb(PictureError):
    """A picture built to exhaust memory in a way the pixel limit does not see (a PNG text chunk)."""


class PictureUnsupported(PictureError):
    """A variant of a format that Pillow does not implement: a kind of file dam does not take."""


class _CutShort(PictureError):
    """Pillow met the end of the file while opening it: worth a second try that accepts that."""


def _damage(label: str, error: Exception) -> str:
    if "truncated" in str(error).lower():
        return f"the {label} is truncated: the file ends before the picture does, so part of it is grey"
    return f"the {label}'s picture data is damaged ({error}); what decodes is kept and the rest is grey"


_truncated_lock = threading.Lock()


@contextlib.contextmanager
def _truncated_loading() -> Iterator[None]:
    # Pillow has only a process-wide switch for this; the lock keeps other threads' loads strict.
    with _truncated_lock:
        ImageFile.LOAD_TRUNCATED_IMAGES = True
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = False


def _raw_preview(path: Path, media_format: MediaFormat, pixel_limit: int | None) -> Picture:
    from assets.metadata.exiftool import exiftool_session

    best: Picture | None = None
    session = exiftool_session()
    for tag in RAW_PREVIEW_TAGS:
        data = session.read_block(path, tag)
        if not data:
            continue
        try:
            picture = _pillow_picture(data, _PREVIEW_FORMAT, pixel_limit)
        except PictureError:
            continue
        picture.source = f"the embedded {tag}"
        if best is None or _pixels(picture) > _pixels(best):
            best = picture
    if best is not None:
        _orient_as_the_raw(best.image, _raw_orientation(session, path))
    else:  # LibRaw turns what it develops upright itself; a DNG's TIFF image carries its own
        best = _rawpy_picture(path, media_format, pixel_limit) or _tiff_picture(path, media_format, pixel_limit)
    if best is None:
        raise PictureError(
            f"the {media_format.label} has no embedded preview dam can read, and LibRaw cannot develop "
            "its sensor data (a layout it does not know, or none at all)"
        )
    return best


_PREVIEW_FORMAT = MediaFormat("preview", "embedded preview", "image", "", ())
_ORIENTATION = 0x0112


def _raw_orientation(session, path: Path) -> int:
    """The raw file's EXIF orientation (IFD0), 1 when it has none."""
    said = session.execute("-n", "-s3", "-IFD0:Orientation", str(path)).decode("ascii", errors="replace").split()
    return int(said[0]) if said and said[0].isdigit() else 1


def _orient_as_the_raw(image: Image.Image, orientation: int) -> None:
    """Cameras record a turned shot's orientation in the raw's EXIF, not in the preview they
    embed (or there as 1): the preview is given the raw's, which ``ImageOps.exif_transpose``
    applies wherever the picture is shown or embedded upright."""
    exif = image.getexif()
    if 2 <= orientation <= 8 and exif.get(_ORIENTATION, 1) == 1:
        exif[_ORIENTATION] = orientation


def _pixels(picture: Picture) -> int:
    return picture.image.size[0] * picture.image.size[1]


def _rawpy_picture(path: Path, media_format: MediaFormat, pixel_limit: int | None) -> Picture | None:
    """The sensor data developed by LibRaw at half size (one pixel per 2×2 Bayer block, no
    demosaicing), after its size is checked against ``pixel_limit`` and the memory budget and
    before the sensor data is unpacked; None where LibRaw cannot read the file."""
    import rawpy

    raw = rawpy.RawPy()
    try:
        try:
            raw.open_file(str(path))
        except (rawpy.LibRawError, OSError):  # not a layout LibRaw knows, or no sensor data
            return None
        sizes = raw.sizes
        if pixel_limit is not None and sizes.width * sizes.height > pixel_limit:
            raise PixelLimitError(sizes.width * sizes.height, pixel_limit, sizes.width, sizes.height)
        refusal = raw_decode_refusal(sizes.raw_width, sizes.raw_height, sizes.width, sizes.height)
        if refusal:
            raise PictureTooLarge(f"the {media_format.label}'s sensor data is too large to develop safely: {refusal}")
        try:
            with native_stderr_quieted(path):  # LibRaw tells stderr "Unexpected end of file" itself
                raw.unpack()
                pixels = raw.postprocess(use_camera_wb=True, half_size=True, output_bps=8)
        except rawpy.LibRawIOError as error:
            cut = f"the {media_format.label} ends before its sensor data does (cut short?), so it cannot be developed"
            raise PictureError(cut) from error
        except (rawpy.LibRawError, MemoryError, ValueError) as error:
            reason = (
                error.args[0].decode(errors="replace") if error.args and isinstance(error.args[0], bytes) else error
            )
            raise PictureError(f"the {media_format.label}'s sensor data cannot be developed ({reason})") from error
    finally:
        raw.close()
    return Picture(Image.fromarray(pixels), source="its sensor data, developed at half size by LibRaw")


def _tiff_picture(path: Path, media_format: MediaFormat, pixel_limit: int | None) -> Picture | None:
    """A DNG's first IFD is often a small RGB rendering Pillow reads as a TIFF."""
    if media_format.key != "dng":
        return None
    tiff = MediaFormat("tiff", media_format.label, "image", "", ())
    try:
        picture = _pillow_picture(path.read_bytes(), tiff, pixel_limit)
    except PictureError:
        return None
    picture.source = "the DNG's first image"
    return picture
