"""Keywords normalised to their terms' preferred labels, by hand and on ingest."""

import pytest

from assets.ingest import ingest_paths
from assets.models import Asset, Term
from assets.vocabulary.keywords import keywords_normalize, keywords_unmapped

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


def test_terms_for_tens_of_thousands_of_keywords_is_one_quick_query(django_assert_num_queries):
    """The keys go as one array parameter, not one compiled expression each (seconds per feed page)."""
    import time

    from assets.vocabulary.keywords import terms_for

    Term.objects.create(preferred_label="Harbours", aliases=["harbour"])
    keywords = [f"k{number}" for number in range(50_000)] + ["HARBOUR"]
    started = time.perf_counter()
    with django_assert_num_queries(1):
        found = terms_for(keywords)
    assert time.perf_counter() - started < 2
    assert [term.preferred_label for term in found.values()] == ["Harbours"]
