"""Big pictures are decoded within a memory budget (assets/decoding/budget.py): the peak memory of the
process that uploads a picture and serves its thumbnail and content stays under 1 GB, whether the
picture is accepted (a huge JPEG decodes at 1/8 scale; a PNG just under the budget decodes once at a
time) or refused with the reason (a 14,100 × 14,100 RGBA PNG of a few MB would take 795 MB)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from django.db import connection

from dam.runtime import database_url
from tests.conftest import PROJECT_DIR

PEAK_LIMIT_BYTES = 1024**3

MAKE = textwrap.dedent(
    """
    import sys
    from PIL import Image, ImageDraw
    kind, width, height, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    mode = {"png-rgba": "RGBA", "png-rgb": "RGB", "jpeg": "RGB"}[kind]
    image = Image.new(mode, (width, height), (20, 60, 120, 0)[: len(mode)])
    draw = ImageDraw.Draw(image)
    for step in range(0, min(width, height) // 2, max(1, min(width, height) // 20)):
        draw.rectangle([step, step, step + width // 10, step + height // 10], fill=(250, 200, 40, 255)[: len(mode)])
    # The fastest zlib level: these pictures are mostly flat colour, so still a few MB, made in half the time.
    options = {"quality": 70} if kind == "jpeg" else {"compress_level": 1}
    image.save(path, "JPEG" if kind == "jpeg" else "PNG", **options)
    """
)

PEAK_RSS = textwrap.dedent(
    """
    import json, sys
    import django
    django.setup()

    def peak_rss():
        # VmHWM belongs to this program's own memory map. getrusage's ru_maxrss would not do: Linux
        # carries the forking parent's high-water mark across exec, so a test process that has
        # loaded models would show its own size here.
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        raise RuntimeError("no VmHWM in /proc/self/status")
    """
)

MEASURE = PEAK_RSS + textwrap.dedent(
    """

    from django.test import Client
    path, token = sys.argv[1], sys.argv[2]
    client = Client(SERVER_NAME="localhost", HTTP_AUTHORIZATION=f"Token {token}")
    client.get("/healthz")
    before = peak_rss()
    with open(path, "rb") as handle:
        response = client.post("/api/assets/", {"file": handle})
    result = {"upload": response.status_code, "body": response.json(), "before": before}
    if response.status_code == 201:
        asset_id = response.json()["asset"]["id"]
        for what in ("thumbnail", "content"):
            served = client.get(f"/api/assets/{asset_id}/{what}/")
            size = sum(len(chunk) for chunk in served.streaming_content) if served.streaming else len(served.content)
            result[what] = [served.status_code, size]
    result["peak"] = peak_rss()
    print(json.dumps(result))
    """
)


def _child_json(script: str, arguments: list[str], env: dict) -> dict:
    """Run ``script`` in a fresh Python (its memory its own) and return the JSON of its last line."""
    done = subprocess.run(
        [sys.executable, "-c", script, *arguments],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def big_pictures(tmp_path_factory):
    folder = tmp_path_factory.mktemp("big-pictures")
    pictures = {}
    for kind, width, height in (("png-rgba", 14_100, 14_100), ("jpeg", 12_000, 12_000), ("png-rgb", 11_000, 11_000)):
        path = folder / f"{kind}.{'jpg' if kind == 'jpeg' else 'png'}"
        subprocess.run([sys.executable, "-c", MAKE, kind, str(width), str(height), str(path)], check=True, timeout=300)
        pictures[kind] = path
    return pictures


@pytest.fixture
def measure(transactional_db, django_user_model):
    from rest_framework.authtoken.models import Token

    user = django_user_model.objects.create_user(username="memory", password="x")
    token = Token.objects.create(user=user).key
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "DATABASE_URL": database_url(connection)}

    def run(path) -> dict:
        result = _child_json(MEASURE, [str(path), token], env)
        print(f"{path.name}: peak RSS {result['peak'] / 1e6:.0f} MB (after start-up {result['before'] / 1e6:.0f} MB)")
        return result

    return run


def test_a_huge_rgba_png_is_refused_with_the_reason_within_the_budget(big_pictures, measure):
    result = measure(big_pictures["png-rgba"])
    assert result["upload"] == 422, result
    error = result["body"]["error"]
    assert "14,100×14,100 RGBA" in error and "795 MB" in error and "DAM_MAX_IMAGE_DECODE_BYTES" in error
    assert result["peak"] < PEAK_LIMIT_BYTES


def test_a_huge_jpeg_is_accepted_and_served_at_a_fraction_of_its_pixels_memory(big_pictures, measure):
    # 144 megapixels: 576 MB decoded at full size, over the budget; accepted because dam decodes
    # JPEGs at 1/8 scale to check them and for thumbnails.
    result = measure(big_pictures["jpeg"])
    assert result["upload"] == 201, result
    assert result["thumbnail"][0] == 200 and result["thumbnail"][1] > 0
    assert result["content"][0] == 200 and result["content"][1] > 0
    assert result["peak"] - result["before"] < 200 * 1024**2  # nowhere near the 576 MB of a full decode
    assert result["peak"] < PEAK_LIMIT_BYTES


def test_a_png_just_under_the_budget_is_accepted_and_served_under_1_gb(big_pictures, measure):
    result = measure(big_pictures["png-rgb"])  # 11,000 × 11,000 RGB: 484 MB decoded
    assert result["upload"] == 201, result
    assert result["thumbnail"][0] == 200 and result["content"][0] == 200
    assert result["peak"] < PEAK_LIMIT_BYTES


MAKE_SENSOR_DNG = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, "fixtures")
    from PIL import Image, ImageDraw
    import make_raw
    width, height, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    picture = Image.new("RGB", (width, height), (250, 90, 160))
    ImageDraw.Draw(picture).rectangle([width // 4, height // 4, width // 2, height // 2], fill=(240, 200, 40))
    with open(path, "wb") as handle:
        handle.write(make_raw.sensor_dng_bytes(picture, "dam", "Memory Tester"))
    """
)

MEASURE_RAW = PEAK_RSS + textwrap.dedent(
    """
    from pathlib import Path
    import rawpy  # loaded first: the budget counts pixels, not the library's code
    from assets.decoding.budget import raw_decode_bytes
    from assets.decoding.pictures import picture_decode
    from assets.detection import FORMATS

    path, width, height = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    before = peak_rss()
    picture = picture_decode(path, FORMATS["dng"])
    print(json.dumps({"size": list(picture.image.size), "source": picture.source, "growth": peak_rss() - before,
                      "estimate": raw_decode_bytes(width, height, width, height)}))
    """
)


def test_developing_raw_sensor_data_takes_no_more_memory_than_the_budget_counts(tmp_path):
    # 4000 × 3000 16-bit sensor data (a 12-megapixel camera, 24 MB) developed at half size by
    # LibRaw: what budget.raw_decode_bytes counts (about 69 MB) must not be below what it takes.
    path = tmp_path / "big-sensor.dng"
    subprocess.run(
        [sys.executable, "-c", MAKE_SENSOR_DNG, "4000", "3000", str(path)], cwd=PROJECT_DIR, check=True, timeout=300
    )
    result = _child_json(
        MEASURE_RAW, [str(path), "4000", "3000"], {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    )
    print(f"big-sensor.dng: grew {result['growth'] / 1e6:.0f} MB, budget counts {result['estimate'] / 1e6:.0f} MB")
    assert result["size"] == [2000, 1500] and "LibRaw" in result["source"]
    assert result["growth"] <= result["estimate"]
