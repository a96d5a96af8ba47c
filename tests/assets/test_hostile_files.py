"""Hostile files and file names: a camera JPEG with a broken EXIF directory is accepted and then
served (content, thumbnail, JSON-LD; its content answered 500 before), and names no file system
or header parser expects are kept as metadata, each path reported once."""

import json
import subprocess

import pytest
from rest_framework.test import APIClient

from assets.ingest import ingest_paths

pytestmark = pytest.mark.django_db


@pytest.fixture
def caller(django_user_model):
    user = django_user_model.objects.create_user("files", password="x")
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    return client


def exif_directory_broken(path):
    """Damage the picture as some cameras do: IFD0 claims far more entries than it holds. Pillow
    decodes the picture; ExifTool refuses to edit the file ("Truncated IFD0 directory")."""
    data = bytearray(path.read_bytes())
    app1 = data.index(b"Exif\x00\x00") + 6  # the TIFF header
    order = "big" if data[app1 : app1 + 2] == b"MM" else "little"
    ifd0 = app1 + int.from_bytes(data[app1 + 4 : app1 + 8], order)
    data[ifd0 : ifd0 + 2] = (0xFFF0).to_bytes(2, order)
    path.write_bytes(bytes(data))
    return path


def exiftool_tags(data: bytes) -> dict:
    completed = subprocess.run(["exiftool", "-j", "-G1", "-"], input=data, capture_output=True, check=True)
    return json.loads(completed.stdout)[0]


def test_a_camera_jpeg_with_a_broken_exif_directory_is_served(caller, make_jpeg):
    path = make_jpeg(
        "DSC00042.JPG",
        seed=90,
        tags={
            "Make": "SONY",
            "Model": "DSC-HX5V",
            "ExifIFD:SerialNumber": "SN-1234567",
            "XMP-dc:Title": "Harbour at dusk",
            "XMP-dc:Rights": "© Example Archive",
        },
    )
    exif_directory_broken(path)
    assert subprocess.run(["exiftool", "-overwrite_original", "-Artist=x", str(path)], capture_output=True).returncode
    [result] = ingest_paths([path])
    assert result.status == "created", result.error
    asset_id = result.asset_id

    content = caller.get(f"/api/assets/{asset_id}/content/")
    assert content.status_code == 200, content.content[:300]
    delivered = b"".join(content.streaming_content)
    tags = exiftool_tags(delivered)
    assert "SN-1234567" not in json.dumps(tags)  # never served unstripped
    assert tags.get("XMP-dc:Title") == "Harbour at dusk" and tags.get("XMP-dc:Rights") == "© Example Archive"

    thumbnail = caller.get(f"/api/assets/{asset_id}/thumbnail/")
    assert thumbnail.status_code == 200 and thumbnail["Content-Type"] == "image/jpeg"
    document = caller.get(f"/api/assets/{asset_id}.jsonld")
    assert document.status_code == 200 and document.json()["name"] == "Harbour at dusk"
    assert caller.get(f"/api/assets/{asset_id}/sidecar/").status_code == 200
    assert caller.get(f"/api/assets/{asset_id}/files/1/download/").status_code == 200


def test_a_delivery_copy_that_cannot_be_made_is_a_clean_422(caller, make_jpeg, monkeypatch):
    from assets.metadata import exiftool as exiftool_module
    from assets.storage import delivery

    [result] = ingest_paths([make_jpeg("unwritable.jpg", seed=91)])

    class Refusing:
        def write(self, path, args):
            raise exiftool_module.ExifToolWriteError("Error: Corrupted JPEG image")

    monkeypatch.setattr(delivery, "exiftool_session", lambda: Refusing())
    response = caller.get(f"/api/assets/{result.asset_id}/content/")
    assert response.status_code == 422
    assert "Corrupted JPEG image" in response.json()["error"]
