"""schema.org JSON-LD per asset: valid for its type in schema.org 30.0, complete, stable."""

import json

import pytest

from assets.ingest import ingest_paths
from assets.models import Asset, Term
from tests.conftest import FIXTURES_DIR
from tests.schemaorg import vocabulary

pytestmark = pytest.mark.django_db

MANIFEST = json.loads((FIXTURES_DIR / "MANIFEST.json").read_text())
MEDIA = sorted(name for name, entry in MANIFEST.items() if entry.get("expect_status", "created") == "created")
IPTC_REFERENCE = FIXTURES_DIR.parent / "tests" / "data" / "iptc" / "IPTC-PhotometadataRef-Std2023.2.jpg"


def jsonld(client, asset_id: str) -> dict:
    response = client.get(f"/api/assets/{asset_id}/", HTTP_ACCEPT="application/ld+json")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/ld+json")
    return json.loads(response.content)


@pytest.mark.parametrize("name", [*MEDIA, "IPTC reference"])
def test_every_property_is_valid_schema_org(api_client, name):
    path = IPTC_REFERENCE if name == "IPTC reference" else FIXTURES_DIR / name
    [result] = ingest_paths([path])
    document = jsonld(api_client, result.asset_id)
    assert vocabulary().check(document) == []


def test_image_document(api_client):
    [result] = ingest_paths([FIXTURES_DIR / "images" / "sample.jpg"])
    asset = Asset.objects.get(pk=result.asset_id)
    document = jsonld(api_client, result.asset_id)
    assert document["@context"] == "https://schema.org" and document["@type"] == "ImageObject"
    assert document["@id"] == f"urn:dam:asset:{asset.id}"
    assert document["identifier"] == [
        asset.id,
        {"@type": "PropertyValue", "propertyID": "SHA-256", "value": asset.original_sha256},
    ]
    assert document["contentUrl"] == f"http://testserver/api/assets/{asset.id}/content/"
    assert document["name"] == "Sails at Bennelong Point"
    assert document["headline"] == "Harbour roof shells in afternoon light"
    assert document["caption"] == asset.alt_text and document["abstract"] == asset.extended_description
    assert document["creator"] == [{"@type": "Person", "name": "Ana Pérez"}, {"@type": "Person", "name": "Ben Okafor"}]
    assert document["contentLocation"] == {
        "@type": "Place",
        "name": "Bennelong Point",
        "address": {
            "@type": "PostalAddress",
            "addressLocality": "Sydney",
            "addressRegion": "New South Wales",
            "addressCountry": "Australia",
        },
        "geo": {"@type": "GeoCoordinates", "latitude": -33.8568, "longitude": 151.2153, "elevation": 4.0},
    }
    assert document["width"] == {"@type": "QuantitativeValue", "value": 320, "unitCode": "E37"}
    assert document["dateCreated"] == "2024-05-17T14:30:00+10:00"
    assert document["encodingFormat"] == "image/jpeg"
    assert document["thumbnail"]["contentUrl"].endswith(f"/api/assets/{asset.id}/thumbnail/")
    assert "encodesCreativeWork" not in document  # music properties are for recordings


def test_images_meet_googles_licence_metadata_requirements(api_client):
    [result] = ingest_paths([FIXTURES_DIR / "images" / "sample.jpg"])
    document = jsonld(api_client, result.asset_id)
    assert document["contentUrl"]
    assert document["license"] == "https://creativecommons.org/publicdomain/zero/1.0/"
    assert document["acquireLicensePage"] == "https://example.org/licensing"
    assert document["creditText"] == "Example Archive / dam fixtures"
    assert document["copyrightNotice"] == "Copyright 2024 Example Archive"
    assert document["creator"]


def test_audio_document_describes_the_recording(api_client):
    [result] = ingest_paths([FIXTURES_DIR / "audio" / "tone.m4a"])
    document = jsonld(api_client, result.asset_id)
    assert document["@type"] == "AudioObject"
    assert document["duration"].startswith("PT1.")
    recording = document["encodesCreativeWork"]
    assert recording["@type"] == "MusicRecording"
    assert recording["isrcCode"] == "ZZX0Z2400001"
    assert recording["inAlbum"] == {"@type": "MusicAlbum", "name": "dam Fixture Sessions"}
    assert recording["byArtist"] == [{"@type": "Person", "name": "Sam Tester"}]
    assert "thumbnail" not in document and "width" not in document


def test_jsonld_suffix_gives_the_same_document(api_client):
    [result] = ingest_paths([FIXTURES_DIR / "images" / "sample.png"])
    by_suffix = api_client.get(f"/api/assets/{result.asset_id}.jsonld")
    assert by_suffix.status_code == 200 and by_suffix["Content-Type"].startswith("application/ld+json")
    assert json.loads(by_suffix.content) == jsonld(api_client, result.asset_id)


def test_keywords_use_preferred_labels_and_terms_carry_their_uris(api_client):
    Term.objects.create(
        preferred_label="Harbours", aliases=["harbour", "port"], uri="http://www.wikidata.org/entity/Q283202"
    )
    Term.objects.create(preferred_label="Sailing boats", aliases=["sails"])  # no URI: a keyword, no DefinedTerm
    [result] = ingest_paths([FIXTURES_DIR / "images" / "sample.jpg"])  # keywords: harbour, Zürich-style café, sails
    document = jsonld(api_client, result.asset_id)
    assert document["keywords"] == ["Harbours", "Zürich-style café", "Sailing boats"]
    assert document["about"] == [
        {"@type": "DefinedTerm", "@id": "http://www.wikidata.org/entity/Q283202", "name": "Harbours"}
    ]


def test_unknown_asset_is_a_json_404(api_client):
    response = api_client.get("/api/assets/ffffffffffffffffffffffffffffffff/", HTTP_ACCEPT="application/ld+json")
    assert response.status_code == 404
    assert "error" in json.loads(response.content)


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"@type": "ImageObject", "colour": "red"}, "not a schema.org property"),
        ({"@type": "ImageObject", "isrcCode": "X"}, "not a property of ImageObject"),
        ({"@type": "ImageObject", "license": "CC0"}, "does not fit"),  # a URL or a CreativeWork, not text
        ({"@type": "ImageObject", "creator": {"@type": "Place", "name": "x"}}, "where ['Organization', 'Person']"),
        ({"@type": "ImageObject", "duration": "90 seconds"}, "does not fit"),
        ({"@type": "ImageObject", "usageInfo": "free to use"}, "does not fit"),
        ({"@type": "Picture"}, "unknown or missing @type"),
    ],
)
def test_the_checker_rejects_invalid_documents(document, problem):
    problems = vocabulary().check(document)
    assert problems and problem in problems[0]


def test_tens_of_thousands_of_keywords_render_in_linear_time():
    """A list scan per keyword once took a feed page minutes on one such asset."""
    import time

    from django.utils import timezone

    from assets.jsonld import asset_jsonld

    now = timezone.now()
    keywords = [f"k{number}" for number in range(50_000)] + ["k1", "k2"]
    asset = Asset(
        id="a" * 32, kind="image", original_sha256="0" * 64, keywords=keywords, created_at=now, updated_at=now
    )
    started = time.perf_counter()
    document = asset_jsonld(asset, lambda kind, asset: None, terms={})
    assert time.perf_counter() - started < 2  # about 0.1 s; quadratic, it was over a minute
    assert document["keywords"] == keywords[:50_000]
