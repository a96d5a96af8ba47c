"""python manage.py benchmark_embed: dam's embedding pipeline next to a bare forward pass, in one run.

Real-size architectures with random weights (the compute is the same as with trained ones):

- images: OpenCLIP ViT-B-32. dam's pipeline (read the stored file, decode, EXIF orientation,
  preprocess, encode, write the vectors) against a bare loop over the same files (decode,
  preprocess, ``encode_image``), both in batches of the same size;
- audio (``--audio``): CLAP with the laion/clap-htsat-unfused architecture on 10 s windows, dam's
  pipeline against a bare loop (decode, window, feature extraction, ``get_audio_features``).

Everything is made in a scratch folder and a transaction that is rolled back: nothing is kept.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy
from django.conf import settings
from django.core.management.base import BaseCommand
from django.test import override_settings
from PIL import Image, ImageDraw

from benchmarks.measuring import figures_json, median_seconds, rolled_back


class Command(BaseCommand):
    help = "Benchmark image (and audio) embedding through dam against a bare forward pass (nothing is kept)."

    def add_arguments(self, parser):
        parser.add_argument("--images", type=int, default=64)
        parser.add_argument("--audio", type=int, default=0, help="number of 30 s recordings for the CLAP figure")
        parser.add_argument("--rounds", type=int, default=3)
        parser.add_argument("--threads", type=int, default=2)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, images: int, audio: int, rounds: int, threads: int, json: bool, **options):
        import torch

        torch.set_num_threads(threads)
        figures = {"threads": threads, "rounds": rounds}
        with tempfile.TemporaryDirectory(prefix="dam-bench-embed-") as scratch:
            scratch = Path(scratch)
            storage = {
                "default": {
                    "BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": str(scratch / "storage")},
                },
                "staticfiles": settings.STORAGES["staticfiles"],
            }
            with override_settings(STORAGES=storage, DAM_STAGING_DIR=scratch / "staging", DAM_EMBED_BATCH_SIZE=16):
                with rolled_back():
                    figures.update(_images(scratch, images, rounds))
                    if audio:
                        figures.update(_audio(scratch, audio, rounds))
        if json:
            self.stdout.write(figures_json(figures))
            return
        self.stdout.write(
            f"ViT-B-32, {images} images, {threads} threads, median of {rounds}\n"
            f"  bare open_clip forward   {figures['image_bare_per_second']:7.2f} images/s   1.00x\n"
            f"  dam pipeline             {figures['image_dam_per_second']:7.2f} images/s   "
            f"{figures['image_ratio']:.2f}x\n"
        )
        if audio:
            self.stdout.write(
                f"CLAP (htsat-unfused), {figures['audio_windows']} windows of 10 s\n"
                f"  bare CLAP forward        {figures['audio_bare_per_second']:7.2f} windows/s   1.00x\n"
                f"  dam pipeline             {figures['audio_dam_per_second']:7.2f} windows/s   "
                f"{figures['audio_ratio']:.2f}x\n"
            )


def _images(scratch: Path, count: int, rounds: int) -> dict:
    import open_clip
    import torch

    from assets.ingest import ingest_paths
    from embeddings.pipeline import embed_assets
    from embeddings.registry import model_version_register, role_activate

    folder = scratch / "vit-b-32"
    folder.mkdir()
    torch.manual_seed(0)
    model, _, preprocess = open_clip.create_model_and_transforms("ViT-B-32")
    torch.save({"state_dict": model.state_dict()}, folder / "open_clip_model.pt")
    version, _ = model_version_register(
        {
            "family": "open_clip",
            "name": "ViT-B-32",
            "source_kind": "directory",
            "source": str(folder),
            "dimension": 512,
            "modalities": ["image", "text"],
            "preprocessing": {"image_size": 224, "benchmark": True},
        }
    )
    role_activate("image", version)
    paths = []
    for index in range(count):
        path = scratch / f"picture-{index:04d}.jpg"
        image = Image.new("RGB", (1024, 768), (index * 7 % 256, index * 13 % 256, 90))
        ImageDraw.Draw(image).ellipse([index % 400, 100, index % 400 + 300, 500], fill=(250, 240, 20))
        image.save(path, quality=88)
        paths.append(path)
    ids = [r.asset_id for r in ingest_paths(paths)]
    model.eval()
    batch = settings.DAM_EMBED_BATCH_SIZE

    def bare() -> float:
        started = time.perf_counter()
        for start in range(0, len(paths), batch):
            tensors = []
            for path in paths[start : start + batch]:
                with Image.open(path) as image:
                    tensors.append(preprocess(image.convert("RGB")))
            with torch.no_grad():
                model.encode_image(torch.stack(tensors))
        return time.perf_counter() - started

    def dam() -> float:
        started = time.perf_counter()
        embed_assets("image", ids)
        return time.perf_counter() - started

    print("timing ViT-B-32…", file=sys.stderr)
    bare_seconds, dam_seconds = median_seconds(rounds, bare), median_seconds(rounds, dam)
    return {
        "images": count,
        "image_bare_per_second": count / bare_seconds,
        "image_dam_per_second": count / dam_seconds,
        "image_ratio": bare_seconds / dam_seconds,
    }


def _audio(scratch: Path, count: int, rounds: int) -> dict:
    import soundfile
    import torch
    from tokenizers import ByteLevelBPETokenizer
    from transformers import ClapConfig, ClapFeatureExtractor, ClapModel, ClapProcessor, RobertaTokenizerFast

    from assets.ingest import ingest_paths
    from embeddings.audio import audio_decode, audio_windows
    from embeddings.pipeline import embed_assets
    from embeddings.registry import model_version_register, role_activate

    folder = scratch / "clap"
    folder.mkdir()
    trainer = ByteLevelBPETokenizer()
    trainer.train_from_iterator(
        ["the sound of rain", "a dog barking"] * 20,
        vocab_size=300,
        min_frequency=1,
        special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
    )
    trainer.save_model(str(folder))
    torch.manual_seed(0)
    model = ClapModel(ClapConfig()).eval()  # the laion/clap-htsat-unfused architecture
    model.save_pretrained(folder)
    extractor = ClapFeatureExtractor(truncation="rand_trunc", padding="repeatpad")
    ClapProcessor(
        feature_extractor=extractor, tokenizer=RobertaTokenizerFast.from_pretrained(str(folder))
    ).save_pretrained(folder)
    version, _ = model_version_register(
        {
            "family": "clap",
            "name": "clap-htsat-unfused",
            "source_kind": "directory",
            "source": str(folder),
            "dimension": 512,
            "modalities": ["audio", "text"],
            "preprocessing": {"sample_rate": 48000, "window_s": 10, "hop_s": 5, "benchmark": True},
        }
    )
    role_activate("audio", version)
    paths = []
    rate = 48000
    for index in range(count):
        path = scratch / f"recording-{index}.flac"
        time_axis = numpy.arange(30 * rate) / rate
        soundfile.write(path, (0.2 * numpy.sin(2 * numpy.pi * (200 + 20 * index) * time_axis)).astype("float32"), rate)
        paths.append(path)
    ids = [r.asset_id for r in ingest_paths(paths)]

    def bare() -> float:
        started = time.perf_counter()
        for path in paths:
            windows = audio_windows(audio_decode(path, rate), rate, 10, 5)
            inputs = extractor([w for _, _, w in windows], sampling_rate=rate, return_tensors="pt")
            with torch.no_grad():
                model.get_audio_features(**inputs)
        return time.perf_counter() - started

    def dam() -> float:
        started = time.perf_counter()
        embed_assets("audio", ids)
        return time.perf_counter() - started

    windows = sum(len(audio_windows(numpy.zeros(30 * rate, dtype="float32"), rate, 10, 5)) for _ in paths)
    print("timing CLAP…", file=sys.stderr)
    bare_seconds, dam_seconds = median_seconds(rounds, bare), median_seconds(rounds, dam)
    return {
        "audio_windows": windows,
        "audio_bare_per_second": windows / bare_seconds,
        "audio_dam_per_second": windows / dam_seconds,
        "audio_ratio": bare_seconds / dam_seconds,
    }
