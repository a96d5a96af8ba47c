"""The vocabulary report: what drifts from one label per concept, in the admin and the vocabulary_report command."""

import json

import pytest
from django.core.management import call_command

from assets.ingest import ingest_paths
from assets.models import Term
from assets.vocabulary.report import near_duplicate_key, vocabulary_report

pytestmark = pytest.mark.django_db


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


def test_a_librarian_creates_a_term_from_an_unmapped_keyword_in_the_report(client, librarian, user_in_group, make_jpeg):
    list(ingest_paths([make_jpeg(f"c{i}.jpg", seed=1740 + i, tags={"IPTC:Keywords": "lighthouse"}) for i in range(2)]))
    client.force_login(librarian)
    page = client.get("/admin/assets/term/report/").content.decode()
    assert 'name="keyword" value="lighthouse"' in page and "Create a term from this keyword" in page
    assert client.get("/admin/assets/term/report/create-term/").status_code == 405
    response = client.post("/admin/assets/term/report/create-term/", {"keyword": " lighthouse "}, follow=True)
    term = Term.objects.get(preferred_label="lighthouse")
    assert "Term “lighthouse” created" in response.content.decode()
    assert f"/admin/assets/term/{term.pk}/change/" in response.content.decode()  # to add aliases or a broader term
    assert "lighthouse" not in {row["keyword"] for row in vocabulary_report()["unmapped_keywords"]}
    again = client.post("/admin/assets/term/report/create-term/", {"keyword": "Lighthouse"}, follow=True)
    assert "already claims this keyword" in again.content.decode() and Term.objects.count() == 1
    # A viewer reads the report but gets no button, and cannot create terms by posting.
    from assets.staff_groups import VIEWER

    client.force_login(user_in_group(VIEWER, staff=True))
    assert client.post("/admin/assets/term/report/create-term/", {"keyword": "other"}).status_code == 403
    assert Term.objects.count() == 1
