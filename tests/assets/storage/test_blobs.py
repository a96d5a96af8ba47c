"""Content-addressed blobs: an object is stored once and never overwritten, whoever stores it."""

import hashlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.test import override_settings

from assets.storage.blobs import blob_save, blob_store, content_key


@pytest.fixture
def local_storage(tmp_path):
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        yield tmp_path


def test_content_keys_are_made_of_the_hash_only():
    sha = hashlib.sha256(b"x").hexdigest()
    assert content_key(sha, "jpg") == f"files/{sha[:2]}/{sha[2:4]}/{sha}.jpg"
    assert content_key(sha, "jpg", prefix="thumbnails").startswith("thumbnails/")
    with pytest.raises(ValueError, match="SHA-256"):
        content_key("../../etc/passwd", "jpg")


def test_content_is_made_only_when_the_object_is_missing(local_storage):
    made = []

    def content():
        made.append(True)
        return ContentFile(b"rendered")

    assert blob_store("thumbnails/a.jpg", content) == "thumbnails/a.jpg"
    assert blob_store("thumbnails/a.jpg", content) == "thumbnails/a.jpg"
    assert made == [True]
    assert (local_storage / "thumbnails" / "a.jpg").read_bytes() == b"rendered"


def test_a_store_that_loses_a_race_keeps_the_first_object_and_removes_its_copy(local_storage, monkeypatch):
    blob_store("delivery/a.jpg", lambda: ContentFile(b"first"))
    # This process checked before the first object was there; the storage then saves under another name.
    real_exists, checks = FileSystemStorage.exists, []

    def exists_as_before_the_first_store(storage, name):
        checks.append(name)
        return False if len(checks) == 1 else real_exists(storage, name)

    monkeypatch.setattr(FileSystemStorage, "exists", exists_as_before_the_first_store)
    assert blob_store("delivery/a.jpg", lambda: ContentFile(b"second")) == "delivery/a.jpg"
    assert [path.name for path in (local_storage / "delivery").iterdir()] == ["a.jpg"]
    assert (local_storage / "delivery" / "a.jpg").read_bytes() == b"first"


def test_blob_save_stores_a_file_under_its_content_key_once(local_storage, tmp_path):
    source = tmp_path / "source.bin"
    source.write_bytes(b"original bytes")
    sha = hashlib.sha256(b"original bytes").hexdigest()
    key = blob_save(source, sha, "bin")
    assert key == content_key(sha, "bin")
    source.write_bytes(b"other bytes")
    assert blob_save(source, sha, "bin") == key
    assert (local_storage / key).read_bytes() == b"original bytes"


KILLED_MID_WRITE = """
import sys, time
import django
from django.conf import settings
settings.configure(STORAGES={"default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                         "OPTIONS": {"location": sys.argv[1]}}})
django.setup()
from django.core.files import File
from assets.storage.blobs import blob_store

class Slow(File):
    def chunks(self, chunk_size=None):
        yield b"first half "
        print("half written", flush=True)
        time.sleep(120)
        yield b"second half"

blob_store("files/ab/cd/whole.jpg", lambda: Slow(None, name="whole.jpg"))
"""


def test_a_process_killed_mid_write_leaves_no_short_object(local_storage):
    """A short object under a content key would pass every later ``exists`` check as the file."""
    import signal
    import subprocess
    import sys

    from tests.conftest import PROJECT_DIR

    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_MID_WRITE, str(local_storage)], cwd=PROJECT_DIR, stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout.readline().strip() == "half written"
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=10)
    assert not (local_storage / "files/ab/cd/whole.jpg").exists()
    assert blob_store("files/ab/cd/whole.jpg", lambda: ContentFile(b"first half second half"))
    assert (local_storage / "files/ab/cd/whole.jpg").read_bytes() == b"first half second half"
