"""What the CSV and SKOS formats of the controlled vocabulary (the Term table) share.

Values are checked here (labels, language tags, URIs), a file's terms are planned against the vocabulary dam has,
duplicates and loops of broader terms are found, and the terms are written. ``csv_format`` and ``skos`` read their
files into ``Entry`` values and call ``entries_import``; their exports take ``terms_in_export_order``.

What a caller may rely on:

- Exports write every term, ordered by preferred label (case-insensitively), then language, then creation, so the
  same vocabulary gives the same bytes on every machine. They return the number of terms written.
- Imports upsert: a term is identified by its preferred label, case-insensitively, and its language (the default
  language is "en"; tags are stored in their usual case: "pt-BR"). A file's row or concept updates the matching term
  (its label's case, aliases, uri and broader term) or creates one. Terms the file does not name are left alone.
- Imports are all-or-nothing and run in one transaction: when any row or concept is invalid nothing is written and
  ``VocabularyImportError`` is raised; its ``problems`` list names each row ("row 7: ...", the header being row 1)
  or concept ('concept "http://...": ...') with the problem. Parsing problems are reported before reference problems.
- Broader terms may come after their children in a file; a broader term neither in the file nor in dam is an error,
  and so is a chain of broader terms that loops.
- Export then import into an empty database gives the same terms: labels, languages, aliases, URIs, broader terms.
  Exceptions: CSV cannot hold an alias containing "|" or a broader term in another language whose label is ambiguous
  (``vocabulary_export_csv`` refuses these with ``VocabularyExportError``: use SKOS); SKOS cannot tell apart two
  terms of one language that share an external URI when a third names one of them as broader (the import says so).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction

from assets.models import Term

DEFAULT_LANGUAGE = Term._meta.get_field("language").default
FORMAT_BY_EXTENSION = {".csv": "csv", ".json": "skos", ".jsonld": "skos"}

LABEL_MAX_LENGTH = Term._meta.get_field("preferred_label").max_length
LANGUAGE_MAX_LENGTH = Term._meta.get_field("language").max_length
URI_MAX_LENGTH = Term._meta.get_field("uri").max_length
# How many problems an error message lists; ``problems`` holds them all.
PROBLEMS_SHOWN = 20

_LANGUAGE_PATTERN = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
_URL_VALIDATOR = URLValidator()


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)


class VocabularyImportError(ValueError):
    """The file was refused and nothing was written; ``problems`` names each row or concept and what is wrong."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = problems[:PROBLEMS_SHOWN]
        if len(problems) > PROBLEMS_SHOWN:
            shown.append(f"... and {len(problems) - PROBLEMS_SHOWN} more problems")
        super().__init__("\n".join(shown))


class VocabularyExportError(ValueError):
    """The vocabulary holds something the chosen format cannot write faithfully."""


class InvalidValue(Exception):
    """A problem with one value; the caller adds where it is."""


def format_for_path(path: Path | str) -> str | None:
    """ "csv" or "skos" from a file name's extension (.csv, .json, .jsonld); None when it does not tell."""
    return FORMAT_BY_EXTENSION.get(Path(path).suffix.lower())


# ---------------------------------------------------------------------------------------------- values


def label_clean(text: str, name: str) -> str:
    """The label without surrounding spaces; InvalidValue when it is empty or too long (``name`` says which)."""
    label = text.strip()
    if not label:
        raise InvalidValue(f"{name} is empty")
    if len(label) > LABEL_MAX_LENGTH:
        raise InvalidValue(f'{name} "{label[:40]}..." is longer than {LABEL_MAX_LENGTH} characters ({len(label)})')
    return label


def aliases_clean(texts: list[str]) -> list[str]:
    """The aliases that are not blank, stripped; InvalidValue when one is too long."""
    aliases = [text.strip() for text in texts if text.strip()]
    for alias in aliases:
        if len(alias) > LABEL_MAX_LENGTH:
            raise InvalidValue(f'alias "{alias[:40]}..." is longer than {LABEL_MAX_LENGTH} characters ({len(alias)})')
    return aliases


def language_clean(text: str) -> str:
    """A BCP 47 tag in its usual case ("pt-BR", "zh-Hant"); empty means the default language."""
    tag = text.strip() or DEFAULT_LANGUAGE
    if len(tag) > LANGUAGE_MAX_LENGTH or not _LANGUAGE_PATTERN.fullmatch(tag):
        raise InvalidValue(
            f'language "{text}" is not a language tag such as "en" or "pt-BR" '
            f"({LANGUAGE_MAX_LENGTH} characters at most)"
        )
    primary, *subtags = tag.split("-")
    parts = [primary.lower()]
    for subtag in subtags:
        if len(subtag) == 2 and subtag.isalpha():
            parts.append(subtag.upper())  # region
        elif len(subtag) == 4 and subtag.isalpha():
            parts.append(subtag.title())  # script
        else:
            parts.append(subtag.lower())
    return "-".join(parts)


def uri_clean(text: str) -> str:
    """The URI stripped, "" for none; InvalidValue when it is not a URL or too long for a term."""
    uri = text.strip()
    if not uri:
        return ""
    if len(uri) > URI_MAX_LENGTH:
        raise InvalidValue(f'uri "{uri[:40]}..." is longer than {URI_MAX_LENGTH} characters')
    try:
        _URL_VALIDATOR(uri)
    except ValidationError:
        raise InvalidValue(f'uri "{uri}" is not a URL such as http://www.wikidata.org/entity/Q144') from None
    return uri


# ---------------------------------------------------------------------------------------------- import core

TermKey = tuple[str, str]
# A resolver factory gets the vocabulary as it will be after the import and returns a function that maps a broader
# reference written in the file (a label for CSV, an @id for SKOS) and the referring term's language to a term key.
ResolverFactory = Callable[[dict[TermKey, "PlannedTerm"]], Callable[[str, str], TermKey]]


class Keep:
    """A value the file does not give: the database's stays."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP = Keep()


def term_key(label: str, language: str) -> TermKey:
    """What identifies a term: its preferred label and language, case-insensitively."""
    # As the database's unique constraint compares: lower(preferred_label), and languages case-insensitively.
    return (label.lower(), language.lower())


@dataclass
class Entry:
    """One term as a file gives it."""

    label: str
    language: str
    aliases: list[str] | Keep
    uri: str | Keep
    broader: str | None | Keep  # a reference in the file's terms (a label or an @id), None for none
    where: str

    @property
    def key(self) -> TermKey:
        return term_key(self.label, self.language)


@dataclass
class PlannedTerm:
    """A term as it will be after the import: as the file gives it, else as the database has it."""

    label: str
    language: str
    uri: str
    entry: Entry | None
    term: Term | None


def entries_import(entries: list[Entry], resolver_factory: ResolverFactory, warnings: list[str]) -> ImportResult:
    """Create or update the terms of ``entries`` in one transaction, all or nothing.

    Raises VocabularyImportError, having written nothing, for a label given twice in one language, a broader
    reference ``resolver_factory``'s resolver cannot place, or a loop of broader terms. ``warnings`` (the reader's)
    are returned in the result.
    """
    problems = _duplicate_problems(entries)
    if problems:
        raise VocabularyImportError(problems)
    try:
        with transaction.atomic():
            # Locked so that an import running at the same time waits instead of interleaving its updates.
            existing = list(Term.objects.select_for_update().order_by("pk"))
            planned = terms_plan(entries, existing)
            parents = _parents(entries, planned, existing, resolver_factory(planned))
            return _write(entries, planned, parents, warnings)
    except IntegrityError as error:
        raise VocabularyImportError(
            [f"the database refused the import ({error}); another import may have run at the same time: try again"]
        ) from error


def _duplicate_problems(entries: list[Entry]) -> list[str]:
    problems = []
    first_by_key: dict[TermKey, Entry] = {}
    for entry in entries:
        first = first_by_key.setdefault(entry.key, entry)
        if first is not entry:
            problems.append(
                f'{entry.where}: "{entry.label}" ({entry.language}) is already in {first.where}; '
                "a preferred label may appear once per language: merge the two"
            )
    return problems


def terms_plan(entries: list[Entry], existing: list[Term]) -> dict[TermKey, PlannedTerm]:
    """Every term by key as it will be once ``entries`` are imported over ``existing`` (none: as it is now)."""
    planned: dict[TermKey, PlannedTerm] = {}
    for term in existing:
        planned.setdefault(
            term_key(term.preferred_label, term.language),
            PlannedTerm(term.preferred_label, term.language, term.uri, None, term),
        )
    for entry in entries:
        current = planned.get(entry.key)
        term = current.term if current else None
        uri = (term.uri if term else "") if entry.uri is KEEP else entry.uri
        planned[entry.key] = PlannedTerm(entry.label, entry.language, uri, entry, term)
    return planned


def _parents(
    entries: list[Entry],
    planned: dict[TermKey, PlannedTerm],
    existing: list[Term],
    resolve: Callable[[str, str], TermKey],
) -> dict[TermKey, TermKey | None]:
    """Every term's broader term after the import, by key; raises when a reference is missing or a chain loops."""
    key_by_pk = {term.pk: term_key(term.preferred_label, term.language) for term in existing}
    parents: dict[TermKey, TermKey | None] = {}
    for key, plan in planned.items():
        if plan.term is not None:
            parents[key] = key_by_pk.get(plan.term.broader_id)
    problems: list[str] = []
    for entry in entries:
        if entry.broader is KEEP:
            continue
        if entry.broader is None:
            parents[entry.key] = None
            continue
        try:
            parents[entry.key] = resolve(entry.broader, entry.language)
        except InvalidValue as error:
            problem = f"{entry.where}: {error}"
            if problem not in problems:  # a concept in several languages would say it once per language
                problems.append(problem)
    problems += _loop_problems(entries, parents, planned)
    if problems:
        raise VocabularyImportError(problems)
    return parents


def _loop_problems(
    entries: list[Entry], parents: dict[TermKey, TermKey | None], planned: dict[TermKey, PlannedTerm]
) -> list[str]:
    problems = []
    reported: set[frozenset[TermKey]] = set()
    for entry in entries:
        chain = [entry.key]
        parent = parents.get(entry.key)
        while parent is not None and parent not in chain:
            chain.append(parent)
            parent = parents.get(parent)
        # Only a loop through this entry is its problem; one above it is reported from its own members (or was in
        # the database before, which this import does not touch).
        if parent == entry.key and frozenset(chain) not in reported:
            reported.add(frozenset(chain))
            names = " -> ".join(f'"{planned[key].label}"' for key in [*chain, entry.key])
            problems.append(
                f"{entry.where}: the broader terms loop: {names}; a term cannot be broader than itself: "
                "remove one of these broader terms"
            )
    return problems


def _write(
    entries: list[Entry],
    planned: dict[TermKey, PlannedTerm],
    parents: dict[TermKey, TermKey | None],
    warnings: list[str],
) -> ImportResult:
    result = ImportResult(warnings=warnings)
    saved = {key: plan.term for key, plan in planned.items() if plan.term is not None}
    for entry in _parents_first(entries, parents):
        term = planned[entry.key].term
        before = None if term is None else _snapshot(term)
        term = term or Term()
        term.preferred_label = entry.label
        term.language = entry.language
        if entry.aliases is not KEEP:
            term.aliases = entry.aliases
        if entry.uri is not KEEP:
            term.uri = entry.uri
        if entry.broader is not KEEP:
            parent = parents[entry.key]
            term.broader = None if parent is None else saved[parent]
        if before is None:
            term.save()
            result.created += 1
        elif _snapshot(term) != before:
            term.save()
            result.updated += 1
        else:
            result.unchanged += 1
        saved[entry.key] = term
    return result


def _snapshot(term: Term) -> tuple:
    return (term.preferred_label, term.language, list(term.aliases), term.uri, term.broader_id)


def _parents_first(entries: list[Entry], parents: dict[TermKey, TermKey | None]) -> list[Entry]:
    """The entries ordered so that a new broader term is saved before the terms that point to it."""
    entry_by_key = {entry.key: entry for entry in entries}
    ordered: list[Entry] = []
    placed: set[TermKey] = set()
    for entry in entries:
        waiting = []
        key = entry.key
        while key in entry_by_key and key not in placed:  # loops were refused, so this ends
            waiting.append(key)
            placed.add(key)
            key = parents.get(key)
        ordered.extend(entry_by_key[key] for key in reversed(waiting))
    return ordered


def terms_in_export_order() -> list[Term]:
    """Every term, its broader term fetched with it, in the order exports write them (see above)."""
    terms = list(Term.objects.select_related("broader"))
    # Sorted here rather than by the database so the order does not depend on its collation.
    terms.sort(key=lambda term: (term.preferred_label.casefold(), term.language.lower(), term.pk))
    return terms
