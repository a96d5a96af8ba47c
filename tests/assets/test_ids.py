"""Asset IDs come from content only, and the same bytes are one asset forever."""

import hashlib
import shutil
import threading

import pytest
from django.db import connection

from assets.ingest import IngestSource, ingest_paths, ingest_sources
from assets.models import Asset, FileVersion, IngestRecord, asset_id_for


@pytest.mark.django_db
def test_asset_id_is_derived_from_the_bytes_not_the_name(make_jpeg):
    path = make_jpeg("holiday.jpg", seed=1)
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    [result] = ingest_paths([path])
    assert result.status == "created"
    assert result.asset_id == sha256[:32] == asset_id_for(sha256)
    asset = Asset.objects.get(pk=result.asset_id)
    assert asset.original_sha256 == sha256
    assert asset.current_version.sha256 == sha256


@pytest.mark.django_db
def test_same_bytes_under_another_name_return_the_existing_asset(make_jpeg, tmp_path):
    first = make_jpeg("IMG_0001.jpg", seed=2)
    elsewhere = tmp_path / "other folder"
    elsewhere.mkdir()
    second = elsewhere / "renamed copy.JPG"
    shutil.copyfile(first, second)

    [created] = ingest_paths([first])
    [again] = ingest_paths([second])

    assert (created.status, again.status) == ("created", "exists")
    assert again.asset_id == created.asset_id
    asset = Asset.objects.get(pk=created.asset_id)
    assert [n.name for n in asset.original_names.all()] == ["IMG_0001.jpg", "renamed copy.JPG"]
    assert Asset.objects.count() == 1 and FileVersion.objects.count() == 1
    assert list(IngestRecord.objects.order_by("id").values_list("status", flat=True)) == ["created", "exists"]


@pytest.mark.django_db
def test_same_bytes_twice_in_one_batch_make_one_asset(make_jpeg, tmp_path):
    path = make_jpeg("a.jpg", seed=3)
    copy = tmp_path / "b.jpg"
    shutil.copyfile(path, copy)
    results = list(ingest_paths([path, copy]))
    assert [r.status for r in results] == ["created", "exists"]
    assert results[0].asset_id == results[1].asset_id


@pytest.mark.django_db
def test_different_bytes_get_different_ids(make_jpeg):
    results = list(ingest_paths([make_jpeg("same-name.jpg", seed=4), make_jpeg("x/same-name.jpg", seed=5)]))
    assert [r.status for r in results] == ["created", "created"]
    assert results[0].asset_id != results[1].asset_id


@pytest.mark.django_db(transaction=True)
def test_concurrent_ingests_of_the_same_bytes_make_one_asset(make_jpeg):
    path = make_jpeg("race.jpg", seed=6)
    results, errors = [], []
    barrier = threading.Barrier(4)

    def ingest(index):
        try:
            barrier.wait()
            results.extend(
                ingest_sources([IngestSource(name=f"copy-{index}.jpg", label=str(index), open=lambda: path.open("rb"))])
            )
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=ingest, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(r.status for r in results) == ["created", "exists", "exists", "exists"]
    assert len({r.asset_id for r in results}) == 1
    assert Asset.objects.count() == 1
    assert Asset.objects.get().original_names.count() == 4


@pytest.mark.django_db
def test_stored_file_is_content_addressed_and_read_only(make_jpeg):
    from django.conf import settings

    path = make_jpeg("../../etc/passwd.jpg".replace("/", "_"), seed=7)
    [result] = ingest_paths([path])
    version = Asset.objects.get(pk=result.asset_id).current_version
    sha = version.sha256
    assert version.storage_name == f"files/{sha[:2]}/{sha[2:4]}/{sha}.jpg"
    stored = settings.DAM_MEDIA_DIR / version.storage_name
    assert stored.read_bytes() == path.read_bytes()
    assert stored.stat().st_mode & 0o222 == 0  # nobody may write to a stored original
