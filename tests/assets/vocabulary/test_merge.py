"""Merging terms: every asset rewritten through the editing service, with an audit entry; from the admin too."""

import pytest

from assets.ingest import ingest_paths
from assets.models import Asset, MetadataChange, Term
from assets.vocabulary.merge import terms_merge

pytestmark = pytest.mark.django_db


def test_merging_terms_rewrites_every_asset_with_an_audit_entry(make_jpeg, librarian):
    source = Term.objects.create(preferred_label="Harbor", aliases=["port"])
    target = Term.objects.create(preferred_label="Harbours", aliases=["haven"])
    narrower = Term.objects.create(preferred_label="Fishing harbors", broader=source)
    ids = [
        r.asset_id
        for r in ingest_paths(
            [
                make_jpeg("m1.jpg", seed=1750, tags={"IPTC:Keywords": ["Harbor", "boats"]}),
                make_jpeg("m2.jpg", seed=1751, tags={"IPTC:Keywords": ["PORT"]}),
                make_jpeg("m3.jpg", seed=1752, tags={"IPTC:Keywords": ["mountain"]}),
            ]
        )
    ]
    assert terms_merge(source, target, librarian) == 2
    keywords = dict(Asset.objects.values_list("id", "keywords"))
    assert keywords[ids[0]] == ["Harbours", "boats"] and keywords[ids[1]] == ["Harbours"]
    assert keywords[ids[2]] == ["mountain"]
    target.refresh_from_db()
    assert target.aliases == ["Harbor", "haven", "port"] and not Term.objects.filter(pk=source.pk).exists()
    assert Term.objects.get(pk=narrower.pk).broader_id == target.pk
    changes = MetadataChange.objects.filter(source="vocabulary")
    assert {c.asset_id for c in changes} == set(ids[:2])
    assert all(c.note == "vocabulary: Harbor merged into Harbours" and c.user == librarian for c in changes)


def test_merging_from_the_admin(client, librarian, make_jpeg):
    one, two = Term.objects.create(preferred_label="Seagull"), Term.objects.create(preferred_label="Gull")
    list(ingest_paths([make_jpeg("g.jpg", seed=1760, tags={"IPTC:Keywords": "seagull"})]))
    client.force_login(librarian)
    selection = {"action": "merge", "_selected_action": [one.pk, two.pk]}
    assert "Choose the term to keep" in client.post("/admin/assets/term/", selection).content.decode()
    client.post("/admin/assets/term/", {**selection, "apply": "1", "target": two.pk})
    assert list(Term.objects.values_list("preferred_label", flat=True)) == ["Gull"]
    assert Asset.objects.get().keywords == ["Gull"]
