"""The controlled vocabulary as SKOS in JSON-LD: ``vocabulary_export_skos`` and ``vocabulary_import_skos``.

SKOS: a JSON-LD document with the ``skos`` prefix in its ``@context``, a ``skos:ConceptScheme`` (``urn:dam:vocabulary``,
listing the terms without a broader term as ``skos:hasTopConcept``) and one ``skos:Concept`` per term. A concept's
``@id`` is the term's uri, or ``stable_term_iri()`` for terms without one; labels are ``{"@value", "@language"}``
objects, ``skos:altLabel`` is always a list, ``skos:altLabel`` and ``skos:broader`` are left out when empty. The
import also reads ``@graph`` or top-level lists, nested nodes (``skos:narrower`` trees), keys and types written as
full IRIs or through the ``@context``'s prefixes and terms, labels as strings (in the ``@context``'s ``@language``, else
"en"), objects or lists, and several concepts with one ``@id`` (an RDF tool would merge them). One concept with labels
in several languages becomes one term per language. An ``@id`` becomes the term's uri unless it is dam's own
``urn:dam:term:`` IRI, a blank node or not a URL (the model's ``uri`` is a URLField; a warning says so).

Imports are all-or-nothing upserts and exports are ordered as ``assets.vocabulary.importing`` describes.
"""

from __future__ import annotations

import json
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from assets.models import Term, keyword_key
from assets.vocabulary.importing import (
    DEFAULT_LANGUAGE,
    Entry,
    ImportResult,
    InvalidValue,
    PlannedTerm,
    TermKey,
    VocabularyImportError,
    entries_import,
    label_clean,
    language_clean,
    term_key,
    terms_in_export_order,
    uri_clean,
)

SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEME_IRI = "urn:dam:vocabulary"
SCHEME_LABEL = "dam controlled vocabulary"
TERM_IRI_PREFIX = "urn:dam:term:"

# RFC 3986 unreserved and sub-delims, ":", "@" and "/": what a URN's name may hold as is. "-" is left out on purpose:
# spaces become "-", so a label's own hyphens are percent-encoded to keep "sea-lion" and "sea lion" apart.
_IRI_SAFE_ASCII = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._~!$&'()*+,;=:@/")


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


# ---------------------------------------------------------------------------------------------- SKOS export


def vocabulary_export_skos(stream: IO[str]) -> int:
    """Write every term as a skos:Concept of one skos:ConceptScheme, in JSON-LD; returns the concept count."""
    terms = terms_in_export_order()
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
    return entries_import(entries, reader.resolver, reader.warnings)


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
        self.keys_by_identifier: dict[str, list[TermKey]] = defaultdict(list)

    def read(self, document: Any) -> list[Entry]:
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
                        language = language_clean(definition if isinstance(definition, str) else "")
                    except InvalidValue as error:
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
        except InvalidValue as error:
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
                raise InvalidValue(
                    f'skos:{name} {shown} is neither a string nor a {{"@value": ..., "@language": ...}} object'
                )
            if not isinstance(language, str):
                raise InvalidValue(f'skos:{name} "{text}" has a @language that is not a string')
            labels.append((label_clean(text, f"skos:{name}"), language_clean(language)))
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
                raise InvalidValue(f'skos:{name} {shown} is not a reference such as {{"@id": "http://..."}}')
        return list(dict.fromkeys(identifiers))

    # From nodes to terms.

    def _entries(self, concepts: list[_Node]) -> list[Entry]:
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

    def _group_entries(self, identifier: str, group: list[_Node], narrower_parents: list[str]) -> list[Entry]:
        """The terms of the nodes that share one @id: one per preferred label, its aliases from the same node."""
        where = group[0].where
        drafts: dict[TermKey, _Draft] = {}
        for node in group:
            for label, language in node.pref_labels:
                draft = drafts.setdefault(term_key(label, language), _Draft(label, language, []))
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
            entry = Entry(draft.label, draft.language, draft.aliases, uri, broader[0] if broader else None, where)
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
            return uri_clean(identifier)
        except InvalidValue as error:
            self.warnings.append(f"{where}: @id not kept as the term's uri: {error}")
            return ""

    def resolver(self, planned: dict[TermKey, PlannedTerm]) -> Callable[[str, str], TermKey]:
        keys_by_iri: dict[str, list[TermKey]] = defaultdict(list)
        for key, plan in planned.items():
            if plan.uri:
                keys_by_iri[plan.uri].append(key)
            keys_by_iri[stable_term_iri(plan.label, plan.language)].append(key)

        def resolve(identifier: str, language: str) -> TermKey:
            # The file's own concepts first, then the vocabulary's terms by uri or by dam's IRI.
            candidates = list(dict.fromkeys(self.keys_by_identifier.get(identifier) or keys_by_iri.get(identifier, [])))
            if not candidates:
                raise InvalidValue(
                    f'broader concept "{identifier}" not found in the file nor in dam; add it or fix the @id'
                )
            same_language = [key for key in candidates if key[1] == language.lower()]
            if len(same_language) > 1:
                labels = ", ".join(f'"{planned[key].label}"' for key in same_language)
                raise InvalidValue(
                    f'broader concept "{identifier}" names {len(same_language)} terms in {language} ({labels}); '
                    "give them distinct @ids"
                )
            # All candidates are labels of one concept: the referring term's language reads best, then the default.
            default_language = [key for key in candidates if key[1] == DEFAULT_LANGUAGE]
            return (same_language or default_language or candidates)[0]

        return resolve
