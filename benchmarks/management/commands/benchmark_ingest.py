"""python manage.py benchmark_ingest: dam's ingest speed next to bare ExifTool, in one run.

Generates N JPEGs with IPTC, XMP, EXIF and GPS metadata, then measures on the same files:

- bare ExifTool: one ``-stay_open`` process reading the files in batches with the same arguments
  dam uses (JSON decoding included, as any consumer must);
- dam's metadata extraction: dam's ExifTool session plus the MWG reconciliation into canonical
  fields (the figure the ratio is about);
- dam's full ingest: staging and hashing, type detection, full decode, metadata, content-addressed
  storage and the database rows, in a transaction rolled back at the end, into a scratch storage
  folder, so the library is left as it was.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import exiftool
from django.conf import settings
from django.core.management.base import BaseCommand
from django.test import override_settings
from PIL import Image, ImageDraw
from tqdm import tqdm

from assets.ingest import ingest_paths
from assets.metadata.exiftool import READ_ARGS, ExifToolSession
from assets.metadata.image import image_metadata
from benchmarks.measuring import figures_json, median_seconds, rolled_back, scratch_storages


class Command(BaseCommand):
    help = "Benchmark ingest against bare ExifTool on generated JPEGs (nothing is kept)."

    def add_arguments(self, parser):
        parser.add_argument("--files", type=int, default=500)
        parser.add_argument("--rounds", type=int, default=3, help="repetitions; the median is reported")
        parser.add_argument("--batch-size", type=int, default=None)
        parser.add_argument("--size", type=int, default=640, help="image width in pixels")
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")

    def handle(self, *args, files: int, rounds: int, batch_size, size: int, json: bool, **options):
        batch_size = batch_size or settings.DAM_INGEST_BATCH_SIZE
        with tempfile.TemporaryDirectory(prefix="dam-bench-") as scratch:
            scratch = Path(scratch)
            paths = _generate(scratch / "images", files, size)
            batches = [paths[i : i + batch_size] for i in range(0, len(paths), batch_size)]
            bare = median_seconds(rounds, lambda: _bare_exiftool(batches))
            extraction = median_seconds(rounds, lambda: _dam_extraction(batches))
            ingest = median_seconds(rounds, lambda: _dam_ingest(scratch, paths, batch_size))
        figures = {
            "files": files,
            "batch_size": batch_size,
            "rounds": rounds,
            "image_width": size,
            "bare_exiftool_files_per_second": files / bare,
            "dam_extraction_files_per_second": files / extraction,
            "dam_ingest_files_per_second": files / ingest,
            "extraction_ratio": bare / extraction,
            "ingest_ratio": bare / ingest,
        }
        if json:
            self.stdout.write(figures_json(figures))
            return
        self.stdout.write(
            f"{files} JPEGs ({size}px wide, IPTC+XMP+EXIF+GPS), batches of {batch_size}, median of {rounds} rounds\n"
            f"  bare exiftool -stay_open              {figures['bare_exiftool_files_per_second']:8.1f} files/s   "
            "1.00x\n"
            f"  dam metadata extraction               {figures['dam_extraction_files_per_second']:8.1f} files/s   "
            f"{figures['extraction_ratio']:.2f}x\n"
            f"  dam full ingest (decode, store, rows) {figures['dam_ingest_files_per_second']:8.1f} files/s   "
            f"{figures['ingest_ratio']:.2f}x\n"
        )


def _generate(folder: Path, count: int, width: int) -> list[Path]:
    folder.mkdir(parents=True)
    height = width * 3 // 4
    paths = []
    writer = exiftool.ExifTool(executable=settings.DAM_EXIFTOOL, common_args=[], encoding="utf-8")
    writer.run()
    try:
        for index in tqdm(range(count), desc="generating", unit="file", file=sys.stderr):
            path = folder / f"bench-{index:05d}.jpg"
            image = Image.new("RGB", (width, height), (index % 256, (index * 7) % 256, (index * 13) % 256))
            draw = ImageDraw.Draw(image)
            for step in range(8):
                x = (index * 31 + step * 57) % width
                draw.ellipse(
                    [x, step * height // 8, x + width // 6, step * height // 8 + height // 6],
                    fill=((step * 40) % 256, 255 - (step * 30) % 256, (index * 3) % 256),
                )
            image.save(path, "JPEG", quality=85)
            writer.execute(
                "-overwrite_original",
                "-charset",
                "iptc=UTF8",
                "-codedcharacterset=utf8",
                f"-XMP-dc:Title=Benchmark picture {index}",
                f"-IPTC:ObjectName=Benchmark picture {index}",
                f"-XMP-dc:Description=Generated picture number {index} for the ingest benchmark",
                f"-IPTC:Caption-Abstract=Generated picture number {index} for the ingest benchmark",
                "-IPTC:Keywords=benchmark",
                "-IPTC:Keywords=generated",
                "-XMP-dc:Subject=benchmark",
                "-XMP-dc:Subject=generated",
                "-XMP-dc:Creator=dam benchmark",
                "-IPTC:By-line=dam benchmark",
                "-IFD0:Copyright=CC0",
                "-XMP-dc:Rights=CC0",
                "-IPTC:City=Zürich",
                "-XMP-photoshop:City=Zürich",
                f"-GPSLatitude={47 + index % 100 / 1000}",
                "-GPSLatitudeRef=N",
                "-GPSLongitude=8.54",
                "-GPSLongitudeRef=E",
                "-ExifIFD:DateTimeOriginal=2024:05:17 14:30:00",
                str(path),
            )
            paths.append(path)
    finally:
        writer.terminate()
    return paths


def _bare_exiftool(batches: list[list[Path]]) -> float:
    process = exiftool.ExifTool(executable=settings.DAM_EXIFTOOL, common_args=[], encoding="utf-8")
    process.run()
    try:
        started = time.perf_counter()
        for batch in batches:
            json.loads(process.execute(*READ_ARGS, *[str(p) for p in batch]))
        return time.perf_counter() - started
    finally:
        process.terminate()


def _dam_extraction(batches: list[list[Path]]) -> float:
    session = ExifToolSession(settings.DAM_EXIFTOOL)
    session.read(batches[0][:1])  # started outside the clock, like the bare process
    try:
        started = time.perf_counter()
        for batch in batches:
            for tags in session.read(batch).values():
                image_metadata(tags)
        return time.perf_counter() - started
    finally:
        session.close()


def _dam_ingest(scratch: Path, paths: list[Path], batch_size: int) -> float:
    elapsed = 0.0
    with override_settings(STORAGES=scratch_storages(scratch / "storage"), DAM_STAGING_DIR=scratch / "staging"):
        with rolled_back():
            started = time.perf_counter()
            results = list(ingest_paths(paths, batch_size=batch_size))
            elapsed = time.perf_counter() - started
            failed = [r for r in results if r.status != "created"]
            if failed:
                raise RuntimeError(f"benchmark files were not created: {failed[:3]}")
    shutil.rmtree(scratch / "storage", ignore_errors=True)
    return elapsed
