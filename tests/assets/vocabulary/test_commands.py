"""The vocabulary's ways in and out for people: the admin's downloads."""

import json

import pytest

from assets.models import Term

pytestmark = pytest.mark.django_db


def test_the_vocabulary_downloads_from_the_admin(client, librarian):
    Term.objects.create(preferred_label="Harbours", aliases=["port"], uri="http://www.wikidata.org/entity/Q283202")
    client.force_login(librarian)
    assert "Export SKOS" in client.get("/admin/assets/term/").content.decode()
    csv_text = client.get("/admin/assets/term/export/csv/").content.decode()
    assert csv_text.splitlines()[:2] == [
        "preferred_label,language,aliases,uri,broader",
        "Harbours,en,port,http://www.wikidata.org/entity/Q283202,",
    ]
    skos = json.loads(client.get("/admin/assets/term/export/skos/").content)
    concept = next(node for node in skos["@graph"] if node["@type"] == "skos:Concept")
    assert concept["@id"] == "http://www.wikidata.org/entity/Q283202"
    assert client.get("/admin/assets/term/export/pdf/").status_code == 404
