"""What a new file version needs: everything for an ingest; for a write-back (only tags changed)
the vectors, transcripts and thumbnail stay on versions that exist and are right, and only the
metadata text is embedded again."""

import io

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from assets.editing import asset_metadata_update, metadata_writeback
from assets.ingest import ingest_paths
from assets.models import Asset, FileVersion
from assets.storage.thumbnails import thumbnail_render
from assets.tasks import metadata_writeback_task, thumbnail_render_task
from embeddings.models import Embedding, TranscriptSegment
from embeddings.registry import model_version_register, role_activate
from embeddings.storage import VectorRow, vectors_upsert
from embeddings.tasks import embed_task
from tests.conftest import FIXTURES_DIR

pytestmark = pytest.mark.django_db
DIMENSION = 4


@pytest.fixture
def version_for(tmp_path):
    """A registered model version (no encoder is run: vectors are written by the test)."""

    def make(name: str):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "model.safetensors").write_bytes(f"weights of {name}".encode())
        spec = {
            "family": "text",
            "name": name,
            "source_kind": "directory",
            "source": str(folder),
            "dimension": DIMENSION,
            "modalities": ["text"],
            "preprocessing": {},
        }
        return model_version_register(spec)[0]

    return make


@pytest.fixture
def queued(monkeypatch):
    """What would be sent to the workers: embed tasks and thumbnails (write-backs run here)."""
    sent = {"embed": [], "thumbnail": []}
    monkeypatch.setattr(embed_task, "delay", lambda *args: sent["embed"].append(args))
    monkeypatch.setattr(thumbnail_render_task, "delay", lambda version_id: sent["thumbnail"].append(version_id))
    monkeypatch.setattr(metadata_writeback_task, "delay", lambda change_id: None)
    return sent


def edit_and_write_back(asset, librarian, capture, queued) -> FileVersion:
    with capture(execute=True):
        change = asset_metadata_update(asset, {"title": "Retitled"}, librarian, "admin")
    queued["embed"].clear()  # (the edit's own asset_text embedding)
    with capture(execute=True):
        assert metadata_writeback(change.pk).status == "written"
    return Asset.objects.get(pk=asset.pk).current_version


def test_an_image_write_back_keeps_its_vectors_and_gets_a_correct_thumbnail(
    librarian, version_for, queued, django_capture_on_commit_callbacks
):
    [result] = ingest_paths([FIXTURES_DIR / "images" / "sample.jpg"])
    asset = Asset.objects.get(pk=result.asset_id)
    original = asset.current_version
    image, text = version_for("tiny-image"), version_for("tiny-text")
    role_activate("image", image)
    role_activate("asset_text", text)
    vectors_upsert(image, [VectorRow(asset.pk, original.pk, [1.0, 0.0, 0.0, 0.0])])
    vectors_upsert(text, [VectorRow(asset.pk, original.pk, [0.0, 1.0, 0.0, 0.0], text=asset.title)])
    thumbnail_render(original.pk)

    new = edit_and_write_back(asset, librarian, django_capture_on_commit_callbacks, queued)

    assert (new.number, new.origin) == (2, FileVersion.Origin.WRITEBACK)
    # Pixels did not change: the image vector is the same one, now on the new version; only the
    # metadata text is embedded again (from the new version, by the worker).
    assert queued["embed"] == [("asset_text", [asset.pk], None)]
    vectors = {row.model_version_id: row for row in Embedding.objects.filter(asset=asset)}
    assert {row.file_version_id for row in vectors.values()} == {new.pk}
    assert list(vectors[image.pk].embedding) == [1.0, 0.0, 0.0, 0.0]
    assert FileVersion.objects.filter(pk=original.pk).exists()  # every version is kept
    # The new version's thumbnail is made (as the worker would) from its own file: the same picture.
    assert queued["thumbnail"] == [new.pk]
    thumbnail_render(new.pk)
    original.refresh_from_db()
    new.refresh_from_db()
    assert new.thumbnail_name and new.thumbnail_name != original.thumbnail_name
    pictures = []
    for name in (original.thumbnail_name, new.thumbnail_name):
        with default_storage.open(name) as handle:
            pictures.append(Image.open(io.BytesIO(handle.read())).convert("RGB").tobytes())
    assert pictures[0] == pictures[1]


def test_an_audio_write_back_keeps_its_sound_vectors_and_transcript(
    librarian, version_for, queued, django_capture_on_commit_callbacks
):
    [result] = ingest_paths([FIXTURES_DIR / "audio" / "tone.flac"])
    asset = Asset.objects.get(pk=result.asset_id)
    original = asset.current_version
    audio, asr, transcript = version_for("tiny-audio"), version_for("tiny-asr"), version_for("tiny-transcript")
    for role, version in (("audio", audio), ("asr", asr), ("transcript", transcript)):
        role_activate(role, version)
    vectors_upsert(
        audio,
        [
            VectorRow(asset.pk, original.pk, [1.0, 0.0, 0.0, 0.0], 0, 1000),
            VectorRow(asset.pk, original.pk, [0.0, 1.0, 0.0, 0.0], 1000, 2000),
        ],
    )
    TranscriptSegment.objects.create(
        asset=asset, file_version=original, model_version=asr, start_ms=0, end_ms=900, text="a tone"
    )
    vectors_upsert(transcript, [VectorRow(asset.pk, original.pk, [0.0, 0.0, 1.0, 0.0], 0, 900, "a tone")])

    new = edit_and_write_back(asset, librarian, django_capture_on_commit_callbacks, queued)

    assert new.number == 2 and queued["embed"] == []  # (no asset_text role here: nothing to embed)
    assert set(Embedding.objects.filter(asset=asset).values_list("file_version_id", flat=True)) == {new.pk}
    assert Embedding.objects.filter(asset=asset, model_version=audio).count() == 2
    # The transcript is the new version's too (what the transcript role reads), and the old stays.
    for version in (original, new):
        segments = TranscriptSegment.objects.filter(file_version=version, model_version=asr)
        assert list(segments.values_list("start_ms", "end_ms", "text")) == [(0, 900, "a tone")]


def test_an_ingested_version_gets_every_role_of_its_kind(version_for, queued, django_capture_on_commit_callbacks):
    image, text = version_for("tiny-image"), version_for("tiny-text")
    role_activate("image", image)
    role_activate("asset_text", text)
    with django_capture_on_commit_callbacks(execute=True):
        [result] = ingest_paths([FIXTURES_DIR / "images" / "sample.jpg"])
    assert sorted(role for role, _, _ in queued["embed"]) == ["asset_text", "image"]
    assert queued["thumbnail"] == [Asset.objects.get(pk=result.asset_id).current_version_id]
