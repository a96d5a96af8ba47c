"""Search fuses evidence per asset (real all-MiniLM-L6-v2 weights, real PostgreSQL): one result
per asset with what matched, a calibrated floor per model version, scores in 0-1, an order that
does not depend on k."""

import copy

import pytest
from django.core.management import call_command

from assets.models import Asset, FileVersion
from embeddings.calibration import PROBES
from embeddings.defaults import default_models_register
from embeddings.models import Embedding, ModelVersion, Role
from embeddings.pipeline import embed_assets
from embeddings.search import search_text

pytest.importorskip("sentence_transformers", reason="the ml extra is not installed")
pytestmark = pytest.mark.django_db

SUBJECTS = [
    ("Fishing boats in the harbour", ["harbour", "boats"]),
    ("Sailing boats racing in the bay", ["sailing", "regatta"]),
    ("Lighthouse on the cliff", ["lighthouse"]),
    ("Red tram in the old town", ["tram"]),
    ("Bread cooling in a bakery", ["bakery", "bread"]),
    ("Barn owl on a fence post", ["owl", "bird"]),
    ("Cat asleep on a windowsill", ["cat"]),
    ("Skiers on a snowy slope", ["skiing", "snow"]),
    ("Camel caravan in the desert", ["desert", "camel"]),
    ("Wedding couple under an arch", ["wedding"]),
    ("Football match in the stadium", ["football"]),
    ("Violinist on stage", ["violin", "concert"]),
]


@pytest.fixture
def library():
    """24 assets (two per subject), enough for the text model's floor to be calibrated."""
    assert "asset_text" in default_models_register()
    ids = {}
    for number, (title, keywords) in enumerate(SUBJECTS * 2):
        identifier = f"{number:032x}"
        asset = Asset.objects.create(
            id=identifier, kind="image", original_sha256=identifier * 2, title=f"{title} {number}", keywords=keywords
        )
        asset.current_version = FileVersion.objects.create(
            asset=asset, number=1, sha256=identifier * 2, size=1, mime_type="image/jpeg", storage_name=identifier
        )
        asset.save()
        ids.setdefault(title, []).append(identifier)
    embed_assets("asset_text", [i for pair in ids.values() for i in pair])
    return ids


def test_one_result_per_asset_with_its_evidence_in_words(library, admin_user):
    results = search_text(admin_user, "fishing boats", k=5)
    assert {r.asset_id for r in results[:2]} == set(library["Fishing boats in the harbour"])
    assert len({r.asset_id for r in results}) == len(results)
    top = results[0].as_json()
    assert {"asset_id", "score", "kind", "title", "segments", "model_versions"} <= set(top)
    metadata = top["evidence"]["metadata"]
    assert metadata["fields"] == ["title", "keywords"] and "<b>Fishing</b>" in metadata["highlights"]["title"]
    assert top["explanation"].startswith("title and keywords match")
    assert not top["weak"] and 0 < top["score"] <= 1
    scores = [r.score for r in results]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)


def test_the_floor_is_calibrated_when_the_vectors_are_written_stored_and_listed(library, admin_user, capsys):
    version = Role.objects.get(name="asset_text").model_version  # embedded by the fixture, searched by nobody
    assert 0 < version.relevance_floor < 0.6 and version.relevance_floor_pairs > 1000
    assert version.relevance_floor_segments == 24
    call_command("models", "list")
    assert f"floor={version.relevance_floor:.3f}" in capsys.readouterr().out
    ModelVersion.objects.filter(pk=version.pk).update(relevance_floor=None)
    call_command("models", "calibrate")
    assert "floor 0." in capsys.readouterr().out


def test_a_floor_counts_each_probe_and_asset_once_by_its_closest_segment(library):
    from embeddings.calibration import relevance_floor_measure

    version = Role.objects.get(name="asset_text").model_version
    ModelVersion.objects.filter(pk=version.pk).update(relevance_floor=None)
    (median, floor), pairs = relevance_floor_measure(version, [0.5, 0.95])
    assert median < floor < 0.6 and pairs == len(PROBES) * 24
    assert ModelVersion.objects.get(pk=version.pk).relevance_floor is None  # measured, not stored


def test_search_calibrates_a_floor_nothing_else_did(library, admin_user):
    version = Role.objects.get(name="asset_text").model_version
    ModelVersion.objects.filter(pk=version.pk).update(relevance_floor=None, relevance_floor_segments=0)
    search_text(admin_user, "a lighthouse", k=3)
    version.refresh_from_db()
    assert 0 < version.relevance_floor < 0.6 and version.relevance_floor_segments == 24


def test_the_floor_is_measured_again_while_the_library_doubles_and_not_in_between(library, caplog):
    version = Role.objects.get(name="asset_text").model_version

    def more(count: int, start: int) -> list[str]:
        made = []
        for number in range(start, start + count):
            identifier = f"{number:032x}"
            asset = Asset.objects.create(
                id=identifier,
                kind="image",
                original_sha256=identifier * 2,
                title=f"{SUBJECTS[number % 12][0]} {number}",
            )
            asset.current_version = FileVersion.objects.create(
                asset=asset, number=1, sha256=identifier * 2, size=1, mime_type="image/jpeg", storage_name=identifier
            )
            asset.save()
            made.append(identifier)
        return made

    with caplog.at_level("INFO", logger="embeddings.calibration"):
        embed_assets("asset_text", more(20, 100))  # 44 segments: less than twice the 24 measured on
        assert "relevance floor" not in caplog.text
        embed_assets("asset_text", more(4, 200))  # 48: twice
        assert "relevance floor" in caplog.text
    version.refresh_from_db()
    assert version.relevance_floor_segments == 48 and version.relevance_floor_pairs == len(PROBES) * 48


def test_a_library_too_small_to_calibrate_gets_a_provisional_floor_that_is_not_stored(library):
    from embeddings.calibration import MIN_ASSETS, relevance_floor, relevance_floor_measure

    version = Role.objects.get(name="asset_text").model_version
    [floor], _ = relevance_floor_measure(version, [0.95])
    keep = list(Embedding.objects.filter(model_version=version).values_list("asset_id", flat=True)[: MIN_ASSETS - 1])
    Embedding.objects.filter(model_version=version).exclude(asset_id__in=keep).delete()
    ModelVersion.objects.filter(pk=version.pk).update(relevance_floor=None)
    version.refresh_from_db()
    provisional = relevance_floor(version)
    assert 0 < provisional < 0.6 and abs(provisional - floor) < 0.1  # of the order of a calibrated floor
    assert ModelVersion.objects.get(pk=version.pk).relevance_floor is None


def test_unrelated_queries_find_nothing_strong(library, admin_user):
    results = search_text(admin_user, "quantum chromodynamics lecture", k=10)
    assert all(r.weak for r in results), [(r.title, r.score) for r in results]
    paraphrase = search_text(admin_user, "a sleeping kitty", k=3)
    assert paraphrase and paraphrase[0].asset_id in library["Cat asleep on a windowsill"]
    assert paraphrase[0].evidence["metadata"]["similarity"] > 0


def test_the_first_results_do_not_depend_on_k(library, admin_user):
    for text in ("boats", "animals", "snow on a mountain", "music"):
        ten = [r.asset_id for r in search_text(admin_user, text, k=10)]
        for k in (1, 3, 5):
            assert [r.asset_id for r in search_text(admin_user, text, k=k)] == ten[:k]


def test_a_query_is_encoded_once_for_the_roles_one_model_serves(library, admin_user, monkeypatch):
    from embeddings.encoders.loading import encoder_for
    from embeddings.encoders.text import TextEncoder
    from embeddings.search import search_text_gather

    pytest.importorskip("faster_whisper", reason="the transcript role comes with the ml extra")
    text_role, transcript_role = (Role.objects.get(name=name) for name in ("asset_text", "transcript"))
    assert text_role.model_version_id != transcript_role.model_version_id  # two versions, one model
    encoded = []
    original = TextEncoder.embed_texts
    monkeypatch.setattr(TextEncoder, "embed_texts", lambda self, texts: encoded.append(texts) or original(self, texts))
    gathered = search_text_gather(admin_user, "fishing boats")
    assert encoded.count(["fishing boats"]) == 1  # (the transcript version's floor encodes its probes)
    assert {vectors.kind for vectors in gathered.vectors} == {"metadata", "spoken"}
    # A model with other weights is another query vector.
    other = ModelVersion.objects.get(pk=transcript_role.model_version_id)
    other.weights_sha256 = "0" * 64
    loaded = encoder_for(text_role.model_version)
    reloaded = copy.copy(loaded)
    reloaded.version = other
    assert loaded.text_query_key != reloaded.text_query_key


def test_exclusions_hold_for_every_kind_of_evidence(library, admin_user):
    results = search_text(admin_user, "boats -sailing", k=10)
    found = {r.asset_id for r in results}
    assert not found & set(library["Sailing boats racing in the bay"])
    assert set(library["Fishing boats in the harbour"]) <= found


def test_the_api_returns_evidence(library, api_client):
    response = api_client.post("/api/search/", {"text": '"red tram"', "k": 2}, format="json")
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert {r["asset_id"] for r in results} == set(library["Red tram in the old town"])
    assert results[0]["evidence"]["metadata"]["fields"] == ["title"]
