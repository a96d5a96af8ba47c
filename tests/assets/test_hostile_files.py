"""Hostile files and file names: a camera JPEG with a broken EXIF directory is accepted and then
served (content, thumbnail, JSON-LD; its content answered 500 before), and names no file system
or header parser expects are kept as metadata, each path reported once."""

import json
import subprocess

import pytest
from rest_framework.test import APIClient

from assets.ingest import ingest_paths
from assets.models import Asset, IngestRecord

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


BOUNDARY = "----dam-test-boundary-7MA4YWxkTrZu0gW"


def multipart(filename: bytes, data: bytes, disposition: bytes | None = None, extra_fields: bytes = b"") -> bytes:
    """A multipart body with one file part, its header written byte for byte as a client may."""
    disposition = disposition or b'form-data; name="file"; filename="' + filename + b'"'
    return (
        extra_fields
        + f"--{BOUNDARY}\r\n".encode()
        + b"Content-Disposition: "
        + disposition
        + b"\r\nContent-Type: image/jpeg\r\n\r\n"
        + data
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


def upload(client, body: bytes):
    return client.post("/api/assets/", body, content_type=f"multipart/form-data; boundary={BOUNDARY}")


@pytest.mark.parametrize(
    "filename, stored, note",
    [
        (b"caf\xe9-latin1.jpg", "caf\\xe9-latin1.jpg", "not valid UTF-8"),
        (b"\xff\xfe\x00b\x00a\x00d.jpg", "\\xff\\xfe\\x00b\\x00a\\x00d.jpg", "not valid UTF-8"),
        (b"a" * 5000 + b".jpg", "a" * 1023 + "…", "5,004 characters long"),
        ("å".encode() * 3000 + b".jpg", "å" * 1023 + "…", "3,004 characters long"),
        (b"short-and-plain.jpg", "short-and-plain.jpg", None),
        ("møte-på-kaia.jpg".encode(), "møte-på-kaia.jpg", None),
    ],
)
def test_multipart_file_names_no_parser_expects_are_kept_as_metadata(caller, make_jpeg, filename, stored, note):
    data = make_jpeg("named.jpg", seed=93).read_bytes()
    response = upload(caller, multipart(filename, data))
    assert response.status_code == 201, response.content[:300]
    body = response.json()
    assert body["asset"]["original_names"] == [stored]
    assert any(note in warning for warning in body["warnings"]) if note else not body["warnings"]
    stored_bytes = Asset.objects.get(pk=body["asset"]["id"]).current_version.storage_name
    assert stored_bytes.endswith(".jpg") and "\\" not in stored_bytes  # a name never decides a path


def test_a_long_name_in_rfc_5987_form_and_other_fields_beside_it(caller, make_jpeg):
    data = make_jpeg("starred.jpg", seed=94).read_bytes()
    name = "fjord-" + "ø" * 800 + ".jpg"
    from urllib.parse import quote

    disposition = b"form-data; name=\"file\"; filename*=UTF-8''" + quote(name).encode()
    field = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n'.encode()
    response = upload(caller, multipart(b"", data, disposition=disposition, extra_fields=field))
    assert response.status_code == 201, response.content[:300]
    assert response.json()["asset"]["original_names"] == [name]


def test_the_file_bytes_pass_through_untouched(caller, make_jpeg):
    from hashlib import sha256

    data = make_jpeg("bytes.jpg", seed=95).read_bytes()
    # A body larger than the parser's chunks, with the boundary's start and header-like bytes inside.
    padded = data + b"\r\n--" + b"x" * 200_000 + b'\r\n\r\nContent-Disposition: filename="x"\r\n'
    response = upload(caller, multipart(b"caf\xe9.jpg", padded))
    assert response.status_code in (201, 422), response.content[:300]
    if response.status_code == 201:
        version = Asset.objects.get(pk=response.json()["asset"]["id"]).current_version
        assert version.sha256 == sha256(padded).hexdigest()

    assert IngestRecord.objects.get(original_name="caf\\xe9.jpg").sha256 == sha256(padded).hexdigest()


def test_a_part_whose_other_headers_are_too_long_is_refused_saying_so(caller, make_jpeg):
    data = make_jpeg("headers.jpg", seed=96).read_bytes()
    long_type = b"Content-Type: image/jpeg; x=" + b"y" * 3000
    body = multipart(b"ok.jpg", data).replace(b"Content-Type: image/jpeg", long_type)
    response = upload(caller, body)
    assert response.status_code == 400
    assert "headers longer than the 1,024 bytes" in response.json()["error"]


@pytest.mark.django_db(transaction=True)
def test_names_with_line_breaks_and_direction_overrides_get_one_line_each(tmp_path, make_jpeg):
    import os
    import sys

    from django.db import connection

    from dam.runtime import database_url
    from tests.conftest import PROJECT_DIR

    folder = tmp_path / "names"
    names = ["line\nbreak.jpg", "carriage\rreturn.jpg", "rtl\u202egpj.jpg", "both\r\n\u202e.jpg", "plain.jpg"]
    for seed, name in enumerate(names):
        make_jpeg(name, seed=100 + seed, folder=folder)
    (folder / "broken\n\u202ename.jpg").write_bytes(b"\xff\xd8\xff not really a picture")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "DATABASE_URL": database_url(connection)}
    command = [sys.executable, "manage.py", "ingest", "--no-progress"]
    run = subprocess.run([*command, "--json", str(folder)], capture_output=True, env=env, cwd=PROJECT_DIR, check=True)
    lines = run.stdout.decode().splitlines()
    assert len(lines) == len(names) + 1, lines
    results = [json.loads(line) for line in lines]
    assert all("\n" not in result["path"] and "\u202e" not in result["path"] for result in results)
    assert sorted(result["status"] for result in results) == ["created"] * len(names) + ["failed"]
    assert any(result["path"].endswith("broken\\x0a\\u202ename.jpg") for result in results)
    # Without --json: one line for the file that failed, its name escaped onto that one line.
    again = subprocess.run([*command, str(folder)], capture_output=True, env=env, cwd=PROJECT_DIR, check=True)
    failed = [line for line in again.stderr.decode().splitlines() if line.startswith("refused:")]
    assert len(failed) == 1 and "broken\\x0a\\u202ename.jpg" in failed[0]


def test_a_file_with_an_absurdly_long_keyword_and_city_is_ingested_with_them_cut(caller, make_jpeg):
    import random
    import string

    rnd = random.Random(3)
    junk = "".join(rnd.choice(string.ascii_letters) for _ in range(20_000))  # does not compress
    path = make_jpeg("absurd.jpg", seed=97, tags={"XMP-dc:Subject": [junk, "harbour"], "XMP-photoshop:City": junk})
    [result] = ingest_paths([path])
    assert result.status == "created", result.error  # before: "index row requires 16432 bytes"
    asset = Asset.objects.get(pk=result.asset_id)
    assert asset.keywords == [junk[:2_000], "harbour"] and asset.city == junk[:2_000]
    assert any("Keywords" in warning and "cut" in warning for warning in result.warnings)
    assert any("City" in warning for warning in result.warnings)
    assert caller.get(f"/api/assets/{result.asset_id}/", {"keyword": "harbour"}).status_code == 200
