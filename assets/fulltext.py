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

import html
import math
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet

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


def _piece_sql(value: str, phrase: bool) -> tuple[str, list]:
    """A tsquery for one word or phrase, in the search configuration (empty for a stopword)."""
    quoted = f'"{value}"' if phrase else value
    return "websearch_to_tsquery(dam_search_config(%s), dam_unaccent(%s))", [_config(), quoted]


def _scalar(sql: str, params: list):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _is_stopword(value: str) -> bool:
    sql, params = _piece_sql(value, phrase=False)
    return _scalar(f"SELECT numnode({sql}) = 0", params)


def _vocabulary(value: str) -> tuple[list[str], list[str]]:
    """(labels of the terms ``value`` names, labels of their narrower terms)."""
    from assets.models import keyword_key

    key = keyword_key(value)
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH RECURSIVE named AS (SELECT id, match_keys FROM assets_term WHERE %s = ANY (match_keys)), "
            "narrower AS (SELECT t.id, t.match_keys FROM assets_term t JOIN named n ON t.broader_id = n.id "
            "UNION SELECT t.id, t.match_keys FROM assets_term t JOIN narrower n ON t.broader_id = n.id) "
            "SELECT (SELECT coalesce(array_agg(DISTINCT k), '{}') FROM named, unnest(match_keys) k), "
            "(SELECT coalesce(array_agg(DISTINCT k), '{}') FROM narrower, unnest(match_keys) k)",
            [key],
        )
        named, narrower = cursor.fetchone()
    return sorted(named), sorted(set(narrower) - set(named))


# Candidates for a typo's correction: title words at least this word-similar (pg_trgm, through
# the title trigram index), then judged by edit distance or similarity (``_correction``).
CANDIDATE_WORD_SIMILARITY = 0.4


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
    from django.db import transaction

    searched_sql, searched_params = searched

    with transaction.atomic(), connection.cursor() as cursor:
        # Local to the transaction, and put back in case it is an outer one that goes on.
        cursor.execute("SELECT coalesce(current_setting('pg_trgm.word_similarity_threshold', true), '0.6')")
        [previous] = cursor.fetchone()
        cursor.execute(f"SET LOCAL pg_trgm.word_similarity_threshold = {float(CANDIDATE_WORD_SIMILARITY)}")
        cursor.execute(
            "WITH typed AS (SELECT dam_unaccent(lower(%s)) AS t), words AS ("
            "  SELECT DISTINCT w FROM typed, assets_asset a, "
            "    regexp_split_to_table(dam_unaccent(lower(a.title)), '[^[:alnum:]]+') AS w "
            f"  WHERE a.id IN ({searched_sql}) AND typed.t <%% dam_unaccent(lower(a.title)) AND length(w) > 2 "
            "  UNION SELECT DISTINCT dam_unaccent(k) FROM assets_term t, unnest(t.match_keys) AS k) "
            "SELECT w, similarity(w, typed.t), typed.t FROM words, typed WHERE similarity(w, typed.t) > 0.2",
            [value, *searched_params],
        )
        rows = cursor.fetchall()
        cursor.execute("SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)", [previous])
    if not rows:
        return None
    typed = rows[0][2]
    allowed = _edits_allowed(typed)
    judged = []
    for word, similarity, _ in rows:
        edits = _edit_distance(word, typed)
        if word != typed and (edits <= allowed or similarity >= settings.DAM_SEARCH_TYPO_SIMILARITY):
            judged.append((min(edits, allowed + 1), -similarity, word))
    return min(judged)[2] if judged else None


@dataclass
class _Piece:
    text: str
    required: bool
    alternatives: list[tuple[str, list, float]]  # (tsquery SQL, params, weight): the best that matches counts
    names: list[str] = field(default_factory=list)  # what each alternative looks for


def _pieces(parsed: ParsedQuery, allowed: tuple[str, list]) -> list[_Piece]:
    """The query's words with their alternatives; whether a word needs a typo correction, and
    which, is decided by the ``allowed`` assets only (hidden ones would otherwise answer)."""
    pieces = []
    for value in dict.fromkeys(parsed.words):
        phrase = value in parsed.phrases
        if not phrase and _is_stopword(value):
            continue
        direct_sql, direct_params = _piece_sql(value, phrase)
        piece = _Piece(value, phrase, [(direct_sql, direct_params, 1.0)], [value])
        named, narrower = _vocabulary(value)
        for labels, weight in ((named, 1.0), (narrower, settings.DAM_SEARCH_NARROWER_WEIGHT)):
            for label in labels:
                sql, params = _piece_sql(label, phrase=" " in label)
                piece.alternatives.append((sql, params, weight))
                piece.names.append(label)
        if not phrase and not named and not _matches_any(piece, allowed):
            corrected = _correction(value, allowed)
            if corrected:
                sql, params = _piece_sql(corrected, phrase=False)
                piece.alternatives.append((sql, params, settings.DAM_SEARCH_TYPO_WEIGHT))
                piece.names.append(corrected)
                piece.text = corrected
        pieces.append(piece)
    return pieces


def _matches_any(piece: _Piece, allowed: tuple[str, list]) -> bool:
    sql, params, _ = piece.alternatives[0]
    allowed_sql, allowed_params = allowed
    return _scalar(
        f"SELECT EXISTS (SELECT 1 FROM assets_asset AS a WHERE a.id IN ({allowed_sql}) AND a.search_vector @@ {sql})",
        [*allowed_params, *params],
    )


def _weighted_match(sql: str, params: list, weight: float) -> tuple[str, list]:
    """SQL for the best field weight × ``weight`` with which the asset matches ``sql`` (0 if none)."""
    cases = " ".join(
        f"WHEN ts_filter(a.search_vector, '{{{letter}}}') @@ {sql} THEN {value * weight}::float8"
        for letter, value in FIELD_WEIGHTS.items()
    )
    return f"CASE {cases} ELSE 0::float8 END", params * len(FIELD_WEIGHTS)


def metadata_matches(assets: QuerySet, text: str, limit: int | None = None) -> list[MetadataMatch]:
    """The assets among ``assets`` whose metadata matches ``text``, best first (ties by ID), each
    with its score in 0-1 and the words it matched."""
    parsed = query_parse(text)
    allowed, allowed_params = assets.order_by().values("pk").query.sql_with_params()
    pieces = _pieces(parsed, (allowed, list(allowed_params)))
    if not pieces:
        return []
    any_sql = " || ".join(f"({sql})" for piece in pieces for sql, _, _ in piece.alternatives)
    any_params = [p for piece in pieces for _, params, _ in piece.alternatives for p in params]
    scores, score_params = [], []
    for piece in pieces:
        parts, parts_params = [], []
        for sql, params, weight in piece.alternatives:
            part, part_params = _weighted_match(sql, params, weight)
            parts.append(part)
            parts_params += part_params
        scores.append(f"GREATEST({', '.join(parts)})")
        score_params += parts_params
    conditions = [f"a.search_vector @@ ({any_sql})"]
    condition_params = list(any_params)
    for piece in pieces:
        if piece.required:
            conditions.append(f"a.search_vector @@ ({piece.alternatives[0][0]})")
            condition_params += piece.alternatives[0][1]
    for value in parsed.excluded:
        sql, params = _piece_sql(value, phrase=" " in value)
        conditions.append(f"NOT (a.search_vector @@ {sql})")
        condition_params += params
    sql = (
        f"SELECT a.id, ts_rank_cd(a.search_vector, ({any_sql}), 32), {', '.join(scores)} "
        f"FROM assets_asset a WHERE a.id IN ({allowed}) AND {' AND '.join(conditions)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*any_params, *score_params, *allowed_params, *condition_params])
        rows = cursor.fetchall()
    if not rows:
        return []
    total = max(_scalar("SELECT count(*) FROM assets_asset WHERE search_vector IS NOT NULL", []), 1)
    frequencies = [sum(1 for row in rows if row[2 + index] > 0) for index in range(len(pieces))]
    rarity = [math.log(1 + total / max(count, 1)) for count in frequencies]
    matches = []
    for asset_id, rank, *piece_scores in rows:
        share = sum(r * s for r, s in zip(rarity, piece_scores, strict=True)) / sum(rarity)
        coverage = sum(r for r, s in zip(rarity, piece_scores, strict=True) if s > 0) / sum(rarity)
        score = share * (0.95 + 0.05 * rank)  # rank: ts_rank_cd / (1 + ts_rank_cd), in 0-1
        matched = list(
            dict.fromkeys(name for piece, s in zip(pieces, piece_scores, strict=True) if s > 0 for name in piece.names)
        )
        matches.append(MetadataMatch(asset_id, min(score, 1.0), matched, coverage=coverage))
    matches.sort(key=lambda match: (-match.score, match.asset_id))
    return matches[:limit] if limit else matches


def assets_matching(assets: QuerySet, text: str) -> QuerySet:
    """``assets`` narrowed to those whose metadata matches ``text`` (the list API's ``q``, the
    admin's search box), best match first."""
    from django.db.models import Case, FloatField, Value, When

    matches = metadata_matches(assets, text)
    if not matches:
        return assets.none()
    order = Case(*(When(pk=m.asset_id, then=Value(m.score)) for m in matches), output_field=FloatField())
    return assets.filter(pk__in=[m.asset_id for m in matches]).alias(_match=order).order_by("-_match", "pk")


# ts_headline marks matches with characters no metadata holds; the text is then escaped as HTML
# and the marks become <b>…</b>, so a highlight is safe to show as it is.
_MARKS = "StartSel=\x02, StopSel=\x03"


def _marked(value: str) -> str:
    return html.escape(value).replace("\x02", "<b>").replace("\x03", "</b>")


def metadata_evidence(matches: list[MetadataMatch]) -> None:
    """Fills in each match's ``fields`` (those that hold one of the words it matched) and
    ``highlights`` (``ts_headline`` of its title and description as HTML, matched words in <b>…</b>)."""
    tests = ", ".join(
        f"to_tsvector(dam_search_config(%s), dam_unaccent(array_to_string(a.{name}, ' , '))) @@ q.q"
        if name in ("keywords", "persons_shown")
        else f"to_tsvector(dam_search_config(%s), dam_unaccent(a.{name})) @@ q.q"
        for name, _ in EVIDENCE_FIELDS
    )
    config = _config()
    with connection.cursor() as cursor:
        for match in matches:
            if not match.matched:
                continue
            words = " or ".join(f'"{word}"' for word in match.matched)
            cursor.execute(
                "SELECT ARRAY[" + tests + "], "
                "ts_headline(dam_search_config(%s), dam_unaccent(a.title), q.q, %s), "
                "ts_headline(dam_search_config(%s), dam_unaccent(a.description), q.q, %s) "
                "FROM assets_asset a, (SELECT websearch_to_tsquery(dam_search_config(%s), dam_unaccent(%s)) AS q) AS q "
                "WHERE a.id = %s",
                [
                    *([config] * len(EVIDENCE_FIELDS)),
                    config,
                    f"HighlightAll=true, {_MARKS}",
                    config,
                    f"MaxWords=20, MinWords=8, {_MARKS}",
                    config,
                    words,
                    match.asset_id,
                ],
            )
            row = cursor.fetchone()
            if row is None:
                continue
            found, title, description = row
            match.fields = [name for (name, _), hit in zip(EVIDENCE_FIELDS, found, strict=True) if hit]
            match.highlights = {
                name: _marked(value)
                for name, value in (("title", title), ("description", description))
                if value and "\x02" in value
            }


def assets_excluding(assets: QuerySet, parsed: ParsedQuery) -> QuerySet:
    """``assets`` without those whose metadata holds one of the query's ``-exclusions``."""
    from django.db.models.expressions import RawSQL

    for value in parsed.excluded:
        sql, params = _piece_sql(value, phrase=" " in value)
        assets = assets.exclude(
            pk__in=RawSQL(f"SELECT a.id FROM assets_asset AS a WHERE a.search_vector @@ {sql}", params)
        )
    return assets
