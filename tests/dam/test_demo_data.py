"""The demo's vocabulary: installed into an empty vocabulary only, with aliases and a broader
term, so the sample keywords are normalised and the report has something to show."""

import pytest

from assets.ingest import ingest_paths
from assets.models import Asset, Term
from assets.vocabulary.report import vocabulary_report
from dam.demo_data import demo_vocabulary_install
from tests.conftest import FIXTURES_DIR

pytestmark = pytest.mark.django_db


def test_the_demo_vocabulary_normalises_the_sample_keywords_and_leaves_some_for_the_report():
    assert demo_vocabulary_install() == 9
    harbours = Term.objects.get(preferred_label="Harbours")
    assert "harbour" in harbours.aliases and harbours.broader.preferred_label == "Coasts and water"
    [result] = ingest_paths([FIXTURES_DIR / "images" / "sample.jpg"])
    keywords = Asset.objects.get(pk=result.asset_id).keywords
    assert "Harbours" in keywords and "Sailing boats" in keywords
    unmapped = {row["keyword"] for row in vocabulary_report()["unmapped_keywords"]}
    assert "Zürich-style café" in unmapped


def test_a_second_start_leaves_a_librarians_vocabulary_alone():
    demo_vocabulary_install()
    Term.objects.filter(preferred_label="Parks").update(aliases=["green space"])
    assert demo_vocabulary_install() == 0
    assert Term.objects.get(preferred_label="Parks").aliases == ["green space"]
    Term.objects.all().delete()
    Term.objects.create(preferred_label="Our own term")
    assert demo_vocabulary_install() == 0 and Term.objects.count() == 1
