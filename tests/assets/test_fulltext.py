"""Metadata full-text search on the real PostgreSQL: weights, stemming, accents, phrases,
exclusions, the vocabulary, typos; one function behind the list API's ``q`` and the admin."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assets import fulltext
from assets.fulltext import (
    _edit_distance,
    _edits_allowed,
    assets_excluding,
    metadata_evidence,
    metadata_matches,
    query_parse,
)
from assets.models import Asset, Term, TitleWord

pytestmark = pytest.mark.django_db


def asset(label: str, **metadata) -> Asset:
    identifier = f"{label:0<32}"[:32]
    return Asset.objects.create(id=identifier, kind="image", original_sha256=identifier * 2, **metadata)


@pytest.fixture
def library():
    vehicle = Term.objects.create(preferred_label="vehicle")
    Term.objects.create(preferred_label="bicycle", aliases=["bike", "vélo"], broader=vehicle)
    return {
        "harbour": asset("harbour", title="Fishing boats in the harbour", keywords=["harbour", "boats"]),
        "regatta": asset("regatta", title="Regatta", description="Sailing boats race in the bay."),
        "geneva": asset("geneva", title="Old town", city="Genève", country="Switzerland"),
        "bicycle": asset("bicycle", title="Blue frame", keywords=["bicycle"]),
        "lighthouse": asset("lighthouse", title="Lighthouse on the cliff", description="A red lantern."),
        "tram": asset("tram", title="Red tram climbing", description="The tram is red."),
        "crossing": asset("crossing", title="Red light", description="A tram waits at the crossing."),
    }


def found(text: str, assets=None) -> list[str]:
    return [match.asset_id.rstrip("0") for match in metadata_matches(assets or Asset.objects.all(), text)]


def test_the_vector_is_kept_current_by_the_database_in_the_same_statement(library):
    harbour = library["harbour"]
    Asset.objects.filter(pk=harbour.pk).update(title="Container ship at the quay")
    assert "harbour" in found("container ship")  # no save() or signal: the trigger wrote it
    assert "harbour" not in found("fishing")
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_vector::text FROM assets_asset WHERE id = %s", [harbour.pk])
        vector = cursor.fetchone()[0]
    assert "'contain':1A" in vector and "'harbour':" in vector and "B" in vector.split("'harbour':")[1][:6]


def test_words_match_in_any_form_and_title_outweighs_description(library):
    assert found("boat")[:2] == ["harbour", "regatta"]  # title and keywords before description
    scores = {m.asset_id[:7]: m.score for m in metadata_matches(Asset.objects.all(), "boat")}
    assert 0 < scores["regatta"] < scores["harbour"] <= 1


def test_accents_and_case_do_not_matter(library):
    assert found("geneve") == found("GENÈVE") == found("Genève") == ["geneva"]


def test_stopwords_are_the_configurations_own_and_natural_queries_still_match(library):
    assert query_parse("find the boats -sailing").excluded == ("sailing",)
    results = found("find the photos of boats in the harbour")
    assert results[0] == "harbour"


def test_quoted_phrases_must_match_as_phrases(library):
    assert set(found('"red tram"')) == {"tram"}
    assert {"tram", "crossing", "lighthouse"} <= set(found("red tram"))


def test_exclusions_leave_out_what_they_name(library):
    assert found("boats -sailing") == ["harbour"]
    kept = assets_excluding(Asset.objects.all(), query_parse("boats -sailing"))
    assert library["regatta"].pk not in set(kept.values_list("pk", flat=True))


def test_vocabulary_aliases_and_broader_terms_find_tagged_assets(library):
    assert found("bike") == ["bicycle"] and found("vélo") == ["bicycle"]
    [narrower] = metadata_matches(Asset.objects.all(), "vehicle")
    [direct] = metadata_matches(Asset.objects.all(), "bicycle")
    assert narrower.asset_id == library["bicycle"].pk and narrower.score < direct.score


def test_typos_are_corrected_from_titles(library):
    assert found("lighthose") == ["lighthouse"]
    assert found("quantum chromodynamics") == []
    asset("walk", title="Audio walk")
    assert found("audit") == []  # another word, not a typo of "audio"


def test_typo_corrections_come_only_from_the_assets_searched(library, cms):
    """A hidden title neither offers a correction nor, by holding the word, prevents one: either
    would tell a caller what assets they may not see hold."""
    from django.utils import timezone

    secret = asset("secret", title="Quixotia zanzibarr", embargo_until=timezone.now() + timezone.timedelta(days=1))
    asset("shown", title="Quixotic zanzibar sailors")
    visible = Asset.objects.exclude(pk=secret.pk)
    assert found("quixotiw", visible) == ["shown"]  # not "quixotia", which sorts first at equal similarity
    assert found("zanzibarr", visible) == ["shown"]  # corrected: no asset searched holds it
    assert found("zanzibarr") == ["secret"]  # where the hidden asset is searched too
    assert [item["id"] for item in cms.get("/api/assets/?q=quixotiw").json()["results"]] == ["shown".ljust(32, "0")]


def test_a_preferred_correction_that_only_hidden_titles_hold_gives_way_to_the_next(library, monkeypatch):
    # Title words are asked about a few at a time: one at a time here, so the hidden word, asked
    # first, is passed over for the next one.
    secret = asset("secret", title="Quixotia", embargo_until=timezone.now() + timezone.timedelta(days=1))
    asset("shown", title="Quixotic sailors")
    monkeypatch.setattr(fulltext, "CANDIDATES_ASKED", 1)
    assert found("quixotiw", Asset.objects.exclude(pk=secret.pk)) == ["shown"]
    assert found("quixotiw") == ["secret"]


def test_title_words_are_kept_by_the_database_for_corrections(library):
    """Every title's words are where corrections are looked for, written in the statement that
    writes the title: a bulk insert, a queryset update."""
    titles = {"vigneron": "Vigneron à l'œuvre, 1998", "catalogue": "Catalogue 20431 " + "x" * 120}
    Asset.objects.bulk_create(
        [Asset(id=f"{key:0<32}", kind="image", original_sha256=f"{key:0<64}", title=t) for key, t in titles.items()]
    )
    words = set(TitleWord.objects.values_list("word", flat=True))
    assert {"vigneron", "oeuvre", "catalogue", "lighthouse", "fishing"} <= words
    assert not {"1998", "20431", "x" * 120, "on", "a"} & words  # numbers, words too long or too short
    assert found("vignerin") == ["vigneron"]

    harbour = library["harbour"]
    Asset.objects.filter(pk=harbour.pk).update(title="Trawlers moored at dusk")
    assert "trawlers" in set(TitleWord.objects.values_list("word", flat=True))
    assert found("trawlres") == ["harbour"]


def test_a_word_no_title_holds_any_more_is_no_correction(library):
    renamed = asset("renamed", title="Vinyards hill")
    asset("vines", title="Vineyard rows")
    assert found("vinyard") == ["renamed"]  # both one edit away, "vinyards" the more similar
    Asset.objects.filter(pk=renamed.pk).update(title="Orchard hill")
    assert TitleWord.objects.filter(word="vinyards").exists()  # words stay where titles change
    assert found("vinyard") == ["vines"]
    Asset.objects.filter(pk=renamed.pk).delete()
    assert found("orchad") == []


def test_typos_within_an_edit_or_two_are_corrected_even_when_few_trigrams_survive(library):
    asset("vineyard", title="Vineyard rows on a hillside")
    assert found("vinyard") == ["vineyard"]  # a letter left out
    assert found("bicylce") == ["bicycle"]  # two letters swapped: one edit, from the vocabulary's label
    assert sorted(found("bicylce hillside")) == ["bicycle", "vineyard"]
    assert _edit_distance("bicylce", "bicycle") == 1 and _edit_distance("vinyard", "vineyard") == 1
    assert _edit_distance("audit", "audio") == 1 and _edits_allowed("audit") == 0


def test_evidence_names_the_fields_and_highlights_the_words(library):
    matches = metadata_matches(Asset.objects.all(), "fishing harbour")
    metadata_evidence(matches)
    assert matches[0].fields == ["title", "keywords"]
    assert matches[0].highlights["title"] == "<b>Fishing</b> boats in the <b>harbour</b>"


def test_a_limit_keeps_the_first_results_of_the_whole_ranking(library, monkeypatch):
    for number in range(6):
        asset(f"boat{number}", title=f"Boat number {number}", description="A red hull." if number % 2 else "")
    everyone = Asset.objects.all()
    whole = [(m.asset_id, m.score) for m in metadata_matches(everyone, "red boat")]
    assert len(whole) > 6
    for limit in range(1, len(whole) + 1):
        assert [(m.asset_id, m.score) for m in metadata_matches(everyone, "red boat", limit)] == whole[:limit]
    # Fewer assets ranked by ts_rank_cd than tie for the first places: the first k still agree.
    monkeypatch.setattr(fulltext, "RANKED_CANDIDATES", 2)
    firsts = [[m.asset_id for m in metadata_matches(everyone, "boat", limit)] for limit in (1, 2, 3, 4)]
    assert all(longer[: len(shorter)] == shorter for shorter, longer in zip(firsts, firsts[1:], strict=False))


def test_the_statements_do_not_grow_with_the_words_and_compute_no_query_per_asset(library):
    everyone = Asset.objects.all()
    with CaptureQueriesContext(connection) as one:
        metadata_matches(everyone, "boats")
    with CaptureQueriesContext(connection) as many:
        assert metadata_matches(everyone, "red boats harbour tram lighthouse cliff old town blue frame")
    assert len(many.captured_queries) == len(one.captured_queries)
    # The search configuration function is STABLE: called inside a statement over the assets, it
    # would run again for every asset tested (seconds at 100,000 assets).
    scanning = [q["sql"] for q in many.captured_queries if "search_vector @@" in q["sql"]]
    assert scanning and not any("dam_search_config" in sql for sql in scanning)


def test_a_word_nothing_holds_lowers_every_share_and_is_not_tested_per_asset(library):
    # "qwxzvk" is in no asset and has no correction: the same assets, in the same order, each
    # matching less of the query, and the statement over the assets does not look for it.
    everyone = Asset.objects.all()
    alone = metadata_matches(everyone, "boats")
    with CaptureQueriesContext(connection) as queries:
        with_unknown = metadata_matches(everyone, "boats qwxzvk")
    assert [m.asset_id for m in with_unknown] == [m.asset_id for m in alone]
    assert all(0 < m.score < a.score for m, a in zip(with_unknown, alone, strict=True))
    assert all(m.coverage < 1 for m in with_unknown)
    [ranking] = [q["sql"] for q in queries.captured_queries if "WITH matched" in q["sql"]]
    assert "qwxzvk" not in ranking


def test_a_search_leaves_the_callers_transaction_with_its_settings(library):
    # Planner and pg_trgm settings changed for one statement are put back: the transaction may
    # be a caller's that goes on (an admin request, a migration batch).
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL pg_trgm.similarity_threshold = 0.7")
        assert found("lighthose qwxzvk") == ["lighthouse"]  # a correction and a word nothing holds
        cursor.execute("SELECT current_setting('enable_seqscan'), current_setting('pg_trgm.similarity_threshold')")
        assert cursor.fetchone() == ("on", "0.7")


def test_only_the_given_assets_are_searched(library):
    assert found("boats", Asset.objects.filter(pk=library["regatta"].pk)) == ["regatta"]


def test_the_list_api_q_uses_full_text_search(library, api_client):
    response = api_client.get("/api/assets/", {"q": "geneve"})
    assert response.status_code == 200, response.content
    assert [row["id"] for row in response.json()["results"]] == [library["geneva"].pk]
    bad = api_client.get("/api/assets/", {"q": '"unclosed -'})
    assert bad.status_code == 200


def test_the_admin_search_box_uses_full_text_search(library, admin_client):
    response = admin_client.get("/admin/assets/asset/", {"q": "bike"})
    assert response.status_code == 200
    assert "Blue frame" in response.content.decode() and "Fishing boats" not in response.content.decode()


def test_a_word_half_the_library_holds_costs_the_list_one_page(cms):
    # Every synthetic asset's title says "street": the list API's q and the admin's search box
    # hand the database a subquery, not the IDs of every match, and the page comes back full.
    from benchmarks.synthetic import synthetic_assets_create

    synthetic_assets_create(400, prefix="everywhere")
    with CaptureQueriesContext(connection) as queries:
        response = cms.get("/api/assets/", {"q": "street", "page_size": 5})
    assert response.status_code == 200 and len(response.json()["results"]) == 5
    longest = max(len(query["sql"]) for query in queries.captured_queries)
    assert longest < 6_000, f"a statement of {longest} characters: the matches were listed in it"


def hashed(label: str, **metadata) -> Asset:
    """An asset with an ID like a real one (a hash), so IDs spread evenly over their range."""
    import hashlib

    digest = hashlib.sha256(label.encode()).hexdigest()
    return Asset.objects.create(id=digest[:32], kind="image", original_sha256=digest, **metadata)


@pytest.fixture
def streets(monkeypatch):
    """A library where most titles hold "street", with the top tier tried for any match count."""
    for n in range(120):
        hashed(f"street {n}", title=f"Street scene {n}", description="Wet cobbles." if n % 3 else "A harbour wall.")
    for n in range(40):
        hashed(f"quay {n}", title=f"Quay {n}", description="The street behind the harbour.")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE assets_asset")  # the planner's estimate of the matches decides the tier
    monkeypatch.setattr(fulltext, "TIER_MATCHES", 1)
    monkeypatch.setattr(fulltext, "RANKED_CANDIDATES", 8)


def ranked_both_ways(monkeypatch, assets, text: str, limit: int):
    """The matches ranked as chosen, whether the top tier answered, and the full ranking's matches."""
    with CaptureQueriesContext(connection) as queries:
        chosen = metadata_matches(assets, text, limit)
    tiered = not any(query["sql"].startswith("WITH matched") for query in queries.captured_queries)
    with monkeypatch.context() as patch:
        patch.setattr(fulltext, "TIER_MATCHES", float("inf"))
        full = metadata_matches(assets, text, limit)
    return chosen, tiered, full


def summary(matches) -> list[tuple]:
    return [(m.asset_id, round(m.score, 9), m.matched, m.coverage) for m in matches]


def test_a_word_most_titles_hold_is_ranked_from_its_top_tier_as_the_full_ranking_ranks_it(streets, monkeypatch):
    for text in ("street", "street scene", "streat"):  # a typo too: its correction's tier
        chosen, tiered, full = ranked_both_ways(monkeypatch, Asset.objects.all(), text, 5)
        assert tiered, f"{text!r} was ranked by scoring every match"
        assert len(chosen) == 5 and summary(chosen) == summary(full), text
    assert all(
        m.asset_id in set(Asset.objects.filter(title__startswith="Street").values_list("pk", flat=True)) for m in chosen
    )


def test_the_top_tier_holds_only_the_assets_searched(streets, monkeypatch):
    everyone = [m.asset_id for m in metadata_matches(Asset.objects.all(), "street", 5)]
    searched = Asset.objects.exclude(pk__in=everyone[:3])  # the best three hidden
    chosen, tiered, full = ranked_both_ways(monkeypatch, searched, "street", 5)
    assert tiered and summary(chosen) == summary(full)
    assert not set(everyone[:3]) & {m.asset_id for m in chosen} and everyone[3:5] == [m.asset_id for m in chosen][:2]


def test_a_sparse_top_tier_gives_way_to_the_full_ranking(streets, monkeypatch):
    # "harbour" is in descriptions only, and no title holds both words of "harbour street": the
    # first assets by ID hold too few of the top tier, and every match is scored.
    for text in ("harbour", "harbour street"):
        chosen, tiered, full = ranked_both_ways(monkeypatch, Asset.objects.all(), text, 5)
        assert not tiered and len(chosen) == 5 and summary(chosen) == summary(full), text
