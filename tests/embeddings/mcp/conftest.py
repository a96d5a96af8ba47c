"""A small library for the MCP tests, committed (the stdio server is another process, the HTTP
server another thread): a harbour picture whose position is location-sensitive, a salt flat, a
spoken recording, and a lighthouse and a second recording (the same words) restricted to one group,
with real embeddings (all-MiniLM-L6-v2, Whisper tiny.en) and a token for a reader outside that
group and one for an insider in it who may also see exact positions."""

from __future__ import annotations

import pytest

pytest.importorskip("sentence_transformers", reason="the ml extra is not installed")

SECRET_TITLE = "Lighthouse of the Hidden Cove"
SECRET_KEYWORD = "Lighthouse"
SECRET_RECORDING_TITLE = "Minutes of the closed board meeting"
HARBOUR_POSITION = (-33.8568, 151.2153)  # sample.jpg's GPS


@pytest.fixture
def library(transactional_db, django_user_model):
    from django.contrib.auth.models import Group, Permission
    from rest_framework.authtoken.models import Token

    from assets.ingest import ingest_paths
    from assets.models import Asset, Term
    from embeddings.defaults import default_models_register
    from embeddings.pipeline import embed_assets
    from tests.conftest import FIXTURES_DIR

    roles = default_models_register()
    Term.objects.create(
        preferred_label=SECRET_KEYWORD, aliases=["beacon tower"], uri="http://www.wikidata.org/entity/Q39715"
    )
    Term.objects.create(preferred_label="Harbour", aliases=["port", "haven"])
    names = [
        "images/sample.jpg",
        "images/sample.tiff",
        "audio/speech.ogg",
        "images/mwg-synced.jpg",
        "audio/speech-id3v24.mp3",
    ]
    harbour, salt_flat, speech, secret, secret_speech = [
        r.asset_id for r in ingest_paths([FIXTURES_DIR / name for name in names])
    ]
    # Straight to the rows: these tests need no write-back into the files.
    Asset.objects.filter(pk=secret).update(
        title=SECRET_TITLE, keywords=[SECRET_KEYWORD], description="A lighthouse above a hidden cove"
    )
    Asset.objects.filter(pk=secret_speech).update(title=SECRET_RECORDING_TITLE)
    Asset.objects.filter(pk=harbour).update(keywords=["Harbour", "boats"], location_sensitive=True)
    insiders = Group.objects.create(name="insiders")
    for hidden in (secret, secret_speech):
        Asset.objects.get(pk=hidden).restricted_to_groups.add(insiders)
    everything = list(Asset.objects.values_list("pk", flat=True))
    embed_assets("asset_text", everything)
    if "transcript" in roles:
        embed_assets("transcript", [speech, secret_speech])
    reader = django_user_model.objects.create_user("reader", password="x")
    insider = django_user_model.objects.create_user("insider", password="x")
    insider.groups.add(insiders)
    insider.user_permissions.add(Permission.objects.get(codename="view_exact_location"))
    return {
        "harbour": harbour,
        "salt_flat": salt_flat,
        "speech": speech,
        "secret": secret,
        "secret_speech": secret_speech,
        "roles": roles,
        "reader_token": Token.objects.create(user=reader).key,
        "insider_token": Token.objects.create(user=insider).key,
    }
