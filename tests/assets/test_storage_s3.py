"""Raw files on S3 through django-storages and boto3: content-addressed keys, never overwritten.

The S3 API is served in-process by moto here; the production-topology tests run a real
S3-compatible server.
"""

import hashlib

import boto3
import pytest
from django.test import override_settings
from moto import mock_aws

from assets.ingest import ingest_paths
from assets.models import Asset
from assets.storage import blob_save

BUCKET = "dam-test-originals"


@pytest.fixture
def s3_storage(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    with mock_aws():
        client = boto3.client("s3", region_name="eu-west-1")
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        storages = {
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": BUCKET,
                    "region_name": "eu-west-1",
                    "file_overwrite": False,
                    "default_acl": None,
                },
            },
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
        with override_settings(STORAGES=storages):
            yield client


@pytest.mark.django_db
def test_ingest_stores_the_original_in_the_bucket_under_its_hash(s3_storage, make_jpeg, api_client):
    path = make_jpeg("on-s3.jpg", seed=990)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    [result] = ingest_paths([path])
    assert result.status == "created"
    key = Asset.objects.get(pk=result.asset_id).current_version.storage_name
    assert key == f"files/{sha[:2]}/{sha[2:4]}/{sha}.jpg"
    stored = s3_storage.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == sha
    download = api_client.get(f"/api/assets/{result.asset_id}/files/1/download/")
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == sha


@pytest.mark.django_db
def test_an_existing_object_is_never_overwritten(s3_storage, tmp_path):
    source = tmp_path / "x.bin"
    source.write_bytes(b"first bytes")
    sha = hashlib.sha256(b"first bytes").hexdigest()
    key = blob_save(source, sha, "bin")
    version_before = s3_storage.head_object(Bucket=BUCKET, Key=key)["ETag"]
    source.write_bytes(b"other bytes under the same name")
    assert blob_save(source, sha, "bin") == key
    assert s3_storage.head_object(Bucket=BUCKET, Key=key)["ETag"] == version_before
    assert [o["Key"] for o in s3_storage.list_objects_v2(Bucket=BUCKET)["Contents"]] == [key]
