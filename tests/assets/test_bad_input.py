"""Bad input gets a clear reason, and nothing else is lost."""

import io
import struct
import zlib

import pytest
from django.test import override_settings
from PIL import Image

from assets.ingest import IngestSource, ingest_paths, ingest_sources, safe_name
from assets.models import Asset, FileVersion, IngestRecord
from assets.storage.thumbnails import thumbnail_render

pytestmark = pytest.mark.django_db


def png_chunk(kind: bytes, data: bytes, declared_length: int | None = None) -> bytes:
    length = len(data) if declared_length is None else declared_length
    return struct.pack(">I", length) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bytes(width=8, height=8) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (10, 200, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def bomb_png(width: int, height: int) -> bytes:
    """A PNG header declaring a huge canvas: a few dozen bytes that would decode to gigabytes."""
    header = png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    body = png_chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
    return b"\x89PNG\r\n\x1a\n" + header + body + png_chunk(b"IEND", b"")


def failure(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    [result] = ingest_paths([path])
    assert result.status == "failed", f"{name} was accepted"
    assert result.asset_id is None
    record = IngestRecord.objects.get(original_name=name)
    assert record.status == "failed" and record.error == result.error
    return result.error


def test_empty_file(tmp_path):
    assert failure(tmp_path, "empty.jpg", b"") == "the file is empty (0 bytes)"


def test_truncated_jpeg_is_kept_with_a_warning(tmp_path, make_jpeg):
    data = make_jpeg("whole.jpg", seed=500).read_bytes()
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) * 9 // 10])
    [result] = ingest_paths([path])
    assert result.status == "created", result.error
    assert any("truncated" in warning for warning in result.warnings)


def test_jpeg_cut_before_its_picture_begins_is_refused(tmp_path, make_jpeg):
    data = make_jpeg("whole.jpg", seed=501).read_bytes()
    assert "JPEG image is truncated before its picture begins" in failure(tmp_path, "header-only.jpg", data[:40])


def kept_without_pixels(tmp_path, name: str, data: bytes) -> Asset:
    """A file whose headers Pillow cannot read and ExifTool can: kept, with its size and a warning."""
    path = tmp_path / name
    path.write_bytes(data)
    [result] = ingest_paths([path])
    assert result.status == "created", result.error
    assert any(warning.endswith("it has no thumbnail and no image embedding") for warning in result.warnings)
    return Asset.objects.get(pk=result.asset_id)


def test_a_png_whose_header_reads_and_nothing_after_it_does_is_kept_without_pixels(tmp_path):
    data = png_bytes()
    corrupt = data[:33] + bytes(range(256)) * 4  # a valid header, then garbage instead of image data
    asset = kept_without_pixels(tmp_path, "corrupt.png", corrupt)
    assert (asset.width, asset.height) == Image.open(io.BytesIO(data)).size
    assert thumbnail_render(asset.current_version_id) is None
    # Garbage from the signature on is not recognisable: refused.
    assert "PNG image" in failure(tmp_path, "garbage.png", data[:8] + bytes(range(256)) * 4)


def oversized_palette_bmp() -> bytes:
    """An 8-bit BMP whose palette has 300 entries, more than 8 bits can index (Pillow: ValueError)."""
    image = Image.new("P", (2, 2), 1)
    image.putpalette(list(range(256)) * 3)
    buffer = io.BytesIO()
    image.save(buffer, "BMP")
    data = bytearray(buffer.getvalue())
    pixels = struct.unpack_from("<I", data, 10)[0]
    data[pixels:pixels] = bytes(4 * 44)
    struct.pack_into("<I", data, 2, len(data))
    struct.pack_into("<I", data, 10, pixels + 4 * 44)
    struct.pack_into("<I", data, 46, 300)
    return bytes(data)


def test_a_decoder_error_is_said_and_the_batch_goes_on(tmp_path):
    # The BMP's headers read (it is recognisable) and none of its pixels decode: it is kept,
    # with its size and a warning, as a raw file without a preview is.
    (tmp_path / "a-palette.bmp").write_bytes(oversized_palette_bmp())
    (tmp_path / "b-good.png").write_bytes(png_bytes())

    bmp, png = ingest_paths([tmp_path])

    assert bmp.status == "created", bmp.error
    [warning] = [w for w in bmp.warnings if "picture data is damaged (invalid palette size)" in w]
    assert warning.endswith("it has no thumbnail and no image embedding")
    assert png.status == "created"


def test_a_bmp_variant_pillow_does_not_implement_is_named_unsupported_not_damaged(tmp_path):
    buffer = io.BytesIO()
    Image.new("1", (8, 8), 1).save(buffer, "BMP")
    data = bytearray(buffer.getvalue())
    data[28:30] = (2).to_bytes(2, "little")  # bits per pixel: 2, which Pillow does not read
    error = failure(tmp_path, "two-bit.bmp", bytes(data))
    assert "is of a kind Pillow cannot decode (Unsupported BMP pixel depth (2))" in error
    assert "convert it to PNG or TIFF" in error and "damaged" not in error


def test_text_and_documents_are_named_for_what_they_are(tmp_path):
    assert failure(tmp_path, "notes.txt", b"shopping list\n") == "the file is text, not a supported image or audio file"
    assert "PDF document" in failure(tmp_path, "scan.jpg", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n")
    assert "ZIP archive" in failure(tmp_path, "photos.jpg", b"PK\x03\x04" + b"\x00" * 100)


def test_random_bytes(tmp_path):
    import random

    data = random.Random(7).randbytes(5000)
    error = failure(tmp_path, "noise.jpg", b"\x00\x01" + data)
    assert "not a supported image or audio format" in error


@pytest.mark.parametrize(("width", "height"), [(20_000, 20_000), (100_000, 100_000)])
def test_decompression_bomb_is_refused_before_decoding(tmp_path, width, height):
    error = failure(tmp_path, "bomb.png", bomb_png(width, height))
    assert "decompression bomb" in error and f"{width * height / 1e6:,.0f} megapixels" in error


def test_a_text_chunk_that_inflates_past_the_limit_is_refused_as_a_bomb(tmp_path):
    # Pillow's png_decompression_dos.png: a zTXt chunk a few kilobytes long that inflates to 64 MB.
    import struct
    import zlib

    data = png_bytes()
    body = b"Comment\x00\x00" + zlib.compress(bytes(64_000_000), 9)
    chunk = struct.pack(">I", len(body)) + b"zTXt" + body + struct.pack(">I", zlib.crc32(b"zTXt" + body))
    error = failure(tmp_path, "text-bomb.png", data[:33] + chunk + data[33:])
    assert "compressed text or profile chunk that expands past 1 MB" in error
    assert "refused as a possible decompression bomb" in error


@override_settings(DAM_MAX_IMAGE_PIXELS=10_000)
def test_pixel_limit_is_configurable(tmp_path):
    assert "over the limit of" in failure(tmp_path, "big.png", png_bytes(200, 100))


@override_settings(DAM_MAX_FILE_BYTES=500)
def test_oversized_file(tmp_path, make_jpeg):
    data = make_jpeg("large.jpg", seed=501).read_bytes()
    assert len(data) > 500
    assert "larger than the limit" in failure(tmp_path, "too-big.jpg", data)


def test_excessive_declared_tag_size(tmp_path):
    # An ID3 header claiming a 256 MB tag in front of a few bytes.
    id3 = b"ID3\x04\x00\x00" + bytes([0x7F, 0x7F, 0x7F, 0x7F]) + b"TIT2" + b"\x7f\xff\xff\xff" + b"\x00" * 64
    error = failure(tmp_path, "huge-tag.mp3", id3)
    assert "MP3 audio" in error


def test_chunk_declaring_more_bytes_than_the_file_has(tmp_path):
    data = png_bytes()
    ihdr_end = 8 + 25
    hostile = data[:ihdr_end] + png_chunk(b"iTXt", b"x" * 16, declared_length=0x7FFFFFF0) + data[ihdr_end:]
    asset = kept_without_pixels(tmp_path, "huge-chunk.png", hostile)  # its header read, nothing allocated
    assert any("PNG image" in warning for warning in asset.warnings)


def test_mislabelled_but_valid_file_is_ingested_with_a_warning(tmp_path):
    path = tmp_path / "really-a-png.jpg"
    path.write_bytes(png_bytes())
    [result] = ingest_paths([path])
    assert result.status == "created"
    asset = Asset.objects.get(pk=result.asset_id)
    assert asset.mime_type == "image/png" and asset.current_version.storage_name.endswith(".png")
    assert asset.warnings == [
        "the name 'really-a-png.jpg' claims JPEG image, but the content is PNG image; dam uses the content"
    ]


def test_one_bad_file_among_a_thousand_good_ones(tmp_path, make_jpeg):
    folder = tmp_path / "shoot"
    for index in range(1000):
        make_jpeg(f"img-{index:04d}.jpg", seed=index, folder=folder)
    (folder / "img-0500-broken.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 40)
    results = list(ingest_paths([tmp_path], batch_size=128))
    statuses = [r.status for r in results]
    # Seeds repeat their colours every so often, so some "different" files have the same bytes.
    assert statuses.count("failed") == 1 and len(results) == 1001
    assert statuses.count("created") + statuses.count("exists") == 1000
    assert Asset.objects.count() == statuses.count("created") == FileVersion.objects.count()


@pytest.mark.parametrize(
    "raw_name",
    [
        b"../../../etc/passwd.jpg",
        b"/absolute/path/photo.jpg",
        b"caf\xe9-latin1.jpg",  # not UTF-8
        b"nul\x00byte.jpg",
        b"line\nbreak.jpg",
        b"a" * 5000 + b".jpg",
    ],
)
def test_hostile_names_are_stored_safely_and_never_decide_a_path(make_jpeg, raw_name):
    path = make_jpeg("real.jpg", seed=600)
    name = safe_name(raw_name)
    [result] = ingest_sources([IngestSource(name=name, label=name, open=lambda: path.open("rb"))])
    assert result.status == "created"
    asset = Asset.objects.get(pk=result.asset_id)
    stored_name = asset.original_names.get().name
    assert "\x00" not in stored_name and "\n" not in stored_name and len(stored_name) <= 1024
    sha = asset.original_sha256
    assert asset.current_version.storage_name == f"files/{sha[:2]}/{sha[2:4]}/{sha}.jpg"


def test_names_keep_their_readable_parts():
    assert safe_name(b"caf\xc3\xa9.jpg") == "café.jpg"
    assert safe_name(b"caf\xe9.jpg") == "caf\\xe9.jpg"
    assert safe_name(b"nul\x00byte.jpg") == "nul\\x00byte.jpg"
    assert safe_name("../x.jpg") == "../x.jpg"  # kept as text: it is only ever metadata


def test_nul_characters_in_tags_do_not_break_the_insert(tmp_path):
    import numpy
    import soundfile
    from mutagen.flac import FLAC

    path = tmp_path / "nul.flac"
    soundfile.write(path, numpy.zeros(4410, dtype="int16"), 44100)
    audio = FLAC(path)
    audio["title"] = "Night\x00Shift"
    audio.save()
    [result] = ingest_paths([path])
    assert result.status == "created", result.error
    assert Asset.objects.get(pk=result.asset_id).title == "NightShift"


def test_staged_copies_left_by_a_killed_process_are_swept(make_jpeg, monkeypatch):
    import os
    import time as clock

    from django.conf import settings

    from assets import ingest

    staging = settings.DAM_STAGING_DIR
    stale, fresh = staging / "left-by-a-killed-worker.jpg", staging / "another-worker-is-using-this.jpg"
    stale.write_bytes(b"x")
    fresh.write_bytes(b"y")
    two_days_ago = clock.time() - 2 * 24 * 3600
    os.utime(stale, (two_days_ago, two_days_ago))
    monkeypatch.setattr(ingest, "_last_sweep", 0.0)
    [result] = ingest_paths([make_jpeg("after-a-crash.jpg", seed=900)])
    assert result.status == "created"
    assert not stale.exists() and fresh.exists()
    fresh.unlink()
