"""Grounded REST answers: ``POST /api/search/`` with ``"include": ["document"]`` gives each hit its
schema.org document and its evidence, as the caller may see them (hidden assets left out, the
position of a location-sensitive one coarsened)."""

from __future__ import annotations

import pytest

from assets.ingest import ingest_paths
from assets.models import Asset
from embeddings.defaults import default_models_register
from embeddings.grounding import document_facts, evidence_spans, result_evidence
from embeddings.pipeline import embed_assets
from tests.conftest import FIXTURES_DIR
from tests.schemaorg import vocabulary

pytestmark = pytest.mark.django_db


def test_each_hit_carries_its_document_and_evidence(api_client):
    pytest.importorskip("sentence_transformers", reason="the ml extra is not installed")
    default_models_register()
    harbour, hidden = [
        r.asset_id for r in ingest_paths([FIXTURES_DIR / "images/sample.jpg", FIXTURES_DIR / "images/mwg-synced.jpg"])
    ]
    Asset.objects.filter(pk=hidden).update(allowed_territories=["JP"])
    Asset.objects.filter(pk=harbour).update(location_sensitive=True)  # sample.jpg: -33.8568, 151.2153
    embed_assets("asset_text", [harbour, hidden])
    plain = api_client.post("/api/search/", {"text": "boats in a harbour"}, format="json").json()["results"]
    assert "document" not in plain[0]
    response = api_client.post("/api/search/", {"text": "boats in a harbour", "include": ["document"]}, format="json")
    assert response.status_code == 200, response.content
    [hit] = response.json()["results"]
    assert hit["asset_id"] == harbour and hit["score"] == plain[0]["score"]
    document = hit["document"]
    assert (
        document["@id"] == f"urn:dam:asset:{harbour}"
        and vocabulary().check({"@context": "https://schema.org", **document}) == []
    )
    assert document["contentUrl"] == f"http://testserver/api/assets/{harbour}/content/"
    geo = document["contentLocation"]["geo"]
    assert (geo["latitude"], geo["longitude"]) == (-33.9, 151.2)  # DAM_SENSITIVE_LOCATION_DECIMALS=1
    assert "-33.8568" not in response.content.decode() and "151.2153" not in response.content.decode()
    assert hit["evidence"] and set(hit["evidence"]) <= {  # by kind, as search gives it
        "metadata",
        "visual",
        "spoken",
        "acoustic",
    }
    refused = api_client.post("/api/search/", {"text": "boats", "include": ["everything"]}, format="json")
    assert refused.status_code == 400


def test_evidence_is_read_from_either_shape_search_gives():
    segments = {"segments": [{"start_ms": 12000, "end_ms": 19500, "score": 0.8, "text": "snow on the summit"},
                             {"start_ms": 0, "end_ms": None, "score": 0.5, "text": "Title\nkeywords"}]}  # fmt: skip
    records = result_evidence(segments)
    assert [record["kind"] for record in records] == ["spoken", "metadata"]
    assert evidence_spans(records) == [{"start": 12.0, "end": 19.5, "words": "snow on the summit", "score": 0.8}]
    own = {"evidence": [{"kind": "metadata", "field": "title", "highlight": "<b>Harbour</b>"},
                        {"kind": "spoken", "start_ms": 1000, "end_ms": 2500, "words": "hello"}]}  # fmt: skip
    assert evidence_spans(result_evidence(own)) == [{"start": 1.0, "end": 2.5, "words": "hello", "score": None}]
    by_kind = {"evidence": {"metadata": [{"field": "title"}], "spoken": {"start": 3.0, "end": 4.0, "words": "hi"}}}
    assert [record["kind"] for record in result_evidence(by_kind)] == ["metadata", "spoken"]
    assert result_evidence({"asset_id": "x", "score": 1.0}) == []


def test_facts_are_read_from_the_document():
    document = {
        "creator": [{"@type": "Person", "name": "Ana Pérez"}],
        "creditText": "Example Archive",
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "contentLocation": {"@type": "Place", "name": "Sydney", "geo": {"@type": "GeoCoordinates", "latitude": -33.8}},
        "usageInfo": {"@type": "CreativeWork", "text": "Editorial use only"},
        "keywords": ["Harbour"],
    }
    facts = document_facts(document)
    assert facts["creator"] == ["Ana Pérez"] and facts["credit"] == "Example Archive"
    assert (
        facts["place"]["name"] == "Sydney"
        and facts["place"]["latitude"] == -33.8
        and facts["place"]["longitude"] is None
    )
    assert facts["usage_terms"] == "Editorial use only" and facts["keywords"] == ["Harbour"]
    assert document_facts({})["place"] is None
