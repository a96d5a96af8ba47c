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
