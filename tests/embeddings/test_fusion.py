"""Fusion scores gathered evidence by the rules of docs/search.md: a floor per version, the best
match of each kind, a partial word match counting less, corroboration bounded, settings varied
without touching the database."""

from types import SimpleNamespace

from assets.fulltext import MetadataMatch
from embeddings.fusion import Fusion, Gathered, VectorList, evidence_fuse
from embeddings.storage import Neighbour

TEXT = SimpleNamespace(pk=1)  # a model version: fusion needs only its pk
SPEECH = SimpleNamespace(pk=2)


def neighbour(asset_id: str, similarity: float, start_ms: int = 0, end_ms: int | None = None) -> Neighbour:
    return Neighbour(asset_id, start_ms, end_ms, f"text of {asset_id}", 1.0 - similarity, kind="image", title=asset_id)


def fusion(**changes) -> Fusion:
    return Fusion.configured().varied(**changes)


def test_a_word_match_of_one_query_word_in_three_is_weak_and_a_full_match_is_not():
    gathered = Gathered(
        metadata=[
            MetadataMatch("lecture", 0.33, ["lecture"], coverage=1 / 3),  # "quantum chromodynamics lecture"
            MetadataMatch("full", 0.95, ["quantum", "chromodynamics", "lecture"], coverage=1.0),
        ]
    )
    fused = evidence_fuse(gathered, fusion(partial_power=2.0, weak_below=0.2))
    assert fused.scores["lecture"] < 0.2 <= fused.scores["full"]
    assert evidence_fuse(gathered, fusion(partial_power=1.0)).scores["lecture"] > 0.3  # the power is what does it


def test_a_strong_vector_match_outranks_a_chance_word_match():
    gathered = Gathered(
        vectors=[VectorList("metadata", TEXT, [neighbour("cat", 0.62), neighbour("sleep", 0.37)])],
        metadata=[MetadataMatch("sleep", 0.49, ["sleeping"], coverage=0.5)],  # "a sleeping kitty"
        floors={1: 0.25},
    )
    fused = evidence_fuse(gathered, fusion(partial_power=2.0))
    assert fused.ranked() == ["cat", "sleep"]


def test_neighbours_at_or_below_the_floor_are_no_evidence_and_a_varied_floor_is_used():
    gathered = Gathered(
        vectors=[VectorList("spoken", SPEECH, [neighbour("near", 0.5, 0, 900), neighbour("chance", 0.27, 0, 900)])],
        floors={2: 0.28},
    )
    assert evidence_fuse(gathered, fusion()).ranked() == ["near"]
    assert evidence_fuse(gathered, fusion(floors={2: 0.2})).ranked() == ["near", "chance"]
    spoken = evidence_fuse(gathered, fusion()).kinds["near"]["spoken"]
    assert (spoken["start_ms"], spoken["end_ms"]) == (0, 900) and 0 < spoken["vector_strength"] < 1


def test_each_kind_counts_once_and_more_kinds_add_little():
    gathered = Gathered(
        vectors=[
            VectorList("metadata", TEXT, [neighbour("picture", 0.6), neighbour("recording", 0.6)]),
            VectorList("spoken", SPEECH, [neighbour("recording", 0.6, 0, 500), neighbour("recording", 0.59, 500, 900)]),
        ],
        floors={1: 0.2, 2: 0.2},
    )
    fused = evidence_fuse(gathered, fusion(corroboration=0.1))
    picture, recording = fused.scores["picture"], fused.scores["recording"]
    assert picture < recording <= picture + 0.1 * picture * (1 - picture) + 1e-9 and recording <= 1
    assert evidence_fuse(gathered, fusion(corroboration=0.0)).scores["recording"] == picture


def test_ties_break_by_asset_id_and_weights_scale_a_kind():
    gathered = Gathered(
        vectors=[VectorList("spoken", SPEECH, [neighbour("b", 0.6, 0, 9), neighbour("a", 0.6, 0, 9)])],
        metadata=[MetadataMatch("c", 0.4, ["word"])],
        floors={2: 0.2},
    )
    assert evidence_fuse(gathered, fusion()).ranked() == ["a", "b", "c"]
    assert evidence_fuse(gathered, fusion(weights={"spoken": 0.5, "metadata": 1.0})).ranked() == ["c", "a", "b"]
