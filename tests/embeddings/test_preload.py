"""Web and worker processes load the active roles' models at start-up, not on the first request."""

import os
import subprocess
import sys

import pytest
from django.db import connection

from dam.runtime import database_url
from embeddings.defaults import default_models_register
from embeddings.encoders import loading
from tests.conftest import PROJECT_DIR, worker_start

pytestmark = pytest.mark.django_db(transaction=True)


def test_preloading_loads_every_active_role_once(caplog, monkeypatch):
    monkeypatch.setattr(loading, "_loaded", {})
    default_models_register()
    with caplog.at_level("INFO", logger="embeddings.encoders.loading"):
        loaded = loading.encoders_preload()
    assert [each.split(" ")[0] for each in loaded] == ["asr", "asset_text", "transcript"]
    assert len(loading._loaded) == 3
    assert "models ready: asr" in caplog.text
    first = dict(loading._loaded)
    loading.encoders_preload()
    assert loading._loaded == first  # the same objects: nothing loaded twice


def test_preloading_calibrates_a_floor_that_is_due_so_no_search_waits_for_it(caplog, monkeypatch):
    from assets.models import Asset, FileVersion
    from embeddings.models import ModelVersion, Role
    from embeddings.pipeline import embed_assets

    monkeypatch.setattr(loading, "_loaded", {})
    default_models_register()
    ids = []
    for number in range(24):
        identifier = f"{number:032x}"
        asset = Asset.objects.create(
            id=identifier, kind="image", original_sha256=identifier * 2, title=f"harbour {number}"
        )
        asset.current_version = FileVersion.objects.create(
            asset=asset, number=1, sha256=identifier * 2, size=1, mime_type="image/jpeg", storage_name=identifier
        )
        asset.save()
        ids.append(identifier)
    embed_assets("asset_text", ids)
    version = Role.objects.get(name="asset_text").model_version
    ModelVersion.objects.filter(pk=version.pk).update(relevance_floor=None, relevance_floor_segments=0)
    from embeddings.preload import models_preload

    with caplog.at_level("INFO", logger="embeddings.calibration"):
        models_preload()
    version.refresh_from_db()
    assert version.relevance_floor is not None and version.relevance_floor_segments == 24
    assert f"model version {version.pk}: relevance floor" in caplog.text


def test_a_role_whose_model_cannot_load_is_named_and_skipped(caplog, monkeypatch):
    from embeddings.models import ModelVersion, Role

    monkeypatch.setattr(loading, "_loaded", {})
    default_models_register()
    ModelVersion.objects.filter(pk=Role.objects.get(name="asr").model_version_id).update(weights_sha256="0" * 64)
    with caplog.at_level("INFO", logger="embeddings.encoders.loading"):
        loaded = loading.encoders_preload()
    assert [each.split(" ")[0] for each in loaded] == ["asset_text", "transcript"]
    assert "the asr model is not loaded" in caplog.text and "they changed" in caplog.text


def test_the_web_application_is_ready_with_its_models_loaded():
    default_models_register()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(connection),
        "DAM_PRELOAD_MODELS": "true",
        "DAM_LOG_LEVEL": "INFO",
    }
    probe = "import dam.wsgi; from embeddings.encoders import loading; print('loaded', len(loading._loaded))"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr
    assert "loaded 3" in done.stdout
    assert "models ready: asr" in done.stderr


@pytest.mark.worker
def test_a_worker_process_loads_its_models_before_it_is_ready(tmp_path):
    default_models_register()
    worker = worker_start(tmp_path, "preload", {"DAM_PRELOAD_MODELS": "true"})
    try:
        log = worker.log()
        assert "models ready: asr" in log
        assert log.index("models ready") < log.index(" ready.", log.index("models ready") + 13)
    finally:
        worker.stop()
