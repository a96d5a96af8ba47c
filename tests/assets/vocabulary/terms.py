"""A sample vocabulary and shortcuts that the vocabulary's import and export tests share."""

import io
import json

from assets.models import Term
from assets.vocabulary.csv_format import vocabulary_import_csv
from assets.vocabulary.skos import vocabulary_import_skos

WIKIDATA_ANIMAL = "http://www.wikidata.org/entity/Q729"


def vocabulary() -> list[tuple]:
    """Every term as comparable values: no database IDs, broader terms by label and language."""
    return sorted(
        (
            term.preferred_label,
            term.language,
            tuple(term.aliases),
            term.uri,
            (term.broader.preferred_label, term.broader.language) if term.broader else None,
        )
        for term in Term.objects.select_related("broader")
    )


def make_vocabulary() -> None:
    """Three levels created parent-first, non-ASCII labels, aliases, URIs, two languages, a cross-language link."""
    animals = Term.objects.create(preferred_label="Animals", uri=WIKIDATA_ANIMAL, aliases=["fauna"])
    mammals = Term.objects.create(preferred_label="Mammals", broader=animals)
    Term.objects.create(preferred_label="Dogs", aliases=["hounds", "canines"], broader=mammals)
    tiere = Term.objects.create(preferred_label="Tiere", language="de", uri=WIKIDATA_ANIMAL)
    Term.objects.create(preferred_label="Hunde", language="de", aliases=["Köter"], broader=tiere)
    Term.objects.create(preferred_label="Zürich", language="de", aliases=["Züri", "Zurigo"])
    Term.objects.create(preferred_label="Zürich", aliases=["Zurich"])
    Term.objects.create(preferred_label="Grauwal", language="de", broader=mammals)  # broader in another language
    Term.objects.create(preferred_label="Sea-lion pups", language="pt-BR", aliases=["Leões-marinhos"])


def csv_import(text: str):
    return vocabulary_import_csv(io.StringIO(text, newline=""))


def skos_import(document):
    return vocabulary_import_skos(io.StringIO(json.dumps(document, ensure_ascii=False)))
