"""Reduced decoding (assets/decoding/budget.py through pictures.picture_decode, which thumbnails,
embeddings and search by file use): JPEGs decode at a fraction of their size, every picture is
reduced by a whole factor but never below the shorter side asked for, and a decode over the
budget is refused before any pixel is decoded."""

from __future__ import annotations

import pytest
from django.test import override_settings
from PIL import Image

from assets.decoding import DecodeBudgetExceeded
from assets.decoding.pictures import picture_decode
from assets.detection import FORMATS


def picture(tmp_path, name: str, size: tuple[int, int], mode: str = "RGB"):
    path = tmp_path / name
    Image.new(mode, size, (10, 120, 200, 255)[: len(mode)]).save(path)
    return path


def test_a_big_jpeg_decodes_at_a_fraction_and_keeps_the_shorter_side(tmp_path):
    decoded = picture_decode(picture(tmp_path, "big.jpg", (4800, 3600)), FORMATS["jpeg"], shortest_side=1024)
    assert decoded.image.size == (2400, 1800)  # DCT scaling: half of each side decoded, no more reduction
    assert decoded.damage is None


def test_a_small_picture_is_left_as_it_is(tmp_path):
    decoded = picture_decode(picture(tmp_path, "small.png", (1500, 900)), FORMATS["png"], shortest_side=1024)
    assert decoded.image.size == (1500, 900)


def test_a_png_is_reduced_by_a_whole_factor(tmp_path):
    decoded = picture_decode(picture(tmp_path, "wide.png", (6000, 3000)), FORMATS["png"], shortest_side=1024)
    assert decoded.image.size == (3000, 1500)  # 3000 // 1024: by 2


@override_settings(DAM_MAX_IMAGE_DECODE_BYTES=10_000_000)
def test_a_decode_over_the_budget_is_refused_with_the_numbers(tmp_path):
    path = picture(tmp_path, "over.png", (2000, 2000), "RGBA")
    with pytest.raises(DecodeBudgetExceeded, match=r"2,000×2,000 RGBA pixels would take 16 MB .* limit of 10 MB"):
        picture_decode(path, FORMATS["png"], shortest_side=1024)
