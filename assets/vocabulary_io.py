"""Import and export of dam's controlled vocabulary (the Term table) as CSV and as SKOS in JSON-LD.

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

CSV: UTF-8, comma-separated, a header row naming the columns (any order; only ``preferred_label`` is required)::

    preferred_label,language,aliases,uri,broader
    Dogs,en,hounds|canines,http://www.wikidata.org/entity/Q144,Mammals

``aliases`` are separated by "|"; ``broader`` is the broader term's preferred label, looked up in the row's language
first, then in any one other language. An empty cell clears the value; a column left out of the header keeps the
values dam has. Blank lines are skipped; a column the format does not know is ignored with a warning.

SKOS: a JSON-LD document with the ``skos`` prefix in its ``@context``, a ``skos:ConceptScheme`` (``urn:dam:vocabulary``,
listing the terms without a broader term as ``skos:hasTopConcept``) and one ``skos:Concept`` per term. A concept's
``@id`` is the term's uri, or ``stable_term_iri()`` for terms without one; labels are ``{"@value", "@language"}``
objects, ``skos:altLabel`` is always a list, ``skos:altLabel`` and ``skos:broader`` are left out when empty. The
import also reads ``@graph`` or top-level lists, nested nodes (``skos:narrower`` trees), keys and types written as
full IRIs or through the ``@context``'s prefixes and terms, labels as strings (in the ``@context``'s ``@language``, else
"en"), objects or lists, and several concepts with one ``@id`` (an RDF tool would merge them). One concept with labels
in several languages becomes one term per language. An ``@id`` becomes the term's uri unless it is dam's own
``urn:dam:term:`` IRI, a blank node or not a URL (the model's ``uri`` is a URLField; a warning says so).
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction

from assets.models import Term, keyword_key

DEFAULT_LANGUAGE = Term._meta.get_field("language").default
CSV_COLUMNS = ("preferred_label", "language", "aliases", "uri", "broader")
ALIAS_SEPARATOR = "|"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEME_IRI = "urn:dam:vocabulary"
SCHEME_LABEL = "dam controlled vocabulary"
TERM_IRI_PREFIX = "urn:dam:term:"
FORMAT_BY_EXTENSION = {".csv": "csv", ".json": "skos", ".jsonld": "skos"}

LABEL_MAX_LENGTH = Term._meta.get_field("preferred_label").max_length
LANGUAGE_MAX_LENGTH = Term._meta.get_field("language").max_length
URI_MAX_LENGTH = Term._meta.get_field("uri").max_length
# How many problems an error message lists; ``problems`` holds them all.
PROBLEMS_SHOWN = 20

_LANGUAGE_PATTERN = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
# RFC 3986 unreserved and sub-delims, ":", "@" and "/": what a URN's name may hold as is. "-" is left out on purpose:
# spaces become "-", so a label's own hyphens are percent-encoded to keep "sea-lion" and "sea lion" apart.
_IRI_SAFE_ASCII = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._~!$&'()*+,;=:@/")
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


class _Invalid(Exception):
    """A problem with one value; the caller adds where it is."""


def format_for_path(path: Path | str) -> str | None:
    """ "csv" or "skos" from a file name's extension (.csv, .json, .jsonld); None when it does not tell."""
    return FORMAT_BY_EXTENSION.get(Path(path).suffix.lower())


def stable_term_iri(label: str, language: str) -> str:
    """dam's own IRI for a term without a uri: ``urn:dam:term:<language>:<keyword_key of the label>``.

    Spaces become "-"; hyphens, "%", "#", "?" and other characters a URN name cannot hold are percent-encoded
    ("Sea-lion pups" -> ``urn:dam:term:en:sea%2Dlion-pups``); other letters stay as they are (``zürich``). It depends
    on the label's keyword_key and the language only, so it survives a re-import and changes of case.
    """
    name = "".join(_iri_character(character) for character in keyword_key(label))
    language_part = "".join(
        character if character == "-" else _iri_character(character) for character in language.lower()
    )
    return f"{TERM_IRI_PREFIX}{language_part}:{name}"


def _iri_character(character: str) -> str:
    if character == " ":
        return "-"
    if character in _IRI_SAFE_ASCII:
        return character
    if ord(character) > 127 and not unicodedata.category(character).startswith("C"):
        return character  # IRIs allow letters beyond ASCII; controls and unassigned code points are encoded
    return "".join(f"%{byte:02X}" for byte in character.encode("utf-8"))


# ---------------------------------------------------------------------------------------------- values


def _label(text: str, name: str) -> str:
    label = text.strip()
    if not label:
        raise _Invalid(f"{name} is empty")
    if len(label) > LABEL_MAX_LENGTH:
        raise _Invalid(f'{name} "{label[:40]}..." is longer than {LABEL_MAX_LENGTH} characters ({len(label)})')
    return label


def _aliases(texts: list[str]) -> list[str]:
    aliases = [text.strip() for text in texts if text.strip()]
    for alias in aliases:
        if len(alias) > LABEL_MAX_LENGTH:
            raise _Invalid(f'alias "{alias[:40]}..." is longer than {LABEL_MAX_LENGTH} characters ({len(alias)})')
    return aliases


def _language(text: str) -> str:
    """A BCP 47 tag in its usual case ("pt-BR", "zh-Hant"); empty means the default language."""
    tag = text.strip() or DEFAULT_LANGUAGE
    if len(tag) > LANGUAGE_MAX_LENGTH or not _LANGUAGE_PATTERN.fullmatch(tag):
        raise _Invalid(
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


def _uri(text: str) -> str:
    uri = text.strip()
    if not uri:
        return ""
    if len(uri) > URI_MAX_LENGTH:
        raise _Invalid(f'uri "{uri[:40]}..." is longer than {URI_MAX_LENGTH} characters')
    try:
        _URL_VALIDATOR(uri)
    except ValidationError:
        raise _Invalid(f'uri "{uri}" is not a URL such as http://www.wikidata.org/entity/Q144') from None
    return uri


# ---------------------------------------------------------------------------------------------- import core

_TermKey = tuple[str, str]
# A resolver factory gets the vocabulary as it will be after the import and returns a function that maps a broader
# reference written in the file (a label for CSV, an @id for SKOS) and the referring term's language to a term key.
_ResolverFactory = Callable[[dict[_TermKey, "_Planned"]], Callable[[str, str], _TermKey]]


class _Keep:
    """A value the file does not give: the database's stays."""

    def __repr__(self) -> str:
        return "_KEEP"


_KEEP = _Keep()


def _term_key(label: str, language: str) -> _TermKey:
    # As the database's unique constraint compares: lower(preferred_label), and languages case-insensitively.
    return (label.lower(), language.lower())


@dataclass
class _Entry:
    """One term as a file gives it."""

    label: str
    language: str
    aliases: list[str] | _Keep
    uri: str | _Keep
    broader: str | None | _Keep  # a reference in the file's terms (a label or an @id), None for none
    where: str

    @property
    def key(self) -> _TermKey:
        return _term_key(self.label, self.language)


@dataclass
class _Planned:
    """A term as it will be after the import: as the file gives it, else as the database has it."""

    label: str
    language: str
    uri: str
    entry: _Entry | None
    term: Term | None


def _import_entries(entries: list[_Entry], resolver_factory: _ResolverFactory, warnings: list[str]) -> ImportResult:
    problems = _duplicate_problems(entries)
    if problems:
        raise VocabularyImportError(problems)
    try:
        with transaction.atomic():
            # Locked so that an import running at the same time waits instead of interleaving its updates.
            existing = list(Term.objects.select_for_update().order_by("pk"))
            planned = _plan(entries, existing)
            parents = _parents(entries, planned, existing, resolver_factory(planned))
            return _write(entries, planned, parents, warnings)
    except IntegrityError as error:
        raise VocabularyImportError(
            [f"the database refused the import ({error}); another import may have run at the same time: try again"]
        ) from error


def _duplicate_problems(entries: list[_Entry]) -> list[str]:
    problems = []
    first_by_key: dict[_TermKey, _Entry] = {}
    for entry in entries:
        first = first_by_key.setdefault(entry.key, entry)
        if first is not entry:
            problems.append(
                f'{entry.where}: "{entry.label}" ({entry.language}) is already in {first.where}; '
                "a preferred label may appear once per language: merge the two"
            )
    return problems


def _plan(entries: list[_Entry], existing: list[Term]) -> dict[_TermKey, _Planned]:
    planned: dict[_TermKey, _Planned] = {}
    for term in existing:
        planned.setdefault(
            _term_key(term.preferred_label, term.language),
            _Planned(term.preferred_label, term.language, term.uri, None, term),
        )
    for entry in entries:
        current = planned.get(entry.key)
        term = current.term if current else None
        uri = (term.uri if term else "") if entry.uri is _KEEP else entry.uri
        planned[entry.key] = _Planned(entry.label, entry.language, uri, entry, term)
    return planned


def _parents(
    entries: list[_Entry],
    planned: dict[_TermKey, _Planned],
    existing: list[Term],
    resolve: Callable[[str, str], _TermKey],
) -> dict[_TermKey, _TermKey | None]:
    """Every term's broader term after the import, by key; raises when a reference is missing or a chain loops."""
    key_by_pk = {term.pk: _term_key(term.preferred_label, term.language) for term in existing}
    parents: dict[_TermKey, _TermKey | None] = {}
    for key, plan in planned.items():
        if plan.term is not None:
            parents[key] = key_by_pk.get(plan.term.broader_id)
    problems: list[str] = []
    for entry in entries:
        if entry.broader is _KEEP:
            continue
        if entry.broader is None:
            parents[entry.key] = None
            continue
        try:
            parents[entry.key] = resolve(entry.broader, entry.language)
        except _Invalid as error:
            problem = f"{entry.where}: {error}"
            if problem not in problems:  # a concept in several languages would say it once per language
                problems.append(problem)
    problems += _loop_problems(entries, parents, planned)
    if problems:
        raise VocabularyImportError(problems)
    return parents


def _loop_problems(
    entries: list[_Entry], parents: dict[_TermKey, _TermKey | None], planned: dict[_TermKey, _Planned]
) -> list[str]:
    problems = []
    reported: set[frozenset[_TermKey]] = set()
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
    entries: list[_Entry],
    planned: dict[_TermKey, _Planned],
    parents: dict[_TermKey, _TermKey | None],
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
        if entry.aliases is not _KEEP:
            term.aliases = entry.aliases
        if entry.uri is not _KEEP:
            term.uri = entry.uri
        if entry.broader is not _KEEP:
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


def _parents_first(entries: list[_Entry], parents: dict[_TermKey, _TermKey | None]) -> list[_Entry]:
    """The entries ordered so that a new broader term is saved before the terms that point to it."""
    entry_by_key = {entry.key: entry for entry in entries}
    ordered: list[_Entry] = []
    placed: set[_TermKey] = set()
    for entry in entries:
        waiting = []
        key = entry.key
        while key in entry_by_key and key not in placed:  # loops were refused, so this ends
            waiting.append(key)
            placed.add(key)
            key = parents.get(key)
        ordered.extend(entry_by_key[key] for key in reversed(waiting))
    return ordered


def _all_terms() -> list[Term]:
    terms = list(Term.objects.select_related("broader"))
    # Sorted here rather than by the database so the order does not depend on its collation.
    terms.sort(key=lambda term: (term.preferred_label.casefold(), term.language.lower(), term.pk))
    return terms


# ---------------------------------------------------------------------------------------------- CSV


def vocabulary_export_csv(stream: IO[str]) -> int:
    """Write every term as CSV (header ``preferred_label,language,aliases,uri,broader``); returns the row count.

    Raises VocabularyExportError, before writing anything, when a term cannot be read back as it is.
    """
    terms = _all_terms()
    resolve = _csv_resolver(_plan([], terms))
    rows = []
    for term in terms:
        _check_csv_term(term, resolve)
        broader = term.broader.preferred_label if term.broader else ""
        rows.append([term.preferred_label, term.language, ALIAS_SEPARATOR.join(term.aliases), term.uri, broader])
    writer = csv.writer(stream)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(rows)
    return len(rows)


def _check_csv_term(term: Term, resolve: Callable[[str, str], _TermKey]) -> None:
    for alias in term.aliases:
        if ALIAS_SEPARATOR in alias:
            raise VocabularyExportError(
                f'term "{term.preferred_label}" ({term.language}): alias "{alias}" contains "{ALIAS_SEPARATOR}", '
                "which separates aliases in CSV; rename the alias or export as SKOS"
            )
    if term.broader is None:
        return
    broader_key = _term_key(term.broader.preferred_label, term.broader.language)
    try:
        resolved = resolve(term.broader.preferred_label, term.language)
    except _Invalid:
        resolved = None
    if resolved != broader_key:
        raise VocabularyExportError(
            f'term "{term.preferred_label}" ({term.language}): its broader term "{term.broader.preferred_label}" '
            f"({term.broader.language}) would be read back as another term, because CSV names broader terms by "
            "label only; export as SKOS instead"
        )


def vocabulary_import_csv(stream: IO[str]) -> ImportResult:
    """Create or update the terms of a CSV file, all or nothing; raises VocabularyImportError naming the rows."""
    entries, warnings = _csv_entries(stream)
    return _import_entries(entries, _csv_resolver, warnings)


def _csv_entries(stream: IO[str]) -> tuple[list[_Entry], list[str]]:
    reader = csv.reader(stream)
    rows = _numbered_rows(reader)
    problems: list[str] = []
    warnings: list[str] = []
    entries: list[_Entry] = []
    try:
        header = _csv_header(rows, warnings)
        for number, cells in rows:
            if not any(cell.strip() for cell in cells):
                continue
            try:
                entries.append(_csv_entry(header, cells, f"row {number}"))
            except _Invalid as error:
                problems.append(f"row {number}: {error}")
    except csv.Error as error:
        problems.append(f"row {reader.line_num}: not readable as CSV ({error})")
    if problems:
        raise VocabularyImportError(problems)
    return entries, warnings


def _numbered_rows(reader) -> Iterator[tuple[int, list[str]]]:
    """Each record with the line it starts on: the row number a spreadsheet shows, header being row 1."""
    previous_line = 0
    for cells in reader:
        yield previous_line + 1, cells
        previous_line = reader.line_num


def _csv_header(rows: Iterator[tuple[int, list[str]]], warnings: list[str]) -> list[str]:
    expected = ",".join(CSV_COLUMNS)
    for number, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        # A spreadsheet may save UTF-8 with a byte order mark; it is not part of the first column's name.
        names = [cell.strip().lstrip("\ufeff").strip().lower() for cell in cells]
        if "preferred_label" not in names:
            raise VocabularyImportError(
                [
                    f"row {number}: the first row must be the header {expected} (only preferred_label is required, "
                    f"comma-separated); found {','.join(cells)}"
                ]
            )
        repeated = sorted({name for name in names if name and names.count(name) > 1})
        if repeated:
            raise VocabularyImportError([f"row {number}: the header names {', '.join(repeated)} more than once"])
        for position, name in enumerate(names, start=1):
            if name not in CSV_COLUMNS:
                warnings.append(
                    f'row {number}: column {position} ("{name}") is not one of {expected}; its cells were ignored'
                )
        return names
    raise VocabularyImportError([f"the file is empty; it needs the header row {expected}"])


def _csv_entry(header: list[str], cells: list[str], where: str) -> _Entry:
    if any(cell.strip() for cell in cells[len(header) :]):
        raise _Invalid(
            f"{len(cells)} cells but the header has {len(header)} columns; put cells that contain commas in "
            "double quotes"
        )
    values = {name: (cells[position].strip() if position < len(cells) else "") for position, name in enumerate(header)}
    broader: str | None | _Keep = _KEEP
    if "broader" in values:
        broader = _label(values["broader"], "broader") if values["broader"] else None
    return _Entry(
        label=_label(values["preferred_label"], "preferred_label"),
        language=_language(values.get("language", "")),
        aliases=_aliases(values["aliases"].split(ALIAS_SEPARATOR)) if "aliases" in values else _KEEP,
        uri=_uri(values["uri"]) if "uri" in values else _KEEP,
        broader=broader,
        where=where,
    )


def _csv_resolver(planned: dict[_TermKey, _Planned]) -> Callable[[str, str], _TermKey]:
    keys_by_label: dict[str, list[_TermKey]] = defaultdict(list)
    for key in planned:
        keys_by_label[key[0]].append(key)

    def resolve(label: str, language: str) -> _TermKey:
        same_language = _term_key(label, language)
        if same_language in planned:
            return same_language
        candidates = keys_by_label.get(label.lower(), [])
        if len(candidates) == 1:
            return candidates[0]  # a broader term in another language, the only one with this label
        if not candidates:
            raise _Invalid(f'broader term "{label}" not found in the file nor in dam; add a row for it or fix the name')
        languages = ", ".join(sorted(planned[key].language for key in candidates))
        raise _Invalid(
            f'broader term "{label}" is not in {language} and is in several other languages ({languages}); '
            f"add it in {language} or import as SKOS, which names broader terms by IRI"
        )

    return resolve


# ---------------------------------------------------------------------------------------------- SKOS export


def vocabulary_export_skos(stream: IO[str]) -> int:
    """Write every term as a skos:Concept of one skos:ConceptScheme, in JSON-LD; returns the concept count."""
    terms = _all_terms()
    top_concepts = list(dict.fromkeys(_concept_iri(term) for term in terms if term.broader is None))
    scheme = {
        "@id": SCHEME_IRI,
        "@type": "skos:ConceptScheme",
        "skos:prefLabel": _language_value(SCHEME_LABEL, "en"),
        "skos:hasTopConcept": [{"@id": iri} for iri in top_concepts],
    }
    document = {"@context": {"skos": SKOS}, "@graph": [scheme, *(_skos_concept(term) for term in terms)]}
    json.dump(document, stream, ensure_ascii=False, indent=2)
    stream.write("\n")
    return len(terms)


def _concept_iri(term: Term) -> str:
    return term.uri or stable_term_iri(term.preferred_label, term.language)


def _language_value(text: str, language: str) -> dict[str, str]:
    return {"@value": text, "@language": language}


def _skos_concept(term: Term) -> dict[str, Any]:
    concept: dict[str, Any] = {
        "@id": _concept_iri(term),
        "@type": "skos:Concept",
        "skos:prefLabel": _language_value(term.preferred_label, term.language),
    }
    if term.aliases:
        concept["skos:altLabel"] = [_language_value(alias, term.language) for alias in term.aliases]
    if term.broader is not None:
        concept["skos:broader"] = {"@id": _concept_iri(term.broader)}
    concept["skos:inScheme"] = {"@id": SCHEME_IRI}
    return concept


# ---------------------------------------------------------------------------------------------- SKOS import


def vocabulary_import_skos(stream: IO[str]) -> ImportResult:
    """Create or update the terms of a SKOS JSON-LD document, all or nothing; raises VocabularyImportError."""
    try:
        document = json.load(stream)
    except json.JSONDecodeError as error:
        raise VocabularyImportError(
            [f"line {error.lineno} column {error.colno}: not valid JSON ({error.msg})"]
        ) from None
    reader = _SkosReader()
    entries = reader.read(document)
    return _import_entries(entries, reader.resolver, reader.warnings)


@dataclass
class _Context:
    """The part of a JSON-LD @context this reader follows: prefixes and terms, and the default language."""

    terms: dict[str, str]
    language: str

    def expand(self, name: str) -> str:
        name = self.terms.get(name, name)
        prefix, colon, suffix = name.partition(":")
        if colon and not suffix.startswith("//") and prefix in self.terms:
            return self.terms[prefix] + suffix
        return name


@dataclass
class _Node:
    identifier: str  # the @id, or one made up for a blank node
    where: str
    types: list[str]
    properties: dict[str, list[Any]]  # SKOS local name -> values
    context: _Context
    pref_labels: list[tuple[str, str]] = field(default_factory=list)
    alt_labels: list[tuple[str, str]] = field(default_factory=list)
    broader: list[str] = field(default_factory=list)
    narrower: list[str] = field(default_factory=list)


@dataclass
class _Draft:
    """One term of a concept: its preferred label in one language and what goes with it."""

    label: str
    language: str
    nodes: list[_Node]
    aliases: list[str] = field(default_factory=list)


class _SkosReader:
    def __init__(self) -> None:
        self.nodes: list[_Node] = []
        self.problems: list[str] = []
        self.warnings: list[str] = []
        self.saw_scheme = False
        self.blank_identifiers: dict[int, str] = {}  # id() of an embedded node without @id -> its identifier
        self.keys_by_identifier: dict[str, list[_TermKey]] = defaultdict(list)

    def read(self, document: Any) -> list[_Entry]:
        if not isinstance(document, dict | list):
            raise VocabularyImportError(["the document is not a JSON-LD object or list"])
        self._walk(document, _Context({"skos": SKOS}, DEFAULT_LANGUAGE))
        concepts = [node for node in self.nodes if self._is_concept(node)]
        for node in concepts:
            self._read_concept(node)
        entries = self._entries(concepts) if not self.problems else []
        if self.problems:
            raise VocabularyImportError(self.problems)
        if not concepts and not self.saw_scheme:
            raise VocabularyImportError(
                ["no skos:Concept found; expected JSON-LD with skos:Concept nodes, as vocabulary_export writes"]
            )
        return entries

    # Walking the document: every JSON object with properties is a node, wherever it is nested.

    def _walk(self, value: Any, context: _Context) -> None:
        if isinstance(value, list):
            for item in value:
                self._walk(item, context)
            return
        if not isinstance(value, dict) or "@value" in value:
            return
        if "@context" in value:
            context = self._context(value["@context"], context)
        if "@graph" in value:
            self._walk(value["@graph"], context)
        properties = {name: item for name, item in value.items() if name not in ("@context", "@graph", "@id")}
        if properties:
            self._add_node(value, properties, context)

    def _context(self, raw: Any, inherited: _Context) -> _Context:
        terms = dict(inherited.terms)
        language = inherited.language
        for item in raw if isinstance(raw, list) else [raw]:
            if not isinstance(item, dict):
                continue  # a remote context: not fetched; prefixed or full-IRI keys still work
            for name, definition in item.items():
                if name == "@language":
                    try:
                        language = _language(definition if isinstance(definition, str) else "")
                    except _Invalid as error:
                        self.problems.append(f"@context: {error}")
                elif name.startswith("@"):
                    continue
                elif isinstance(definition, str):
                    terms[name] = definition
                elif isinstance(definition, dict) and isinstance(definition.get("@id"), str):
                    terms[name] = definition["@id"]
        return _Context(terms, language)

    def _add_node(self, value: dict, properties: dict[str, Any], context: _Context) -> None:
        position = len(self.nodes) + 1
        if isinstance(value.get("@id"), str):
            identifier = context.expand(value["@id"])
            where = f'concept "{identifier}"'
        else:
            identifier = f"_:dam-unnamed-{position}"
            self.blank_identifiers[id(value)] = identifier
            where = f"concept #{position} (without @id)"
        raw_types = properties.get("@type", [])
        types = [context.expand(name) for name in (raw_types if isinstance(raw_types, list) else [raw_types])]
        node = _Node(identifier, where, [name for name in types if isinstance(name, str)], {}, context)
        self.nodes.append(node)
        for name, item in properties.items():
            if name == "@type":
                continue
            self._walk(item, context)  # nested nodes, such as a skos:narrower tree
            full_name = context.expand(name)
            if full_name.startswith(SKOS):
                values = item if isinstance(item, list) else [item]
                node.properties.setdefault(full_name[len(SKOS) :], []).extend(values)

    def _is_concept(self, node: _Node) -> bool:
        if SKOS + "Concept" in node.types:
            return True
        if SKOS + "ConceptScheme" in node.types:
            self.saw_scheme = True
            return False
        if node.types:
            if "prefLabel" in node.properties:
                self.warnings.append(f"{node.where}: of type {', '.join(node.types)}, not skos:Concept; skipped")
            return False
        return "prefLabel" in node.properties

    def _read_concept(self, node: _Node) -> None:
        try:
            node.pref_labels = self._labels(node, "prefLabel")
            node.alt_labels = self._labels(node, "altLabel")
            node.broader = self._references(node, "broader")
            node.narrower = self._references(node, "narrower")
        except _Invalid as error:
            self.problems.append(f"{node.where}: {error}")
            return
        by_language: dict[str, set[str]] = defaultdict(set)
        for label, language in node.pref_labels:
            by_language[language.lower()].add(label.lower())
        for language, labels in by_language.items():
            if len(labels) > 1:
                self.problems.append(
                    f"{node.where}: {len(labels)} skos:prefLabel in {language} ({', '.join(sorted(labels))}); "
                    "SKOS allows one per language: keep one and make the others skos:altLabel"
                )

    def _labels(self, node: _Node, name: str) -> list[tuple[str, str]]:
        labels = []
        for value in node.properties.get(name, []):
            if isinstance(value, str):
                text, language = value, node.context.language
            elif isinstance(value, dict) and isinstance(value.get("@value"), str):
                text, language = value["@value"], value.get("@language") or node.context.language
            else:
                shown = json.dumps(value, ensure_ascii=False)[:80]
                raise _Invalid(
                    f'skos:{name} {shown} is neither a string nor a {{"@value": ..., "@language": ...}} object'
                )
            if not isinstance(language, str):
                raise _Invalid(f'skos:{name} "{text}" has a @language that is not a string')
            labels.append((_label(text, f"skos:{name}"), _language(language)))
        return labels

    def _references(self, node: _Node, name: str) -> list[str]:
        identifiers = []
        for value in node.properties.get(name, []):
            if isinstance(value, str):
                identifiers.append(node.context.expand(value))  # lenient: an IRI written as a plain string
            elif isinstance(value, dict) and isinstance(value.get("@id"), str):
                identifiers.append(node.context.expand(value["@id"]))
            elif isinstance(value, dict) and id(value) in self.blank_identifiers:
                identifiers.append(self.blank_identifiers[id(value)])
            else:
                shown = json.dumps(value, ensure_ascii=False)[:80]
                raise _Invalid(f'skos:{name} {shown} is not a reference such as {{"@id": "http://..."}}')
        return list(dict.fromkeys(identifiers))

    # From nodes to terms.

    def _entries(self, concepts: list[_Node]) -> list[_Entry]:
        groups: dict[str, list[_Node]] = defaultdict(list)
        for node in concepts:
            groups[node.identifier].append(node)
        parents_from_narrower: dict[str, list[str]] = defaultdict(list)
        for node in concepts:
            for child in node.narrower:
                if child in groups:
                    parents_from_narrower[child].append(node.identifier)
                else:
                    self.warnings.append(f'{node.where}: skos:narrower "{child}" is not a concept of the file; ignored')
        entries = []
        for identifier, group in groups.items():
            entries += self._group_entries(identifier, group, parents_from_narrower.get(identifier, []))
        return entries

    def _group_entries(self, identifier: str, group: list[_Node], narrower_parents: list[str]) -> list[_Entry]:
        """The terms of the nodes that share one @id: one per preferred label, its aliases from the same node."""
        where = group[0].where
        drafts: dict[_TermKey, _Draft] = {}
        for node in group:
            for label, language in node.pref_labels:
                draft = drafts.setdefault(_term_key(label, language), _Draft(label, language, []))
                draft.nodes.append(node)
        if not drafts:
            self.problems.append(f"{where}: no skos:prefLabel; give the concept one per language")
            return []
        for node in group:
            for alias, language in node.alt_labels:
                self._attach_alias(alias, language, node, list(drafts.values()))
        uri = self._uri(identifier, where)
        group_broader = list(dict.fromkeys([*(b for node in group for b in node.broader), *narrower_parents]))
        entries = []
        for draft in drafts.values():
            own_broader = list(dict.fromkeys(b for node in draft.nodes for b in node.broader))
            broader = own_broader or group_broader
            if len(broader) > 1:
                self.warnings.append(
                    f'{where}: {len(broader)} broader concepts; dam keeps one per term, so "{draft.label}" '
                    f'({draft.language}) got "{broader[0]}" only'
                )
            entry = _Entry(draft.label, draft.language, draft.aliases, uri, broader[0] if broader else None, where)
            self.keys_by_identifier[identifier].append(entry.key)
            entries.append(entry)
        return entries

    def _attach_alias(self, alias: str, language: str, node: _Node, drafts: list[_Draft]) -> None:
        in_language = [draft for draft in drafts if draft.language.lower() == language.lower()]
        owners = [draft for draft in in_language if node in draft.nodes] or in_language
        if len(owners) == 1:
            if alias not in owners[0].aliases:  # the same node may be written out twice
                owners[0].aliases.append(alias)
        elif not owners:
            self.warnings.append(
                f'{node.where}: skos:altLabel "{alias}" ({language}) skipped: the concept has no skos:prefLabel '
                f"in {language}, and a dam term holds the aliases of its own language"
            )
        else:
            self.problems.append(
                f'{node.where}: skos:altLabel "{alias}" ({language}) could belong to any of '
                f"{', '.join(draft.label for draft in owners)}; give those concepts distinct @ids"
            )

    def _uri(self, identifier: str, where: str) -> str:
        if identifier.startswith(("_:", TERM_IRI_PREFIX)):
            return ""  # dam's own IRI or a blank node: the term has no external URI
        try:
            return _uri(identifier)
        except _Invalid as error:
            self.warnings.append(f"{where}: @id not kept as the term's uri: {error}")
            return ""

    def resolver(self, planned: dict[_TermKey, _Planned]) -> Callable[[str, str], _TermKey]:
        keys_by_iri: dict[str, list[_TermKey]] = defaultdict(list)
        for key, plan in planned.items():
            if plan.uri:
                keys_by_iri[plan.uri].append(key)
            keys_by_iri[stable_term_iri(plan.label, plan.language)].append(key)

        def resolve(identifier: str, language: str) -> _TermKey:
            # The file's own concepts first, then the vocabulary's terms by uri or by dam's IRI.
            candidates = list(dict.fromkeys(self.keys_by_identifier.get(identifier) or keys_by_iri.get(identifier, [])))
            if not candidates:
                raise _Invalid(
                    f'broader concept "{identifier}" not found in the file nor in dam; add it or fix the @id'
                )
            same_language = [key for key in candidates if key[1] == language.lower()]
            if len(same_language) > 1:
                labels = ", ".join(f'"{planned[key].label}"' for key in same_language)
                raise _Invalid(
                    f'broader concept "{identifier}" names {len(same_language)} terms in {language} ({labels}); '
                    "give them distinct @ids"
                )
            # All candidates are labels of one concept: the referring term's language reads best, then the default.
            default_language = [key for key in candidates if key[1] == DEFAULT_LANGUAGE]
            return (same_language or default_language or candidates)[0]

        return resolve
