"""Reduced decoding (assets/decoding/budget.py): JPEGs decode at a fraction of their size, every picture is
reduced by a whole factor but never below the shorter side asked for, and a decode over the
budget is refused before any pixel is decoded."""

from __future__ import annotations

import pytest
from django.test import override_settings
from PIL import Image

from assets.decoding import DecodeBudgetExceeded, decode_bytes, image_load_reduced


def picture(tmp_path, name: str, size: tuple[int, int], mode: str = "RGB"):
    path = tmp_path / name
    Image.new(mode, size, (10, 120, 200, 255)[: len(mode)]).save(path)
    return path


def test_a_big_jpeg_decodes_at_a_fraction_and_keeps_the_shorter_side(tmp_path):
    with Image.open(picture(tmp_path, "big.jpg", (4800, 3600))) as image:
        reduced = image_load_reduced(image, 1024)
        assert image.size == (2400, 1800)  # DCT scaling: half of each side decoded
        assert decode_bytes(image) == 2400 * 1800 * 4
    assert min(reduced.size) >= 1024 and min(reduced.size) < 2048


def test_a_small_picture_is_left_as_it_is(tmp_path):
    with Image.open(picture(tmp_path, "small.png", (1500, 900))) as image:
        assert image_load_reduced(image, 1024) is image
        assert image.size == (1500, 900)


def test_a_png_is_reduced_by_a_whole_factor(tmp_path):
    with Image.open(picture(tmp_path, "wide.png", (6000, 3000))) as image:
        assert image_load_reduced(image, 1024).size == (3000, 1500)  # 3000 // 1024: by 2


@override_settings(DAM_MAX_IMAGE_DECODE_BYTES=10_000_000)
def test_a_decode_over_the_budget_is_refused_with_the_numbers(tmp_path):
    with Image.open(picture(tmp_path, "over.png", (2000, 2000), "RGBA")) as image:
        with pytest.raises(DecodeBudgetExceeded, match=r"2,000×2,000 RGBA pixels would take 16 MB .* limit of 10 MB"):
            image_load_reduced(image, 1024)
        assert image._im is None  # nothing decoded
