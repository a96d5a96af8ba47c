"""Tasks run in a real Celery worker process, fed by the real broker."""

import pytest

from assets.ingest import ingest_paths
from assets.models import Asset, FileVersion
from assets.tasks import ingest_path_task
from tests.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_ingest_enqueues_a_thumbnail_that_the_worker_renders(celery_worker, make_jpeg):
    from django.conf import settings

    [result] = ingest_paths([make_jpeg("worker.jpg", seed=400)])
    version = Asset.objects.get(pk=result.asset_id).current_version
    key = wait_for(
        lambda: FileVersion.objects.get(pk=version.pk).thumbnail_name,
        timeout=60,
        message="the worker to render the thumbnail",
    )
    assert key == f"thumbnails/{version.sha256[:2]}/{version.sha256[2:4]}/{version.sha256}.jpg"
    assert (settings.DAM_MEDIA_DIR / key).read_bytes()[:3] == b"\xff\xd8\xff"
    assert "thumbnail_render_task" in celery_worker.log() and "succeeded" in celery_worker.log()


def test_the_worker_ingests_a_file_by_path(celery_worker, make_jpeg):
    path = make_jpeg("dropbox.jpg", seed=401, tags={"XMP-dc:Title": "Dropped in"})
    ingest_path_task.delay(str(path))
    asset = wait_for(
        lambda: Asset.objects.filter(title="Dropped in").first(), timeout=60, message="the worker to ingest the file"
    )
    assert asset.original_names.get().name == "dropbox.jpg"
