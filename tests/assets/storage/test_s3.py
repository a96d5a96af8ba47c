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
from assets.storage.blobs import blob_save

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
                "BACKEND": "assets.storage.s3.ContentAddressedS3Storage",
                "OPTIONS": {
                    "bucket_name": BUCKET,
                    "region_name": "eu-west-1",
                    "file_overwrite": False,
                    "default_acl": None,
                    "querystring_expire": 300,
                    "signature_version": "s3v4",
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


@pytest.mark.django_db
def test_the_bucket_verifies_each_object_against_the_sha256_dam_computed(s3_storage, tmp_path):
    import base64

    source = tmp_path / "x.bin"
    source.write_bytes(b"the bytes dam hashed")
    sha = hashlib.sha256(b"the bytes dam hashed").hexdigest()
    key = blob_save(source, sha, "bin")
    head = s3_storage.head_object(Bucket=BUCKET, Key=key, ChecksumMode="ENABLED")
    assert base64.b64decode(head["ChecksumSHA256"]).hex() == sha
    assert "x-amz-acl" not in str(s3_storage.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]).lower()
    assert [g["Permission"] for g in s3_storage.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]] == ["FULL_CONTROL"]
    # What goes over the wire: the SHA-256 from the content key, which S3 checks the bytes against
    # (a mismatch is refused with BadDigest; the in-process S3 here does not check, so the header is).
    from django.core.files.storage import default_storage

    sent = []
    default_storage.connection.meta.client.meta.events.register(
        "before-send.s3.PutObject", lambda request, **kwargs: sent.append(dict(request.headers))
    )
    other = tmp_path / "y.bin"
    other.write_bytes(b"more bytes")
    other_sha = hashlib.sha256(b"more bytes").hexdigest()
    blob_save(other, other_sha, "bin")
    [headers] = sent
    assert base64.b64decode(headers["x-amz-checksum-sha256"]).hex() == other_sha


@pytest.mark.django_db
def test_downloads_can_redirect_to_a_short_lived_presigned_url(s3_storage, make_jpeg, api_client, settings):
    settings.DAM_S3_PRESIGNED_DOWNLOADS = True
    [result] = ingest_paths([make_jpeg("presigned.jpg", seed=991)])
    response = api_client.get(f"/api/assets/{result.asset_id}/files/1/download/")
    assert response.status_code == 302
    url = response["Location"]
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url and "response-content-disposition" in url
