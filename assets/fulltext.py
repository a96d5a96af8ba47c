"""Metadata full-text search on PostgreSQL: the one function behind the admin's search box, the
list API's ``q`` and search's metadata evidence.

Each asset has a weighted ``tsvector`` (``Asset.search_vector``, written by a trigger in the same
statement as the metadata; see migration ``assets.0008``): title and headline weigh A; keywords,
persons shown and place names B; description and accessibility texts C; the rest D. Text is
compared without accents or case, stemmed by the configuration of its language (``simple`` where
PostgreSQL has none), and stopwords are the configuration's own.

A query is read like ``websearch_to_tsquery`` reads it: words, ``"quoted phrases"`` (which must
match), ``-word`` exclusions (which must not) and ``or``. A word matches

- itself, stemmed, in any weighted field;
- the vocabulary: a term whose preferred label or alias it is matches assets tagged with any of
  the term's labels; a broader term matches its narrower terms' labels, at a lower weight;
- a typo: a word no asset among those searched holds is replaced by the most similar word of
  their titles or of a vocabulary label (``pg_trgm``), at a lower weight; hidden assets neither
  offer nor prevent a correction.

An asset's score (0-1) is the share of the query's words it matches, each word weighted by its
rarity (inverse document frequency) and by the best field it matches in; ``ts_rank_cd`` breaks ties
between assets that match the same words equally.
"""

from __future__ import annotations

import contextlib
import html
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet

from assets.planner import estimated_rows

FIELD_WEIGHTS = {"a": 1.0, "b": 0.9, "c": 0.7, "d": 0.5}
# Fields named in evidence, by the weighted group they are searched in.
EVIDENCE_FIELDS = (
    ("title", "a"),
    ("headline", "a"),
    ("keywords", "b"),
    ("persons_shown", "b"),
    ("sublocation", "b"),
    ("city", "b"),
    ("province_state", "b"),
    ("country", "b"),
    ("description", "c"),
    ("alt_text", "c"),
    ("extended_description", "c"),
)
_TOKENS = re.compile(r'(-?)"([^"]*)"|(-?)([^\s"]+)')


@dataclass(frozen=True)
class ParsedQuery:
    words: tuple[str, ...]  # words and phrases that count towards a match
    phrases: tuple[str, ...]  # quoted phrases: each must match
    excluded: tuple[str, ...]  # -words and -"phrases": none may match

    @property
    def positive_text(self) -> str:
        """What the query asks for, without its exclusions and quotes: the text to embed."""
        return " ".join(self.words)


def query_parse(text: str) -> ParsedQuery:
    words, phrases, excluded = [], [], []
    for negated_phrase, phrase, negated, word in _TOKENS.findall(text):
        value = (phrase or word).strip()
        value = value.strip("'.,;:!?()[]") if not phrase else value
        if not value or (not phrase and value.casefold() == "or"):
            continue
        if negated_phrase or negated:
            excluded.append(value)
        else:
            words.append(value)
            if phrase:
                phrases.append(value)
    return ParsedQuery(tuple(words), tuple(phrases), tuple(excluded))


@dataclass
class MetadataMatch:
    asset_id: str
    score: float
    matched: list[str] = field(default_factory=list)  # what it matched: words, vocabulary labels, corrections
    coverage: float = 1.0  # the share of the query's words (by rarity) it matches in any field
    fields: list[str] = field(default_factory=list)  # filled by ``metadata_evidence``
    highlights: dict[str, str] = field(default_factory=dict)


def _config() -> str:
    return settings.DAM_SEARCH_LANGUAGE


def _quoted(value: str, phrase: bool) -> str:
    return f'"{value}"' if phrase else value


def _tsqueries(values: list[str]) -> list[str]:
    """Each of ``values`` (read like ``websearch_to_tsquery``) as tsquery text in the search
    configuration, '' for one that holds only stopwords.

    Computed once per query and sent back as constants: ``dam_search_config`` is only STABLE, so
    an expression calling it inside a statement would be evaluated again for every row it tests
    (a catalogue lookup per row and per word, seconds at 100,000 assets)."""
    if not values:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT websearch_to_tsquery(c.config, dam_unaccent(v.value))::text "
            "FROM (SELECT dam_search_config(%s) AS config) AS c, unnest(%s::text[]) WITH ORDINALITY AS v(value, n) "
            "ORDER BY v.n",
            [_config(), list(values)],
        )
        return [row[0] for row in cursor.fetchall()]


def _scalar(sql: str, params: list):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _vocabulary(values: list[str]) -> dict[str, tuple[list[str], list[str]]]:
    """For each of ``values``: (labels of the terms it names, labels of their narrower terms)."""
    from assets.models import keyword_key

    keys = {value: keyword_key(value) for value in values}
    found: dict[str, tuple[set, set]] = {key: (set(), set()) for key in keys.values()}
    if keys:
        with connection.cursor() as cursor:
            cursor.execute(
                "WITH RECURSIVE named AS (SELECT k.key, t.id, t.match_keys FROM unnest(%s::text[]) AS k(key) "
                "  JOIN assets_term t ON k.key = ANY (t.match_keys)), "
                "narrower AS (SELECT n.key, t.id, t.match_keys FROM assets_term t JOIN named n ON t.broader_id = n.id "
                "  UNION SELECT n.key, t.id, t.match_keys FROM assets_term t JOIN narrower n ON t.broader_id = n.id) "
                "SELECT key, true, label FROM named, unnest(match_keys) AS label "
                "UNION SELECT key, false, label FROM narrower, unnest(match_keys) AS label",
                [list(found)],
            )
            for key, is_named, label in cursor.fetchall():
                found[key][0 if is_named else 1].add(label)
    return {value: (sorted(found[key][0]), sorted(found[key][1] - found[key][0])) for value, key in keys.items()}


def _held(tsqueries: list[str], allowed: tuple[str, list]) -> list[bool]:
    """Whether any of the ``allowed`` assets' metadata matches each tsquery (through the GIN index)."""
    return _any_holds([("a.search_vector @@ %s::tsquery", [query]) for query in tsqueries], allowed)


def _any_holds(conditions: list[tuple[str, list]], allowed: tuple[str, list]) -> list[bool]:
    """Whether any of the ``allowed`` assets meets each condition (SQL on ``a``, an asset, with
    its parameters), in one statement."""
    if not conditions:
        return []
    allowed_sql, allowed_params = allowed
    # Each condition's matches are read through its index (a materialised CTE: the index in
    # full, the rows only until one of the assets searched is found). Asked as EXISTS, the
    # planner expects a match early and walks the assets in order, which for a word no asset
    # holds is all of them (0.9 s at 100,000).
    matches = ", ".join(
        f"m{index} AS MATERIALIZED (SELECT a.id FROM assets_asset AS a WHERE {condition})"
        for index, (condition, _) in enumerate(conditions)
    )
    tests = ", ".join(
        f"EXISTS (SELECT 1 FROM m{index} WHERE m{index}.id IN ({allowed_sql}))" for index in range(len(conditions))
    )
    params = [param for _, condition_params in conditions for param in condition_params]
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {matches} SELECT {tests}", [*params, *(allowed_params * len(conditions))])
        return list(cursor.fetchone())


@contextlib.contextmanager
def _set_locally(name: str, value: str, default: str):
    """A cursor with the PostgreSQL setting ``name`` at ``value``, put back afterwards (to
    ``default`` where it had no value yet: a module's setting before the module is loaded): local
    to the transaction (one is opened if none is), which may be an outer one that goes on."""
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(current_setting(%s, true), %s)", [name, default])
        [previous] = cursor.fetchone()
        cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
        try:
            yield cursor
        finally:
            cursor.execute("SELECT set_config(%s, %s, true)", [name, previous])


# Candidates for a typo's correction: words of titles (``TitleWord``, through its trigram index)
# and vocabulary labels more similar than this (pg_trgm), at most ``CANDIDATES`` title words, the
# most similar; then judged by edit distance or similarity (``_correction``).
CANDIDATE_SIMILARITY = 0.2
CANDIDATES = 200
# Title words whose holding by an asset searched is asked in one statement, in order of preference.
CANDIDATES_ASKED = 8


def _edits_allowed(word: str) -> int:
    """How many edits a typo of ``word`` may have (as search engines allow: none in short words,
    where one edit makes another word, such as "audit" and "audio")."""
    return 0 if len(word) < 6 else (1 if len(word) < 9 else 2)


def _edit_distance(first: str, second: str) -> int:
    """Insertions, deletions, substitutions and swaps of neighbouring letters between the words."""
    previous2, previous = None, list(range(len(second) + 1))
    for i, a in enumerate(first, 1):
        current = [i]
        for j, b in enumerate(second, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a != b))
            if previous2 is not None and i > 1 and j > 1 and a == second[j - 2] and first[i - 2] == b:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]


def _correction(value: str, searched: tuple[str, list]) -> str | None:
    """The title word (of an asset among ``searched``: a hidden title must not answer) or
    vocabulary label most like ``value`` (a typo), or None: the fewest edits within
    ``_edits_allowed``, or else the most similar (``pg_trgm``) at ``DAM_SEARCH_TYPO_SIMILARITY``
    or more."""
    threshold = str(float(CANDIDATE_SIMILARITY))
    with _set_locally("pg_trgm.similarity_threshold", threshold, "0.3") as cursor:
        cursor.execute(
            "WITH typed AS (SELECT dam_unaccent(lower(%s)) AS t), "
            "titled AS (SELECT DISTINCT w.word FROM assets_title_word w WHERE w.word %% dam_unaccent(lower(%s))), "
            "candidates AS ((SELECT word, false AS label FROM titled, typed "
            "    ORDER BY similarity(word, typed.t) DESC, word LIMIT %s) "
            "  UNION SELECT DISTINCT dam_unaccent(k), true FROM assets_term t, unnest(t.match_keys) AS k) "
            "SELECT word, bool_or(label), similarity(word, typed.t), typed.t FROM candidates, typed "
            "WHERE similarity(word, typed.t) > %s::float8 GROUP BY word, typed.t",
            [value, value, CANDIDATES, threshold],
        )
        rows = cursor.fetchall()
    if not rows:
        return None
    typed = rows[0][3]
    allowed = _edits_allowed(typed)
    judged = sorted(
        (min(edits, allowed + 1), -similarity, word, label)
        for word, label, similarity, _ in rows
        if word != typed
        and ((edits := _edit_distance(word, typed)) <= allowed or similarity >= settings.DAM_SEARCH_TYPO_SIMILARITY)
    )
    # A label counts as it is; a title word only where an asset searched holds it in its title,
    # and where it is no stopword (a correction that matches nothing is none).
    for start in range(0, len(judged), CANDIDATES_ASKED):
        asked = judged[start : start + CANDIDATES_ASKED]
        titled = [word for _, _, word, label in asked if not label]
        holding = _titles_hold(titled, searched)
        for _, _, word, label in asked:
            if label or holding[word]:
                return word
    return None


def _titles_hold(words: list[str], searched: tuple[str, list]) -> dict[str, bool]:
    """Whether an asset among ``searched`` holds each of ``words`` (``TitleWord`` words: letters
    and digits only) in its title, read through the titles' trigram index; a stopword counts as
    held by none (as a correction, it would match nothing)."""
    queries = dict(zip(words, _tsqueries(words), strict=True))
    words = [word for word in words if queries[word]]
    held = dict.fromkeys(queries, False)
    conditions = [
        ("dam_unaccent(lower(a.title)) LIKE %s AND %s IN (SELECT dam_title_words(a.title))", [f"%{word}%", word])
        for word in words
    ]
    held.update(zip(words, _any_holds(conditions, searched), strict=True))
    return held


@dataclass
class _Piece:
    text: str
    required: bool
    alternatives: list[tuple[str, float]]  # (tsquery text, weight): the best that matches counts
    names: list[str] = field(default_factory=list)  # what each alternative looks for
    # No asset searched holds it, and it has neither a term nor a correction: it still counts in
    # every asset's share of the query (it lowers them all alike), but nothing is tested for it.
    matches_nothing: bool = False
    # False where no asset searched holds the word as typed (it was corrected): its first
    # alternative matches nothing.
    typed_held: bool = True


def _pieces(parsed: ParsedQuery, allowed: tuple[str, list]) -> list[_Piece] | None:
    """The query's words and phrases with what each may match; None when a quoted phrase that
    must match holds only stopwords (nothing can match it). Whether a word needs a typo
    correction, and which, is decided by the ``allowed`` assets only (hidden ones would otherwise
    answer)."""
    values = list(dict.fromkeys(parsed.words))
    direct = dict(zip(values, _tsqueries([_quoted(v, v in parsed.phrases) for v in values]), strict=True))
    values = [v for v in values if direct[v] or v in parsed.phrases]  # stopwords count for nothing
    if any(not direct[v] for v in values):
        return None
    vocabulary = _vocabulary(values)
    labels = sorted({label for named, narrower in vocabulary.values() for label in (*named, *narrower)})
    label_queries = dict(zip(labels, _tsqueries([_quoted(label, " " in label) for label in labels]), strict=True))
    pieces = []
    for value in values:
        phrase = value in parsed.phrases
        piece = _Piece(value, phrase, [(direct[value], 1.0)], [value])
        named, narrower = vocabulary[value]
        for group, weight in ((named, 1.0), (narrower, settings.DAM_SEARCH_NARROWER_WEIGHT)):
            for label in group:
                if label_queries[label]:
                    piece.alternatives.append((label_queries[label], weight))
                    piece.names.append(label)
        pieces.append(piece)
    # A word no asset holds, that names no term, may be a typo.
    unknown = [piece for piece in pieces if not piece.required and not vocabulary[piece.text][0]]
    for piece, held in zip(unknown, _held([piece.alternatives[0][0] for piece in unknown], allowed), strict=True):
        corrected = None if held else _correction(piece.text, allowed)
        [query] = _tsqueries([corrected]) if corrected else [""]
        if query:
            piece.alternatives.append((query, settings.DAM_SEARCH_TYPO_WEIGHT))
            piece.names.append(corrected)
            piece.text = corrected
        piece.matches_nothing = not held and not query
        piece.typed_held = held
    return pieces


# A lexeme in tsquery text: quoted, with quotes and backslashes inside doubled or escaped.
_LEXEME = re.compile(r"'(?:[^'\\]|''|\\.)*'")


def _in_field(tsquery: str, letter: str) -> str:
    """``tsquery`` that matches only words of the weighted field ``letter`` (``'boat':A``): tested
    against the stored vector as it is, where ``ts_filter`` would copy the vector for every test."""
    return _LEXEME.sub(lambda lexeme: f"{lexeme.group(0)}:{letter.upper()}", tsquery)


def _weighted_match(tsquery: str, weight: float) -> tuple[str, list]:
    """SQL for the best field weight × ``weight`` with which the asset matches ``tsquery`` (0 if none)."""
    cases = " ".join(
        f"WHEN a.search_vector @@ %s::tsquery THEN {value * weight}::float8" for value in FIELD_WEIGHTS.values()
    )
    params = [tsquery, *(_in_field(tsquery, letter) for letter in FIELD_WEIGHTS)]
    return f"CASE WHEN NOT (a.search_vector @@ %s::tsquery) THEN 0::float8 {cases} ELSE 0::float8 END", params


def _library_size() -> int:
    """How many assets have metadata to search: the planner's estimate for a large library (a
    count would read every row), counted for a small one."""
    estimate = _scalar("SELECT reltuples FROM pg_class WHERE oid = 'assets_asset'::regclass", [])
    if estimate is not None and estimate >= 10_000:
        return int(estimate)
    return _scalar("SELECT count(*) FROM assets_asset WHERE search_vector IS NOT NULL", [])


def _any_query(pieces: list[_Piece]) -> str:
    """A tsquery that every match matches: any alternative of any of the query's words."""
    return " | ".join(f"( {query} )" for piece in pieces for query, _ in piece.alternatives)


def _match_conditions(parsed: ParsedQuery, pieces: list[_Piece]) -> tuple[list[str], list]:
    """SQL conditions on ``a.search_vector`` that an asset matching the query meets: one of its
    words, each quoted phrase, none of its exclusions."""
    conditions, params = ["a.search_vector @@ %s::tsquery"], [_any_query(pieces)]
    for piece in pieces:
        if piece.required:
            conditions.append("a.search_vector @@ %s::tsquery")
            params.append(piece.alternatives[0][0])
    for query in _tsqueries([_quoted(value, " " in value) for value in parsed.excluded]):
        if query:
            conditions.append("NOT (a.search_vector @@ %s::tsquery)")
            params.append(query)
    return conditions, params


# ts_rank_cd (cover density over every word of the query) costs far more per asset than the
# rest of the score, and only breaks ties: it is computed for the best candidates by the other
# 0.95 of the score, never more than this many.
RANKED_CANDIDATES = 1000


# A word that most of a large library holds makes every one of those assets a match to score
# (1.5 s for a word in each of 1,000,000 titles). Such a query is first ranked by its top tier:
# the assets with each of its words in the title or headline, by an alternative of the word's
# highest weight. Every asset there has the highest share the query allows, the same for all, so
# where at least ``RANKED_CANDIDATES`` of them lie among the first assets by ID, they are the
# candidates the full ranking would choose. The first assets by ID are read through the ID's
# byte-order index (IDs are hashes, spread evenly), as many as should hold twice the candidates
# by the planner's estimate of the matches. Where too few are found there, the full ranking runs.
TIER_MATCHES = 20_000  # estimated matches from which the top tier is tried first
TIER_ROWS = 20_000  # the most assets read for it


def _top_tier(pieces: list[_Piece]) -> tuple[str, float] | None:
    """The tsquery of the assets that hold each piece in field A by one of its alternatives of
    the highest weight, and the share of the query they have; None where the pieces' highest
    weights differ (the share would depend on each word's rarity, which only counting gives)."""
    tiers, weights = [], set()
    for piece in pieces:
        alternatives = piece.alternatives if piece.typed_held else piece.alternatives[1:]
        best = max(weight for _, weight in alternatives)
        weights.add(best)
        tiers.append(" | ".join(f"( {_in_field(query, 'a')} )" for query, weight in alternatives if weight == best))
    if len(weights) != 1:
        return None
    return " & ".join(f"( {tier} )" for tier in tiers), weights.pop()


def _id_bound(share: float) -> str:
    """The ID below which (in byte order) about ``share`` of evenly spread hex IDs lie."""
    return f"{min(int(share * 16**8), 16**8 - 1):08x}"


def _top_tier_ranked(
    pieces: list[_Piece],
    allowed: tuple[str, list],
    any_query: str,
    matching: tuple[list[str], list],
    library: int,
    limit: int,
) -> list[MetadataMatch] | None:
    """The first ``limit`` matches ranked from the query's top tier, or None where it cannot
    answer (see ``TIER_MATCHES``). ``matching``: the query's ``_match_conditions``; ``library``:
    ``_library_size()``."""
    tier = _top_tier(pieces)
    if tier is None or library < TIER_MATCHES:
        return None
    tier_query, share = tier
    wanted = max(limit, RANKED_CANDIDATES)
    matches = estimated_rows("SELECT 1 FROM assets_asset AS a WHERE a.search_vector @@ %s::tsquery", [any_query])
    rows_read = 2 * wanted * library / max(matches, 1.0)
    if matches < TIER_MATCHES or rows_read > TIER_ROWS:
        return None
    allowed_sql, allowed_params = allowed
    conditions, condition_params = list(matching[0]), list(matching[1])
    if rows_read < library:
        conditions.append("a.id ~<~ %s")
        condition_params.append(_id_bound(rows_read / library))
    sql = (
        "SELECT t.id, least(%s::float8 * (0.95::float8 + 0.05::float8 * "
        "  ts_rank_cd(t.search_vector, %s::tsquery, 32)::float8), 1::float8) AS score "
        f"FROM (SELECT a.id, a.search_vector FROM assets_asset AS a WHERE a.id IN ({allowed_sql}) "
        f"  AND a.search_vector @@ %s::tsquery AND {' AND '.join(conditions)} "
        '  ORDER BY a.id COLLATE "C" LIMIT %s) AS t'
    )
    params = [share, any_query, *allowed_params, tier_query, *condition_params, wanted]
    # The first assets by ID are read, and each tested: the words' GIN index would read every
    # match (a planner that expects the bitmap of a million matches to be cheap: 0.13 s), and it
    # can only be read as a bitmap.
    with _set_locally("enable_bitmapscan", "off", "on") as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if len(rows) < wanted:
        return None
    names = list(dict.fromkeys(name for piece in pieces for name in piece.names))
    ranked = sorted(rows, key=lambda row: (-row[1], row[0]))[:limit]
    return [MetadataMatch(asset_id, score, list(names), coverage=1.0) for asset_id, score in ranked]


def _query_pieces(assets: QuerySet, text: str) -> tuple[ParsedQuery, tuple[str, list], list[_Piece], int]:
    """``text`` parsed; the SQL of ``assets``; the query's pieces that can match among them (none
    where nothing can); and how many pieces match nothing there (they still weigh in every share)."""
    parsed = query_parse(text)
    allowed, allowed_params = assets.order_by().values("pk").query.sql_with_params()
    pieces = _pieces(parsed, (allowed, list(allowed_params))) or []
    live = [piece for piece in pieces if not piece.matches_nothing]
    return parsed, (allowed, list(allowed_params)), live, len(pieces) - len(live)


def metadata_matches(assets: QuerySet, text: str, limit: int | None = None) -> list[MetadataMatch]:
    """The assets among ``assets`` whose metadata matches ``text``, best first (ties by ID), each
    with its score in 0-1 and the words it matched.

    With a ``limit``, only assets that can still be among the first ``limit`` are ranked by
    ``ts_rank_cd`` (it adds at most 5% to a score); when more than ``RANKED_CANDIDATES`` tie so
    closely, the first of them by ID are. The first k results are the same for every limit."""
    parsed, (allowed, allowed_params), pieces, unmatched = _query_pieces(assets, text)
    if not pieces:
        return []
    any_query = _any_query(pieces)
    conditions, condition_params = _match_conditions(parsed, pieces)
    library = _library_size()
    if limit and not unmatched:
        ranked = _top_tier_ranked(
            pieces, (allowed, allowed_params), any_query, (conditions, condition_params), library, limit
        )
        if ranked is not None:
            return ranked
    scores, score_params = [], []
    for index, piece in enumerate(pieces):
        parts = [_weighted_match(query, weight) for query, weight in piece.alternatives]
        scores.append(f"GREATEST({', '.join(part for part, _ in parts)}) AS s{index}")
        score_params += [p for _, params in parts for p in params]
    columns = [f"s{index}" for index in range(len(pieces))]
    # Each word's rarity (inverse frequency among the matches); an asset's share of the query: the
    # words it matches, each by its rarity and the best field it is in.
    rarities = ", ".join(
        f"ln(1 + greatest(%s::float8, count(*)) / greatest(count(*) FILTER (WHERE {column} > 0), 1)) AS r_{column}"
        for column in columns
    )
    # A word that matches nothing has the highest rarity there is: no match holds it.
    rarities += ", ln(1 + greatest(%s::float8, count(*))) AS r_unmatched"
    rarity_sum = " + ".join([*(f"r.r_{c}" for c in columns), f"{unmatched} * r.r_unmatched"])
    share = f"({' + '.join(f'r.r_{c} * m.{c}' for c in columns)}) / ({rarity_sum})"
    # The share of the query's words (by rarity) the asset matches in any field.
    coverage = f"({' + '.join(f'(CASE WHEN m.{c} > 0 THEN r.r_{c} ELSE 0 END)' for c in columns)}) / ({rarity_sum})"
    if limit:
        # share >= final score >= 0.95 share: below 0.95 of the limit-th share, no asset can be ranked in.
        chosen = (
            "WHERE c.share >= 0.95::float8 * coalesce("
            "(SELECT share FROM shared ORDER BY share DESC LIMIT 1 OFFSET %s), 0) "
            'ORDER BY c.share DESC, c.id COLLATE "C" LIMIT %s'
        )
        chosen_params, final_limit = [limit - 1, max(limit, RANKED_CANDIDATES)], limit
    else:
        chosen, chosen_params, final_limit = "", [], None
    sql = (
        f"WITH matched AS MATERIALIZED (SELECT a.id, {', '.join(scores)} FROM assets_asset a "
        f"  WHERE a.id IN ({allowed}) AND {' AND '.join(conditions)}), "
        f"rarity AS (SELECT {rarities} FROM matched), "
        f"shared AS MATERIALIZED (SELECT m.*, {share} AS share, {coverage} AS coverage FROM matched m, rarity r), "
        f"chosen AS (SELECT c.* FROM shared c {chosen}) "
        # ts_rank_cd with normalisation 32 is rank / (1 + rank): in 0-1.
        f"SELECT c.id, least(c.share * (0.95::float8 + 0.05::float8 * "
        f"  ts_rank_cd(a.search_vector, %s::tsquery, 32)::float8), 1::float8) AS score, c.coverage, "
        f"{', '.join(columns)} "
        f"FROM chosen c JOIN assets_asset a ON a.id = c.id "
        f'ORDER BY score DESC, c.id COLLATE "C"' + (" LIMIT %s" if final_limit else "")
    )
    params = [
        *score_params,
        *allowed_params,
        *condition_params,
        *([library] * (len(columns) + 1)),
        *chosen_params,
        any_query,
        *([final_limit] if final_limit else []),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        MetadataMatch(
            asset_id,
            score,
            list(dict.fromkeys(name for piece, s in zip(pieces, found, strict=True) if s > 0 for name in piece.names)),
            coverage=coverage,
        )
        for asset_id, score, coverage, *found in rows
    ]


def assets_matching(assets: QuerySet, text: str) -> QuerySet:
    """``assets`` narrowed to those whose metadata matches ``text`` (the list API's ``q``, the
    admin's search box): the same matches as ``metadata_matches``, as a subquery the database
    runs with the caller's ordering and page, so a word that matches half the library costs
    one page, not a list of every match."""
    from django.db.models.expressions import RawSQL

    parsed, _, pieces, _ = _query_pieces(assets, text)
    if not pieces:
        return assets.none()
    conditions, params = _match_conditions(parsed, pieces)
    matching = f"SELECT a.id FROM assets_asset AS a WHERE {' AND '.join(conditions)}"
    return assets.filter(pk__in=RawSQL(matching, params))


# ts_headline marks matches with characters no metadata holds; the text is then escaped as HTML
# and the marks become <b>…</b>, so a highlight is safe to show as it is.
_MARKS = "StartSel=\x02, StopSel=\x03"


def _marked(value: str) -> str:
    return html.escape(value).replace("\x02", "<b>").replace("\x03", "</b>")


def metadata_evidence(matches: list[MetadataMatch]) -> None:
    """Fills in each match's ``fields`` (those that hold one of the words it matched) and
    ``highlights`` (``ts_headline`` of its title and description as HTML, matched words in <b>…</b>).
    One statement for all of them: call it with the matches that are shown, not every match."""
    shown = [match for match in matches if match.matched]
    if not shown:
        return
    tests = ", ".join(
        f"to_tsvector(c.config, dam_unaccent(array_to_string(a.{name}, ' , '))) @@ q.q"
        if name in ("keywords", "persons_shown")
        else f"to_tsvector(c.config, dam_unaccent(a.{name})) @@ q.q"
        for name, _ in EVIDENCE_FIELDS
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT m.n, ARRAY[" + tests + "], "
            "ts_headline(c.config, dam_unaccent(a.title), q.q, %s), "
            "ts_headline(c.config, dam_unaccent(a.description), q.q, %s) "
            "FROM (SELECT dam_search_config(%s) AS config) AS c "
            "CROSS JOIN unnest(%s::text[], %s::text[]) WITH ORDINALITY AS m(id, words, n) "
            "CROSS JOIN LATERAL (SELECT websearch_to_tsquery(c.config, dam_unaccent(m.words)) AS q) AS q "
            "JOIN assets_asset a ON a.id = m.id",
            [
                f"HighlightAll=true, {_MARKS}",
                f"MaxWords=20, MinWords=8, {_MARKS}",
                _config(),
                [match.asset_id for match in shown],
                [" or ".join(f'"{word}"' for word in match.matched) for match in shown],
            ],
        )
        rows = cursor.fetchall()
    for number, found, title, description in rows:
        match = shown[number - 1]
        match.fields = [name for (name, _), hit in zip(EVIDENCE_FIELDS, found, strict=True) if hit]
        match.highlights = {
            name: _marked(value)
            for name, value in (("title", title), ("description", description))
            if value and "\x02" in value
        }


def assets_excluding(assets: QuerySet, parsed: ParsedQuery) -> QuerySet:
    """``assets`` without those whose metadata holds one of the query's ``-exclusions``."""
    from django.db.models.expressions import RawSQL

    for query in _tsqueries([_quoted(value, " " in value) for value in parsed.excluded]):
        if query:
            assets = assets.exclude(
                pk__in=RawSQL("SELECT a.id FROM assets_asset AS a WHERE a.search_vector @@ %s::tsquery", [query])
            )
    return assets
