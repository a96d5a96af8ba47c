"""One label per concept: normalisation, the vocabulary report, and merging terms."""

import json

import pytest
from django.core.management import call_command

from assets.ingest import ingest_paths
from assets.models import Asset, MetadataChange, Term
from assets.vocabulary import keywords_normalize, keywords_unmapped, terms_merge
from assets.vocabulary_report import near_duplicate_key, vocabulary_report

pytestmark = pytest.mark.django_db


def test_keywords_become_preferred_labels_case_and_space_insensitively():
    Term.objects.create(preferred_label="Harbours", aliases=["harbour", "sea port"])
    assert keywords_normalize(["HARBOUR", "  sea   Port ", "harbours", "Fjord", "fjord"]) == ["Harbours", "Fjord"]
    assert keywords_unmapped(["harbour", "Fjord"]) == ["Fjord"]


def test_keywords_read_from_files_are_normalised_on_ingest(make_jpeg):
    Term.objects.create(preferred_label="Harbours", aliases=["harbour"])
    [result] = ingest_paths([make_jpeg("k.jpg", seed=1600, tags={"IPTC:Keywords": ["harbour", "unknown word"]})])
    asset = Asset.objects.get(pk=result.asset_id)
    assert asset.keywords == ["Harbours", "unknown word"]
    assert asset.current_version.metadata["keywords"] == ["harbour", "unknown word"]  # what the file says


def test_near_duplicate_keys():
    assert near_duplicate_key("Harbours") == near_duplicate_key("harbour") == near_duplicate_key("Harbour!")
    assert near_duplicate_key("Cities") == near_duplicate_key("city")
    assert near_duplicate_key("Café") == near_duplicate_key("cafe")
    assert near_duplicate_key("Harbour") != near_duplicate_key("Harbor master")


def test_report_finds_what_drifts(make_jpeg):
    Term.objects.create(preferred_label="Harbours", aliases=["port"])
    Term.objects.create(preferred_label="Ports of call", aliases=["port"])  # "port" now means two terms
    Term.objects.create(preferred_label="harbour")  # a near-duplicate of "Harbours"
    paths = [
        make_jpeg(
            f"r{i}.jpg",
            seed=1700 + i,
            tags={"IPTC:Keywords": ["mystery", "port"], "XMP-iptcCore:AltTextAccessibility": "image"},
        )
        for i in range(3)
    ]
    paths.append(
        make_jpeg(
            "gps.jpg",
            seed=1710,
            tags={
                "GPSLatitude": 1,
                "GPSLatitudeRef": "N",
                "GPSLongitude": 1,
                "GPSLongitudeRef": "E",
                "IFD0:Copyright": "(c) x",
            },
        )
    )
    list(ingest_paths(paths))
    report = vocabulary_report()
    assert report["unmapped_keywords"] == [
        {"keyword": "mystery", "assets": 3, "link": "/admin/assets/asset/?term=mystery"}
    ]
    assert [row["label"] for row in report["labels_with_several_terms"]] == ["port"]
    assert report["near_duplicate_terms"][0]["terms"] == ["harbour", "Harbours"]
    assert report["repeated_texts"] == [
        {"field": "alt_text", "text": "image", "assets": 3, "link": "/admin/assets/asset/?text_is=image"}
    ]
    assert report["missing"]["geo"]["assets"] == 3 and report["missing"]["rights"]["assets"] == 3
    assert report["missing"]["alt_text"]["assets"] == 1
    assert report["geo_completeness"] == [{"kind": "image", "assets": 4, "with_coordinates": 1, "share": 0.25}]


def test_report_links_open_the_assets_concerned(client, django_user_model, make_jpeg):
    list(ingest_paths([make_jpeg(f"l{i}.jpg", seed=1720 + i, tags={"IPTC:Keywords": "mystery"}) for i in range(2)]))
    other = list(ingest_paths([make_jpeg("other.jpg", seed=1730)]))[0].asset_id
    client.force_login(django_user_model.objects.create_superuser("boss", "b@example.org", "x"))
    report_page = client.get("/admin/assets/term/report/").content.decode()
    assert "Unmapped keywords" in report_page and "mystery" in report_page and "GEO completeness" in report_page
    listed = client.get("/admin/assets/asset/?term=mystery").content.decode()
    assert listed.count("mystery") >= 1 and other not in listed


def test_report_command_json(make_jpeg, capsys):
    list(ingest_paths([make_jpeg("c.jpg", seed=1740, tags={"IPTC:Keywords": "orphan"})]))
    call_command("vocabulary_report", "--json")
    report = json.loads(capsys.readouterr().out)
    assert report["unmapped_keywords"][0]["keyword"] == "orphan"
    assert set(report) == {
        "unmapped_keywords",
        "labels_with_several_terms",
        "near_duplicate_terms",
        "repeated_texts",
        "missing",
        "geo_completeness",
    }


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
