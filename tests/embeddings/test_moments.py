"""Spoken moments in an AudioObject's document as ``hasPart`` Clips, only when asked for
(``?include=moments``), valid schema.org like every other document."""

from __future__ import annotations

import json

import pytest

from assets.ingest import ingest_paths
from assets.models import Asset
from embeddings.defaults import ASR
from embeddings.models import TranscriptSegment
from embeddings.registry import model_version_register, role_activate
from tests.conftest import FIXTURES_DIR
from tests.schemaorg import vocabulary

pytestmark = pytest.mark.django_db


def jsonld(client, asset_id: str, query: str = ""):
    return client.get(f"/api/assets/{asset_id}/{query}", HTTP_ACCEPT="application/ld+json")


@pytest.fixture
def transcribed():
    """speech.ogg with a transcript by the active speech recognition version (rows written here:
    what Whisper says is tested in test_transcripts.py)."""
    pytest.importorskip("faster_whisper", reason="the ml extra is not installed")
    [result] = ingest_paths([FIXTURES_DIR / "audio" / "speech.ogg"])
    asset = Asset.objects.get(pk=result.asset_id)
    version = role_activate("asr", model_version_register(ASR)[0]).model_version
    for start, end, text in [(0, 1400, "A sample recording"), (1400, 2900, "for the asset manager.")]:
        TranscriptSegment.objects.create(
            asset=asset,
            file_version=asset.current_version,
            model_version=version,
            start_ms=start,
            end_ms=end,
            text=text,
        )
    return asset


def test_moments_are_hasPart_clips_only_when_asked_for(api_client, transcribed):
    plain = json.loads(jsonld(api_client, transcribed.pk).content)
    assert "hasPart" not in plain
    response = jsonld(api_client, transcribed.pk, "?include=moments")
    assert response.status_code == 200
    document = json.loads(response.content)
    iri = f"urn:dam:asset:{transcribed.pk}"
    assert document["hasPart"] == [
        {"@type": "Clip", "@id": f"{iri}#t=0,1.4", "startOffset": 0.0, "endOffset": 1.4, "isPartOf": {"@id": iri},
         "text": "A sample recording"},
        {"@type": "Clip", "@id": f"{iri}#t=1.4,2.9", "startOffset": 1.4, "endOffset": 2.9, "isPartOf": {"@id": iri},
         "text": "for the asset manager."},
    ]  # fmt: skip
    assert vocabulary().check(document) == []
    assert {key: value for key, value in document.items() if key != "hasPart"} == plain


def test_a_picture_or_an_untranscribed_recording_has_no_moments(api_client):
    picture, tone = [
        r.asset_id for r in ingest_paths([FIXTURES_DIR / "images/sample.jpg", FIXTURES_DIR / "audio/tone.wav"])
    ]
    for asset_id in (picture, tone):
        document = json.loads(jsonld(api_client, asset_id, "?include=moments").content)
        assert "hasPart" not in document and vocabulary().check(document) == []


def test_an_unknown_include_is_a_400_naming_what_is_known(api_client):
    [result] = ingest_paths([FIXTURES_DIR / "images/sample.jpg"])
    response = jsonld(api_client, result.asset_id, "?include=everything")
    assert response.status_code == 400
    message = str(response.json()["fields"]["include"])
    assert "everything" in message and "moments" in message
