"""Camera raw files are embedded from the picture dam shows (their embedded preview, or sensor data
LibRaw develops), and one can be the query of a search by file, decoded once."""

import subprocess

import numpy
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

import assets.decoding.pictures
import assets.validation
from assets.ingest import ingest_paths
from embeddings.models import Embedding
from embeddings.pipeline import embed_assets
from embeddings.search import search_file
from tests.conftest import FIXTURES_DIR

pytest.importorskip("open_clip", reason="the ml extra is not installed")
pytestmark = pytest.mark.django_db

RAW_NAMES = ["camera.nef", "camera.arw", "camera.orf", "camera.rw2", "camera.raf", "camera.cr3", "sensor.dng"]


def vector_of(asset_id, role) -> numpy.ndarray:
    return numpy.array(Embedding.objects.get(asset_id=asset_id, model_version=role.model_version).embedding)


def test_every_raw_type_is_embedded_from_its_picture(image_role, tmp_path):
    ids = [result.asset_id for result in ingest_paths([FIXTURES_DIR / "images" / name for name in RAW_NAMES])]
    assert embed_assets("image", ids) == len(RAW_NAMES)
    # The NEF's vector is its JpgFromRaw's: the same preview ingested as a JPEG embeds the same.
    preview = subprocess.run(
        ["exiftool", "-b", "-JpgFromRaw", str(FIXTURES_DIR / "images" / "camera.nef")], capture_output=True, check=True
    ).stdout
    (tmp_path / "preview.jpg").write_bytes(preview)
    [jpeg] = [result.asset_id for result in ingest_paths([tmp_path / "preview.jpg"])]
    embed_assets("image", [jpeg])
    assert numpy.allclose(vector_of(ids[0], image_role), vector_of(jpeg, image_role), atol=1e-5)
    # ...and the other makers' differently coloured previews embed differently.
    assert not numpy.allclose(vector_of(ids[0], image_role), vector_of(ids[1], image_role), atol=1e-3)


@pytest.mark.parametrize("name", ["camera.nef", "sensor.dng", "sample.jpg"])
def test_search_by_a_file_decodes_it_once_and_finds_the_same_picture(image_role, librarian, monkeypatch, name):
    [asset_id] = [result.asset_id for result in ingest_paths([FIXTURES_DIR / "images" / name])]
    embed_assets("image", [asset_id])
    decodes = []
    real_decode = assets.validation.picture_decode

    def counted(*args, **kwargs):
        decodes.append(args[0])
        return real_decode(*args, **kwargs)

    # Counted under both names callers reach it by: ingest's check and the decoding module.
    monkeypatch.setattr(assets.validation, "picture_decode", counted)
    monkeypatch.setattr(assets.decoding.pictures, "picture_decode", counted)
    upload = SimpleUploadedFile(name, (FIXTURES_DIR / "images" / name).read_bytes())
    results = search_file(librarian, upload, k=5)
    assert len(decodes) == 1
    assert results and results[0].asset_id == asset_id
