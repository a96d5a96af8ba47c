"""Vectors in pgvector: idempotent upserts, HNSW per version, filtered search that returns full k."""

import json

import numpy
import pytest
from django.db import connection, transaction

from assets.models import Asset, FileVersion
from benchmarks.synthetic import synthetic_assets_create
from embeddings.models import Embedding
from embeddings.registry import model_version_register
from embeddings.storage import VectorError, VectorRow, hnsw_index_create, nearest, vector_literal, vectors_upsert

pytestmark = pytest.mark.django_db
DIMENSION = 32


@pytest.fixture
def version(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"weights for storage tests")
    return model_version_register(
        {
            "family": "text",
            "name": "tiny-text",
            "source_kind": "directory",
            "source": str(tmp_path),
            "dimension": DIMENSION,
            "modalities": ["text"],
            "preprocessing": {"max_tokens": 128},
        }
    )[0]


CENTRES = numpy.random.default_rng(3).normal(size=(20, DIMENSION))


def clustered(count: int, seed: int = 3) -> numpy.ndarray:
    """Vectors around 20 fixed centres, like real embeddings (uniform random ones are a worst case for
    HNSW); queries come from the same distribution as the library, as real queries do."""
    generator = numpy.random.default_rng(seed)
    points = CENTRES[generator.integers(0, 20, count)] + 0.15 * generator.normal(size=(count, DIMENSION))
    return points / numpy.linalg.norm(points, axis=1, keepdims=True)


@pytest.fixture
def library(version):
    synthetic_assets_create(3000, prefix="vectors")
    pairs = list(FileVersion.objects.order_by("asset_id").values_list("asset_id", "id"))
    vectors = clustered(len(pairs))
    vectors_upsert(
        version,
        [
            VectorRow(asset_id, version_id, vector.tolist())
            for (asset_id, version_id), vector in zip(pairs, vectors, strict=True)
        ],
    )
    return {asset_id: vector for (asset_id, _), vector in zip(pairs, vectors, strict=True)}


def exact(library: dict, query, ids) -> list[str]:
    return sorted(ids, key=lambda asset_id: 1 - float(numpy.dot(library[asset_id], query)))


def test_upserts_never_duplicate(version, library):
    asset_id = next(iter(library))
    version_id = FileVersion.objects.get(asset_id=asset_id).pk
    for _ in range(3):
        vectors_upsert(version, [VectorRow(asset_id, version_id, [1.0] + [0.0] * (DIMENSION - 1))])
    assert Embedding.objects.filter(asset_id=asset_id).count() == 1
    assert list(Embedding.objects.get(asset_id=asset_id).embedding)[0] == 1.0


@pytest.mark.parametrize(
    ("vector", "message"),
    [
        ([0.1] * 3, "3-dimensional vector for a 32"),
        ([float("nan")] * DIMENSION, "NaN"),
        ([0.0] * DIMENSION, "all zeros"),
    ],
)
def test_broken_vectors_are_refused(version, vector, message):
    synthetic_assets_create(1, prefix="broken")
    asset = Asset.objects.get()
    with pytest.raises(VectorError, match=message):
        vectors_upsert(version, [VectorRow(asset.pk, asset.current_version_id, vector)])


def test_search_uses_the_versions_hnsw_index_and_finds_the_true_neighbours(version, library):
    query = clustered(1, seed=99)[0]
    found = [n.asset_id for n in nearest(version, query.tolist(), 10)]
    truth = exact(library, query, list(library))[:10]
    assert len(set(found) & set(truth)) >= 9  # recall@10
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        literal = vector_literal(query)
        cursor.execute(
            f"EXPLAIN (FORMAT JSON) SELECT asset_id FROM embeddings_embedding WHERE model_version_id = {version.pk} "
            f"ORDER BY (embedding::vector({DIMENSION})) <=> %s::vector({DIMENSION}) LIMIT 10",
            [literal],
        )
        plan = json.dumps(cursor.fetchone()[0])
    assert version.index_name in plan


def test_a_version_holding_few_of_the_tables_vectors_is_still_searched_by_its_graph(version, library, tmp_path):
    """For a version with a small share of the table's vectors, pgvector's estimate makes its
    B-tree and a sort look cheaper than the graph (at 20,000 MiniLM vectors, 13.6 ms against
    2.3 ms): every statement of the index search, plain or filtered, reads the graph."""
    from embeddings import storage

    (tmp_path / "model.safetensors").write_bytes(b"a second model")
    small, _ = model_version_register(
        {
            "family": "text",
            "name": "small",
            "source_kind": "directory",
            "source": str(tmp_path),
            "dimension": 16,
            "modalities": ["text"],
            "preprocessing": {},
        }
    )
    few = sorted(library)[:300]
    rows = dict(FileVersion.objects.filter(asset_id__in=few).values_list("asset_id", "id"))
    vectors_upsert(small, [VectorRow(a, rows[a], library[a][:16].tolist()) for a in few])
    hnsw_index_create(small)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE embeddings_embedding")
    plans = []
    real = storage._run

    def explained(sql, params, *args, **kwargs):
        [[plan]] = real("EXPLAIN (FORMAT JSON) " + sql, params, *args, **kwargs)
        plans.append(json.dumps(plan))
        return real(sql, params, *args, **kwargs)

    query = library[few[0]][:16].tolist()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(storage, "_run", explained)
        patch.setattr(storage, "EXACT_MS_PER_ROW", 1e6)  # a selective filter by the scan, not exactly
        plain = nearest(small, query, 100)
        broad = nearest(small, query, 100, assets=Asset.objects.filter(pk__in=few[1:]))  # the first read
        selective = nearest(small, query, 10, assets=Asset.objects.filter(pk__in=few[::30]))  # the scan
    assert [len(plain), len(broad), len(selective)] == [100, 100, 10] and plain[0].asset_id == few[0]
    assert [small.index_name in plan for plan in plans] == [True, True, True], plans


def test_every_asset_is_searched_as_no_filter_and_no_asset_as_none(version, library, monkeypatch):
    """A caller who sees everything, with no filter, costs one plain index search: no neighbour is
    checked against a condition that keeps them all. An empty set still finds nothing."""
    from embeddings import storage

    query = clustered(1, seed=31)[0].tolist()
    expected = [n.asset_id for n in nearest(version, query, 10)]

    def refused(*args):
        raise AssertionError("every asset was checked against the filter")

    monkeypatch.setattr(storage, "_candidates_checked", refused)
    assert [n.asset_id for n in nearest(version, query, 10, assets=Asset.objects.all())] == expected
    monkeypatch.undo()
    assert nearest(version, query, 10, assets=Asset.objects.none()) == []


def test_a_filter_keeping_one_percent_still_returns_the_full_k(version, library):
    kept = sorted(library)[::100]  # 1% of the assets
    query = clustered(1, seed=7)[0]
    found = nearest(version, query.tolist(), 10, assets=Asset.objects.filter(pk__in=kept))
    assert len(found) == 10 and {n.asset_id for n in found} <= set(kept)
    truth = exact(library, query, kept)[:10]
    assert len({n.asset_id for n in found} & set(truth)) >= 9
    assert [n.distance for n in found] == sorted(n.distance for n in found)


def test_the_strategy_follows_the_planners_estimate_and_a_wrong_estimate_still_gets_complete_results(version, library):
    """A filter the planner cannot size (an inequality on an expression without statistics: it
    guesses a third of the assets) that truly keeps three is answered by the index scan, as its
    estimate says, and still returns all three in exact order; the same three by their IDs (an
    estimate that is right) are compared exactly."""
    from django.db.models.functions import Lower

    from embeddings.storage import strategy_choose

    few = sorted(library)[40:43]
    Asset.objects.filter(pk__in=few).update(title="Zz marked")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE assets_asset")
    guessed = Asset.objects.annotate(lowered=Lower("title")).filter(lowered__gte="zz")
    query = clustered(1, seed=13)[0]
    chosen = strategy_choose(version, 10, 40, guessed)
    assert chosen.kind == "scan" and chosen.filter_rows > 100 * len(few)
    found = nearest(version, query.tolist(), 10, assets=guessed, ef_search=40)
    assert [n.asset_id for n in found] == exact(library, query, few)
    by_ids = Asset.objects.filter(pk__in=few)
    assert strategy_choose(version, 10, 40, by_ids).kind == "exact"
    assert [n.asset_id for n in nearest(version, query.tolist(), 10, assets=by_ids)] == exact(library, query, few)


@pytest.mark.parametrize("share", [2, 10, 100])
def test_filters_too_large_for_an_exact_answer_are_checked_during_the_index_scan(version, library, monkeypatch, share):
    """Above the exact threshold one iterative index scan checks candidates as it reads; each filter
    (half, a tenth, a hundredth of the assets) still gets the full k, and the true neighbours."""
    monkeypatch.setattr("embeddings.storage.EXACT_MS_PER_ROW", 1e6)  # the scan, whatever the estimates
    kept = sorted(library)[::share]
    query = clustered(1, seed=21)[0]
    found = nearest(version, query.tolist(), 10, assets=Asset.objects.filter(pk__in=kept))
    assert len(found) == 10 and {n.asset_id for n in found} <= set(kept)
    assert len({n.asset_id for n in found} & set(exact(library, query, kept)[:10])) >= 9


@pytest.mark.parametrize(("share", "first_read"), [(1, True), (2, True), (100, False)])
def test_the_unfiltered_first_read_is_skipped_where_the_estimate_says_it_cannot_hold_k(
    version, library, monkeypatch, share, first_read
):
    """Rights and broad filters are answered by one unfiltered read checked against the filter; a
    filter the planner estimates at 1% goes straight to its strategy (at a million vectors, 7 ms of
    30 saved), with the same complete answer."""
    from embeddings import storage

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE assets_asset")
        cursor.execute("ANALYZE embeddings_embedding")
    reads = []
    real = storage._candidates_checked
    monkeypatch.setattr(storage, "_candidates_checked", lambda *a: reads.append(1) or real(*a))
    kept = sorted(library)[::share]
    query = clustered(1, seed=23)[0]
    found = nearest(version, query.tolist(), 10, assets=Asset.objects.filter(pk__in=kept))
    assert bool(reads) == first_read
    assert len(found) == 10 and len({n.asset_id for n in found} & set(exact(library, query, kept)[:10])) >= 9


def test_a_filter_with_fewer_matches_than_k_returns_them_all(version, library):
    kept = sorted(library)[:3]
    found = nearest(version, clustered(1, seed=5)[0].tolist(), 10, assets=Asset.objects.filter(pk__in=kept))
    assert sorted(n.asset_id for n in found) == kept


def test_more_like_this_reads_the_assets_own_vector_and_an_asset_without_one_has_no_neighbours(version, library):
    from embeddings.storage import StoredVector

    asset_id = sorted(library)[7]
    found = nearest(version, StoredVector(asset_id), 10)
    assert found[0].asset_id == asset_id and found[0].distance < 1e-6  # itself, first
    assert [n.asset_id for n in found] == [n.asset_id for n in nearest(version, library[asset_id].tolist(), 10)]
    assert found[0].kind == "image" and found[0].title  # read in the same statement
    synthetic_assets_create(1, prefix="no-vector")
    lonely = Asset.objects.exclude(pk__in=list(library)).get().pk
    assert nearest(version, StoredVector(lonely), 10) == []
    assert nearest(version, StoredVector(lonely), 10, assets=Asset.objects.all()) == []


@pytest.mark.parametrize("expensive", ["EXACT_MS_PER_ROW", "SCAN_MS_PER_CANDIDATE"], ids=["index-scan", "exact"])
def test_more_like_this_with_a_selective_filter_checks_the_source_in_every_strategy(
    version, library, monkeypatch, expensive
):
    """The asset's own vector, a filter keeping 1%, and the set the asset must belong to (the
    caller's visible assets), as a queryset or as precompiled SQL: the same neighbours as a
    search by the vector's values, and none when the asset is outside that set."""
    from assets.selectors import AssetIds
    from embeddings.storage import StoredVector

    monkeypatch.setattr(f"embeddings.storage.{expensive}", 1e6)  # the other strategy, whatever the estimates
    source = sorted(library)[11]
    kept = Asset.objects.filter(pk__in=sorted(library)[::100]).exclude(pk=source)
    by_values = [n.asset_id for n in nearest(version, library[source].tolist(), 10, assets=kept)]
    assert len(by_values) == 10
    everyone = Asset.objects.all()
    sql, params = everyone.order_by().values("pk").query.sql_with_params()
    for visible in (everyone, AssetIds(sql, tuple(params))):
        found = nearest(version, StoredVector(source, visible=visible), 10, assets=kept)
        assert [n.asset_id for n in found] == by_values
    outside = AssetIds(sql + " WHERE false")
    assert nearest(version, StoredVector(source, visible=outside), 10, assets=kept) == []
    assert nearest(version, StoredVector(source, visible=Asset.objects.exclude(pk=source)), 10, assets=kept) == []


def test_the_floor_of_a_version_without_text_comes_from_its_own_vectors_of_different_assets(tmp_path):
    # An image or audio version: no probe phrases, so its own assets stand in for them, each
    # against every sampled asset, and the floor is the quantile of those pairs' similarities.
    from embeddings.calibration import PROBES, relevance_floor_measure

    (tmp_path / "model.safetensors").write_bytes(b"weights of a picture model")
    pictures = model_version_register(
        {
            "family": "open_clip",
            "name": "tiny-pictures",
            "source_kind": "directory",
            "source": str(tmp_path),
            "dimension": DIMENSION,
            "modalities": ["image"],
            "preprocessing": {"image_size": 32},
        }
    )[0]
    synthetic_assets_create(300, prefix="floor")
    pairs = list(FileVersion.objects.order_by("asset_id").values_list("asset_id", "id"))
    vectors = dict(zip([asset_id for asset_id, _ in pairs], clustered(len(pairs), seed=5), strict=True))
    vectors_upsert(
        pictures, [VectorRow(asset_id, version_id, vectors[asset_id].tolist()) for asset_id, version_id in pairs]
    )
    [floor], count = relevance_floor_measure(pictures, [0.95])
    assert count == len(PROBES) * (len(pairs) - 1)  # every probe asset against every other asset
    # The same quantile over all pairs of the library, computed here: the probes are a fair sample.
    matrix = numpy.array(list(vectors.values()))
    similarities = (matrix @ matrix.T)[numpy.triu_indices(len(matrix), k=1)]
    assert abs(floor - numpy.quantile(similarities, 0.95)) < 0.05
