"""The controlled vocabulary as CSV: ``vocabulary_export_csv`` and ``vocabulary_import_csv``.

CSV: UTF-8, comma-separated, a header row naming the columns (any order; only ``preferred_label`` is required)::

    preferred_label,language,aliases,uri,broader
    Dogs,en,hounds|canines,http://www.wikidata.org/entity/Q144,Mammals

``aliases`` are separated by "|"; ``broader`` is the broader term's preferred label, looked up in the row's language
first, then in any one other language. An empty cell clears the value; a column left out of the header keeps the
values dam has. Blank lines are skipped; a column the format does not know is ignored with a warning.

Imports are all-or-nothing upserts and exports are ordered as ``assets.vocabulary.importing`` describes.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import IO

from assets.models import Term
from assets.vocabulary.importing import (
    KEEP,
    Entry,
    ImportResult,
    InvalidValue,
    Keep,
    PlannedTerm,
    TermKey,
    VocabularyExportError,
    VocabularyImportError,
    aliases_clean,
    entries_import,
    label_clean,
    language_clean,
    term_key,
    terms_in_export_order,
    terms_plan,
    uri_clean,
)

CSV_COLUMNS = ("preferred_label", "language", "aliases", "uri", "broader")
ALIAS_SEPARATOR = "|"


def vocabulary_export_csv(stream: IO[str]) -> int:
    """Write every term as CSV (header ``preferred_label,language,aliases,uri,broader``); returns the row count.

    Raises VocabularyExportError, before writing anything, when a term cannot be read back as it is.
    """
    terms = terms_in_export_order()
    resolve = _csv_resolver(terms_plan([], terms))
    rows = []
    for term in terms:
        _check_csv_term(term, resolve)
        broader = term.broader.preferred_label if term.broader else ""
        rows.append([term.preferred_label, term.language, ALIAS_SEPARATOR.join(term.aliases), term.uri, broader])
    writer = csv.writer(stream)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(rows)
    return len(rows)


def _check_csv_term(term: Term, resolve: Callable[[str, str], TermKey]) -> None:
    for alias in term.aliases:
        if ALIAS_SEPARATOR in alias:
            raise VocabularyExportError(
                f'term "{term.preferred_label}" ({term.language}): alias "{alias}" contains "{ALIAS_SEPARATOR}", '
                "which separates aliases in CSV; rename the alias or export as SKOS"
            )
    if term.broader is None:
        return
    broader_key = term_key(term.broader.preferred_label, term.broader.language)
    try:
        resolved = resolve(term.broader.preferred_label, term.language)
    except InvalidValue:
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
    return entries_import(entries, _csv_resolver, warnings)


def _csv_entries(stream: IO[str]) -> tuple[list[Entry], list[str]]:
    reader = csv.reader(stream)
    rows = _numbered_rows(reader)
    problems: list[str] = []
    warnings: list[str] = []
    entries: list[Entry] = []
    try:
        header = _csv_header(rows, warnings)
        for number, cells in rows:
            if not any(cell.strip() for cell in cells):
                continue
            try:
                entries.append(_csv_entry(header, cells, f"row {number}"))
            except InvalidValue as error:
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


def _csv_entry(header: list[str], cells: list[str], where: str) -> Entry:
    if any(cell.strip() for cell in cells[len(header) :]):
        raise InvalidValue(
            f"{len(cells)} cells but the header has {len(header)} columns; put cells that contain commas in "
            "double quotes"
        )
    values = {name: (cells[position].strip() if position < len(cells) else "") for position, name in enumerate(header)}
    broader: str | None | Keep = KEEP
    if "broader" in values:
        broader = label_clean(values["broader"], "broader") if values["broader"] else None
    return Entry(
        label=label_clean(values["preferred_label"], "preferred_label"),
        language=language_clean(values.get("language", "")),
        aliases=aliases_clean(values["aliases"].split(ALIAS_SEPARATOR)) if "aliases" in values else KEEP,
        uri=uri_clean(values["uri"]) if "uri" in values else KEEP,
        broader=broader,
        where=where,
    )


def _csv_resolver(planned: dict[TermKey, PlannedTerm]) -> Callable[[str, str], TermKey]:
    keys_by_label: dict[str, list[TermKey]] = defaultdict(list)
    for key in planned:
        keys_by_label[key[0]].append(key)

    def resolve(label: str, language: str) -> TermKey:
        same_language = term_key(label, language)
        if same_language in planned:
            return same_language
        candidates = keys_by_label.get(label.lower(), [])
        if len(candidates) == 1:
            return candidates[0]  # a broader term in another language, the only one with this label
        if not candidates:
            raise InvalidValue(
                f'broader term "{label}" not found in the file nor in dam; add a row for it or fix the name'
            )
        languages = ", ".join(sorted(planned[key].language for key in candidates))
        raise InvalidValue(
            f'broader term "{label}" is not in {language} and is in several other languages ({languages}); '
            f"add it in {language} or import as SKOS, which names broader terms by IRI"
        )

    return resolve
