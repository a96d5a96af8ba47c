"""A small library for the MCP tests, committed (the stdio server is another process, the HTTP
server another thread): a harbour picture, a salt flat, a spoken recording, and a lighthouse
restricted to one group, with real embeddings (all-MiniLM-L6-v2, Whisper tiny.en) and a token for
a reader outside that group and one for an insider in it."""

from __future__ import annotations

import pytest

pytest.importorskip("sentence_transformers", reason="the ml extra is not installed")

SECRET_TITLE = "Lighthouse of the Hidden Cove"
SECRET_KEYWORD = "Lighthouse"


@pytest.fixture
def library(transactional_db, django_user_model):
    from django.contrib.auth.models import Group
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
    names = ["images/sample.jpg", "images/sample.tiff", "audio/speech.ogg", "images/mwg-synced.jpg"]
    harbour, salt_flat, speech, secret = [r.asset_id for r in ingest_paths([FIXTURES_DIR / name for name in names])]
    # Straight to the rows: these tests need no write-back into the files.
    Asset.objects.filter(pk=secret).update(
        title=SECRET_TITLE, keywords=[SECRET_KEYWORD], description="A lighthouse above a hidden cove"
    )
    Asset.objects.filter(pk=harbour).update(keywords=["Harbour", "boats"])
    insiders = Group.objects.create(name="insiders")
    Asset.objects.get(pk=secret).restricted_to_groups.add(insiders)
    everything = list(Asset.objects.values_list("pk", flat=True))
    embed_assets("asset_text", everything)
    if "transcript" in roles:
        embed_assets("transcript", [speech])
    reader = django_user_model.objects.create_user("reader", password="x")
    insider = django_user_model.objects.create_user("insider", password="x")
    insider.groups.add(insiders)
    return {
        "harbour": harbour,
        "salt_flat": salt_flat,
        "speech": speech,
        "secret": secret,
        "roles": roles,
        "reader_token": Token.objects.create(user=reader).key,
        "insider_token": Token.objects.create(user=insider).key,
    }
