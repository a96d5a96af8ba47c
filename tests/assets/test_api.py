"""The REST API: authentication, filters, the asset document, uploads, downloads."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from assets.ingest import ingest_paths
from assets.models import Asset, IngestRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(make_jpeg):
    """Three images with different places, dates and keywords."""
    specs = {
        "oslo": {
            "XMP-dc:Title": "Harbour at dawn",
            "IPTC:Keywords": ["Harbour", "boats"],
            "IPTC:City": "Oslo",
            "IPTC:Country-PrimaryLocationName": "Norway",
            "IPTC:Country-PrimaryLocationCode": "NOR",
            "GPSLatitude": 59.91,
            "GPSLatitudeRef": "N",
            "GPSLongitude": 10.75,
            "GPSLongitudeRef": "E",
            "ExifIFD:DateTimeOriginal": "2021:06:01 05:00:00",
        },
        "lima": {
            "XMP-dc:Title": "Market street",
            "IPTC:Keywords": ["market"],
            "IPTC:City": "Lima",
            "IPTC:Country-PrimaryLocationName": "Peru",
            "IPTC:Country-PrimaryLocationCode": "PER",
            "XMP-dc:Description": "Fruit stalls near the harbour road",
            "XMP-xmpRights:WebStatement": "https://creativecommons.org/licenses/by/4.0/",
            "ExifIFD:DateTimeOriginal": "2023:01:15 12:00:00",
        },
        "blank": {},
    }
    ids = {}
    for seed, (name, tags) in enumerate(specs.items()):
        [result] = ingest_paths([make_jpeg(f"{name}.jpg", seed=100 + seed, tags=tags)])
        ids[name] = result.asset_id
    return ids


def ids_of(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["results"]}


def test_anonymous_users_get_nothing(library):
    client = APIClient()
    assert client.get("/api/assets/").status_code in (401, 403)
    assert client.get(f"/api/assets/{library['oslo']}/").status_code in (401, 403)
    assert client.post("/api/assets/", {}).status_code in (401, 403)


def test_token_authentication(library, django_user_model):
    user = django_user_model.objects.create_user(username="cms", password="x")
    token = Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert ids_of(client.get("/api/assets/")) == set(library.values())
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/assets/").status_code == 401


def test_token_is_issued_for_a_username_and_password(django_user_model):
    django_user_model.objects.create_user(username="cms", password="s3cret-pass")
    response = APIClient().post("/api/token/", {"username": "cms", "password": "s3cret-pass"})
    assert response.status_code == 200 and len(response.json()["token"]) == 40


def test_asset_document(api_client, library):
    response = api_client.get(f"/api/assets/{library['oslo']}/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"id", "kind", "metadata", "files", "created_at", "updated_at"}
    assert body["id"] == library["oslo"] and body["kind"] == "image"
    assert body["metadata"]["title"] == "Harbour at dawn"
    assert body["metadata"]["keywords"] == ["Harbour", "boats"]
    assert body["metadata"]["latitude"] == 59.91 and body["metadata"]["longitude"] == 10.75
    assert body["metadata"]["date_created"] == "2021-06-01T05:00:00"
    assert body["original_names"] == ["oslo.jpg"]
    [file] = body["files"]
    assert file["number"] == 1 and file["mime_type"] == "image/jpeg" and len(file["sha256"]) == 64
    download = api_client.get(file["download_url"])
    assert download.status_code == 200
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == file["sha256"]


def test_unknown_asset_is_404(api_client, library):
    assert api_client.get("/api/assets/0123456789abcdef0123456789abcdef/").status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=image", {"oslo", "lima", "blank"}),
        ("kind=audio", set()),
        ("mime_type=image/jpeg", {"oslo", "lima", "blank"}),
        ("keyword=harbour", {"oslo"}),  # whole keyword, any case
        ("keyword=harb", set()),
        ("city=oslo", {"oslo"}),
        ("country=Peru", {"lima"}),
        ("country=NOR", {"oslo"}),
        # The README's example: the file says NOR, the filter takes alpha-2, alpha-3 or the name.
        ("country=NO&has_gps=true", {"oslo"}),
        ("country=no", {"oslo"}),
        ("country=Norway&has_gps=false", set()),
        ("country=pe", {"lima"}),
        ("has_gps=true", {"oslo"}),
        ("has_gps=false", {"lima", "blank"}),
        ("created_after=2022-01-01", {"lima"}),
        ("created_before=2022-01-01", {"oslo"}),
        ("created_after=2021-06-01&created_before=2021-06-01", {"oslo"}),
        ("q=harbour", {"oslo", "lima"}),  # title of one, description of the other
        ("q=market", {"lima"}),
        ("q=boats", {"oslo"}),  # keywords are searched too
        # The filters search takes, with the same names and meaning (docs/filters.md).
        ("keyword=harbour&keyword=BOATS", {"oslo"}),  # several keywords: every one
        ("keyword=harbour&keyword=market", set()),
        ("keywords=market", {"lima"}),  # the alias search's filters have long used
        ("licence=https://creativecommons.org/licenses/by/4.0/", {"lima"}),
        ("near=59.9,10.7,10", {"oslo"}),
        ("near=-12.05,-77.04,50", set()),  # Lima has no position
        ("bbox=50,0,70,20", {"oslo"}),
        ("bbox=-60,150,0,-60", set()),  # across the 180° meridian
        ("ingested_after=2000-01-01T00:00:00Z", {"oslo", "lima", "blank"}),
        ("city=&keyword=", {"oslo", "lima", "blank"}),  # no value, no condition
    ],
)
def test_filters(api_client, library, query, expected):
    assert ids_of(api_client.get(f"/api/assets/?{query}")) == {library[name] for name in expected}


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("has_gps=maybe", "has_gps"),
        ("created_after=2021-13-01", "created_after"),
        ("ingested_before=yesterday", "ingested_before"),
        ("near=59.9,10.7", "near"),
        ("bbox=0,0,95,10", "bbox"),
        ("keywords=a%00b", "keywords"),
    ],
)
def test_bad_filter_values_are_400_naming_the_filter(api_client, query, name):
    response = api_client.get(f"/api/assets/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["filter"] == name and body["error"].startswith(f"{name}: ")


def test_cursor_pagination_walks_every_asset_once(api_client, make_jpeg):
    created = {r.asset_id for r in ingest_paths([make_jpeg(f"p{i}.jpg", seed=200 + i) for i in range(7)])}
    seen, url, pages = [], "/api/assets/?page_size=3", 0
    while url:
        body = api_client.get(url).json()
        assert "count" not in body  # keyset pages never count the table
        seen += [item["id"] for item in body["results"]]
        url, pages = body["next"], pages + 1
    assert sorted(seen) == sorted(created) and pages == 3


def test_upload_creates_then_finds_the_existing_asset(api_client, make_jpeg):
    data = make_jpeg("upload.jpg", seed=300, tags={"XMP-dc:Title": "Uploaded"}).read_bytes()
    response = api_client.post(
        "/api/assets/", {"file": SimpleUploadedFile("upload.jpg", data, "image/jpeg")}, format="multipart"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "created" and body["asset"]["metadata"]["title"] == "Uploaded"
    again = api_client.post(
        "/api/assets/", {"file": SimpleUploadedFile("other-name.jpeg", data, "image/jpeg")}, format="multipart"
    )
    assert again.status_code == 200 and again.json()["status"] == "exists"
    assert again.json()["asset"]["id"] == body["asset"]["id"]
    assert again.json()["asset"]["original_names"] == ["upload.jpg", "other-name.jpeg"]


def test_upload_of_a_bad_file_is_refused_with_a_reason(api_client):
    response = api_client.post(
        "/api/assets/", {"file": SimpleUploadedFile("notes.jpg", b"just some text\n")}, format="multipart"
    )
    assert response.status_code == 422
    assert response.json()["error"] == "the file is text, not a supported image or audio file"
    assert IngestRecord.objects.get().status == "failed"
    assert Asset.objects.count() == 0


def test_upload_name_with_path_tricks_is_kept_as_metadata_only(api_client, make_jpeg):
    data = make_jpeg("x.jpg", seed=301).read_bytes()
    upload = SimpleUploadedFile("x.jpg", data, "image/jpeg")
    upload.name = "../../etc/passwd.jpg"
    response = api_client.post("/api/assets/", {"file": upload}, format="multipart")
    assert response.status_code == 201
    asset = Asset.objects.get(pk=response.json()["asset"]["id"])
    sha = asset.original_sha256
    assert asset.current_version.storage_name == f"files/{sha[:2]}/{sha[2:4]}/{sha}.jpg"
    assert ".." not in asset.current_version.storage_name


def test_thumbnail_is_served_for_images(api_client, library):
    response = api_client.get(f"/api/assets/{library['oslo']}/thumbnail/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"


def test_session_authentication_from_the_admin_login(client, django_user_model, library):
    django_user_model.objects.create_user(username="viewer", password="pw-viewer")
    assert client.get("/api/assets/").status_code in (401, 403)
    assert client.login(username="viewer", password="pw-viewer")
    assert ids_of(client.get("/api/assets/")) == set(library.values())
