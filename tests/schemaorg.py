"""A checker for schema.org JSON-LD: every property must be defined, valid for the type of the
node it is on (inherited properties included), and carry a value of one of its expected types."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from functools import cache
from pathlib import Path

VOCABULARY = Path(__file__).resolve().parent / "data" / "schemaorg" / "schemaorg-current-https.jsonld"
ISO_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
URL = re.compile(r"^(https?|urn|mailto|ftp):", re.IGNORECASE)


def _ids(value) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [item["@id"].removeprefix("schema:") for item in items]


class Vocabulary:
    def __init__(self, graph: list[dict]) -> None:
        self.parents: dict[str, list[str]] = {}
        self.properties: dict[str, tuple[set[str], set[str]]] = {}
        for node in graph:
            name = node["@id"].removeprefix("schema:")
            types = node["@type"] if isinstance(node["@type"], list) else [node["@type"]]
            if "rdfs:Class" in types:
                self.parents[name] = _ids(node.get("rdfs:subClassOf"))
            if "rdf:Property" in types:
                self.properties[name] = (
                    set(_ids(node.get("schema:domainIncludes"))),
                    set(_ids(node.get("schema:rangeIncludes"))),
                )

    @cache  # noqa: B019 - the vocabulary lives for the whole test session
    def ancestors(self, name: str) -> frozenset[str]:
        found = {name}
        for parent in self.parents.get(name, []):
            found |= self.ancestors(parent)
        return frozenset(found)

    def check(self, node: dict, path: str = "$") -> list[str]:
        """Problems found in ``node`` and below it, as readable strings (empty: valid)."""
        problems = []
        node_type = node.get("@type")
        if not isinstance(node_type, str) or node_type not in self.parents:
            return [f"{path}: unknown or missing @type {node_type!r}"]
        lineage = self.ancestors(node_type)
        for key, value in node.items():
            if key.startswith("@"):
                continue
            if key not in self.properties:
                problems.append(f"{path}.{key}: not a schema.org property")
                continue
            domain, expected = self.properties[key]
            if not lineage & domain:
                problems.append(f"{path}.{key}: not a property of {node_type} (domain: {sorted(domain)})")
            for index, item in enumerate(value if isinstance(value, list) else [value]):
                where = f"{path}.{key}[{index}]" if isinstance(value, list) else f"{path}.{key}"
                problems += self._check_value(item, expected, where)
        return problems

    def _check_value(self, value, expected: set[str], where: str) -> list[str]:
        if isinstance(value, dict):
            value_type = value.get("@type")
            if value_type is None and set(value) == {"@id"}:
                return []
            if not isinstance(value_type, str) or not self.ancestors(value_type) & expected:
                return [f"{where}: a {value_type} where {sorted(expected)} is expected"]
            return self.check(value, where)
        if isinstance(value, bool):
            ok = "Boolean" in expected
        elif isinstance(value, (int, float)):
            ok = bool(expected & {"Number", "Integer", "Float", "QuantitativeValue", "Text"})
        elif isinstance(value, str):
            ok = self._string_fits(value, expected)
        else:
            ok = False
        return [] if ok else [f"{where}: {value!r} does not fit {sorted(expected)}"]

    @staticmethod
    def _string_fits(value: str, expected: set[str]) -> bool:
        if "Text" in expected:
            return True
        if "URL" in expected and URL.match(value):
            return True
        if "Duration" in expected and ISO_DURATION.match(value):
            return True
        if "DateTime" in expected and _parses(datetime.fromisoformat, value):
            return True
        if "Date" in expected and (_parses(date.fromisoformat, value) or re.fullmatch(r"\d{4}(-\d{2})?", value)):
            return True
        if "Number" in expected and _parses(float, value):
            return True
        return False


def _parses(parser, value: str) -> bool:
    try:
        parser(value)
    except ValueError:
        return False
    return True


@cache
def vocabulary() -> Vocabulary:
    return Vocabulary(json.loads(VOCABULARY.read_text())["@graph"])
