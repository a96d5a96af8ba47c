"""Relevance floors: how similar a query and an asset must be, by one model version, before the
match counts as evidence in search.

A version's floor is the ``DAM_SEARCH_FLOOR_QUANTILE`` (default 0.95) of the similarities of its
own unrelated pairs: a fixed set of everyday probe phrases, on every subject and none in
particular, embedded by the version as queries are, against a deterministic sample of its stored
vectors (up to ``SAMPLE`` segments). Almost every such pair is unrelated, so a neighbour below
the floor is as close as chance makes things, and search leaves it out. For a version that embeds
no text, the pairs are its own stored vectors of different assets: as many assets of the sample
as there are probes, against the whole sample (about 100,000 pairs, half a second; every pair of
the sample took a minute, in the first search that needed the floor).

A pair is (probe, asset), and its similarity is that of the asset's closest segment, because
search counts each asset by its best segment: an asset with many segments (a transcript's
sentences, a recording's windows) gets many chances to come close by luck, and its floor is
higher for it.

The floor is stored on the version (``ModelVersion.relevance_floor``) and shown by
``models list``. It is calibrated off the search path, once the version holds vectors of at
least ``MIN_ASSETS`` assets: by the worker after it embeds for an active role, by a migration's
validation (on the whole backfill, before cutover), and when a web or worker process starts
(``relevance_floor_settle``); search calibrates only a version none of these reached, and
``models calibrate`` again on demand. The worker calibrates again while the library grows, each
time it holds twice the assets the floor was measured on, until the sample is full. Until then a
text version's floor is provisional: the same quantile of the probes' similarities to one another.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection

from embeddings.storage import vector_literal

logger = logging.getLogger(__name__)

SAMPLE = 2000
MIN_ASSETS = 20
PROBES = [
    "a cup of tea on a kitchen table",
    "the stock market fell sharply today",
    "instructions for assembling a shelf",
    "a child learning to ride",
    "how to change a flat tyre",
    "a rainy afternoon in the city",
    "the history of the roman empire",
    "a recipe for vegetable soup",
    "a politician giving a speech",
    "an old man reading a newspaper",
    "the rules of tennis",
    "a spreadsheet of quarterly results",
    "a doctor explaining a diagnosis",
    "the sound of traffic",
    "a birthday party with balloons",
    "a software update is available",
    "the price of petrol",
    "a quiet street at night",
    "a student taking an exam",
    "the mountains in the distance",
    "a phone call with a friend",
    "a painting in a museum",
    "a broken window",
    "planting seeds in spring",
    "a train timetable",
    "a joke about lawyers",
    "the smell of fresh coffee",
    "a long queue at the airport",
    "a lost umbrella",
    "the winner of the election",
    "a dog chasing a ball",
    "an email about a meeting",
    "a bowl of fruit",
    "the northern lights",
    "a factory assembly line",
    "a conversation in a cafe",
    "a map of the world",
    "a pair of old shoes",
    "the weather this weekend",
    "a concert in the park",
    "a tax form",
    "a glass of water",
    "people waiting for a bus",
    "a science experiment",
    "a wooden door",
    "a crowded beach in summer",
    "the end of the story",
    "a computer keyboard",
    "a bridge over a river",
    "a plate of pasta",
]


def relevance_floor_measure(version, quantiles) -> tuple[list[float], int] | None:
    """The ``quantiles`` of the version's unrelated-pair similarities and how many pairs there
    were, stored nowhere; None when it holds vectors of fewer than ``MIN_ASSETS`` assets."""
    measured = _measure(version, quantiles)
    return None if measured is None else measured[:2]


def _measure(version, quantiles) -> tuple[list[float], int, int] | None:
    """``relevance_floor_measure``, and how many segments the sample held."""
    from embeddings.encoders.loading import encoder_for

    if not version.dimension:
        return None
    dimension, pk = int(version.dimension), int(version.pk)
    # The sample's rows are chosen first and their vectors read after: a vector stored out of line
    # is read only for the rows chosen (at a million, 0.6 s instead of 16 s).
    sample = (
        f"SELECT e.asset_id, e.embedding::vector({dimension}) AS v FROM (SELECT id FROM embeddings_embedding "
        f"WHERE model_version_id = {pk} ORDER BY md5(asset_id || ':' || segment_start_ms) LIMIT {SAMPLE}) AS chosen "
        "JOIN embeddings_embedding AS e ON e.id = chosen.id"
    )
    quantiles = [float(quantile) for quantile in quantiles]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(DISTINCT asset_id), count(*) FROM ({sample}) AS s")
        assets, segments = cursor.fetchone()
        if assets < MIN_ASSETS:
            return None
        probes = None
        if "text" in (version.modalities or []):
            try:
                probes = encoder_for(version).embed_texts(PROBES)
            except Exception as error:  # a version whose encoder cannot load here: its own pairs then
                logger.warning("model version %s: no text probes for its floor (%s)", pk, error)
        if probes is not None:
            pairs_sql = (
                f"WITH s AS MATERIALIZED ({sample}), p AS (SELECT probe, q::vector({dimension}) AS q "
                "FROM unnest(%s::text[]) WITH ORDINALITY AS t(q, probe)) "
                "SELECT max(1 - (s.v <=> p.q)) AS similarity FROM s, p GROUP BY p.probe, s.asset_id"
            )
            params = [[vector_literal(probe) for probe in probes]]
        else:  # as many of its own assets as there are probe phrases, against the whole sample
            pairs_sql = (
                f"WITH s AS MATERIALIZED ({sample}) SELECT max(1 - (a.v <=> b.v)) AS similarity "
                "FROM s a JOIN s b ON a.asset_id <> b.asset_id WHERE a.asset_id IN "
                "(SELECT asset_id FROM s GROUP BY asset_id ORDER BY md5(asset_id) LIMIT %s) "
                "GROUP BY a.asset_id, b.asset_id"
            )
            params = [len(PROBES)]
        cursor.execute(
            "SELECT percentile_cont(%s::float8[]) WITHIN GROUP (ORDER BY similarity), count(*) "
            f"FROM ({pairs_sql}) AS pairs",
            [quantiles, *params],
        )
        floors, pairs = cursor.fetchone()
    return list(floors), pairs, segments


def relevance_floor_calibrate(version) -> float | None:
    """Calibrate and store the version's floor (the ``DAM_SEARCH_FLOOR_QUANTILE`` of its
    unrelated pairs); None (nothing stored) when it holds vectors of fewer than ``MIN_ASSETS`` assets."""
    from embeddings.models import ModelVersion

    measured = _measure(version, [settings.DAM_SEARCH_FLOOR_QUANTILE])
    if measured is None:
        return None
    [floor], pairs, segments = measured
    ModelVersion.objects.filter(pk=version.pk).update(
        relevance_floor=floor, relevance_floor_pairs=pairs, relevance_floor_segments=segments
    )
    version.relevance_floor, version.relevance_floor_pairs = floor, pairs
    version.relevance_floor_segments = segments
    logger.info("model version %s: relevance floor %.3f from %d pairs", version.pk, floor, pairs)
    return floor


# Provisional floors of text versions too small to calibrate, by (version, quantile): in memory only.
_provisional: dict[tuple[int, float], float] = {}


def relevance_floor_provisional(version) -> float | None:
    """For a text version holding vectors of fewer than ``MIN_ASSETS`` assets: the floor quantile
    of the probes' similarities to one another (every pair of them unrelated), so a small library
    (a demo, a first import) does not let every neighbour in. Of the order of a calibrated floor
    (0.26 for all-MiniLM-L6-v2, against 0.21 to 0.28 calibrated on libraries), kept in memory and
    never stored: the version is calibrated on its own vectors once it has enough. None for a
    version that embeds more than text (CLIP, CLAP: their text-to-picture similarities are of
    another order) or whose encoder cannot load here."""
    from embeddings.encoders.loading import encoder_for

    if set(version.modalities or []) != {"text"}:  # across modalities, text-to-text says nothing
        return None
    key = (int(version.pk), float(settings.DAM_SEARCH_FLOOR_QUANTILE))
    if key not in _provisional:
        try:
            vectors = encoder_for(version).embed_texts(PROBES)
        except Exception as error:
            logger.warning("model version %s: no provisional floor (%s)", version.pk, error)
            return None
        with connection.cursor() as cursor:
            cursor.execute(
                "WITH p AS (SELECT probe, q::vector AS q FROM unnest(%s::text[]) WITH ORDINALITY AS t(q, probe)) "
                "SELECT percentile_cont(%s) WITHIN GROUP (ORDER BY 1 - (a.q <=> b.q)) "
                "FROM p a JOIN p b ON a.probe < b.probe",
                [[vector_literal(vector) for vector in vectors], key[1]],
            )
            _provisional[key] = float(cursor.fetchone()[0])
        logger.info("model version %s: provisional floor %.3f (few assets)", version.pk, _provisional[key])
    return _provisional[key]


def _segments_held(version, at_most: int) -> int:
    """How many segments the version holds, counted up to ``at_most`` (a short index range)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT 1 FROM embeddings_embedding WHERE model_version_id = %s LIMIT %s) AS held",
            [int(version.pk), int(at_most)],
        )
        return cursor.fetchone()[0]


def relevance_floor_settle(version) -> float | None:
    """The version's stored floor, calibrated first when it has none yet, or when it holds twice
    the segments its floor's sample held and that sample was not full (a library that grew since:
    at most a handful of times in a version's life): for the worker after it writes vectors, a
    migration's validation and process start-up, so that no search waits for it. None while
    vectors of too few assets are stored to calibrate."""
    from embeddings.models import ModelVersion

    if not version.dimension:
        return None
    floor, sampled = ModelVersion.objects.filter(pk=version.pk).values_list(
        "relevance_floor", "relevance_floor_segments"
    ).first() or (None, 0)
    if floor is not None and (sampled >= SAMPLE or _segments_held(version, 2 * sampled) < 2 * sampled):
        version.relevance_floor = floor
        return floor
    return relevance_floor_calibrate(version)


def relevance_floor_ready(version) -> float | None:
    """``relevance_floor_settle`` for a caller that must go on whatever happens (the worker after
    it has written vectors, process start-up): in a savepoint, a failure logged, None then
    (search calibrates when it first needs the floor)."""
    from django.db import transaction

    try:
        with transaction.atomic():
            return relevance_floor_settle(version)
    except Exception as error:
        logger.warning("model version %s: relevance floor not calibrated (%s)", version.pk, error)
        return None


def relevance_floor(version) -> float | None:
    """The version's floor, calibrated now if it has none yet and can have one; while it holds
    vectors of too few assets to tell chance from a match, the provisional floor of a text version,
    and None (nothing is cut) for the others."""
    floor = getattr(version, "relevance_floor", None)
    if floor is None:
        floor = relevance_floor_calibrate(version)
    return relevance_floor_provisional(version) if floor is None else floor
