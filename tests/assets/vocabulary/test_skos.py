"""The vocabulary as SKOS in JSON-LD: the exact export, stable IRIs, and imports of what other tools write."""

import io
import json

import pytest

from assets.models import Term
from assets.vocabulary.importing import VocabularyImportError
from assets.vocabulary.skos import SKOS, stable_term_iri, vocabulary_export_skos, vocabulary_import_skos
from tests.assets.vocabulary.terms import WIKIDATA_ANIMAL, skos_import, vocabulary


@pytest.mark.django_db
def test_skos_import_updates_the_existing_term_case_insensitively():
    dogs = Term.objects.create(preferred_label="Dogs", aliases=["hounds"])
    result = skos_import(
        {
            "@context": {"skos": SKOS},
            "@graph": [
                {
                    "@id": "http://www.wikidata.org/entity/Q144",
                    "@type": "skos:Concept",
                    "skos:prefLabel": {"@value": "dogs", "@language": "en"},
                    "skos:altLabel": [{"@value": "pups", "@language": "en"}],
                }
            ],
        }
    )
    assert (result.created, result.updated) == (0, 1)
    dogs.refresh_from_db()
    assert (dogs.preferred_label, dogs.aliases, dogs.uri) == ("dogs", ["pups"], "http://www.wikidata.org/entity/Q144")
    assert Term.objects.count() == 1


@pytest.mark.django_db
def test_an_invalid_skos_concept_imports_nothing_and_names_the_concept():
    document = {
        "@context": {"skos": SKOS},
        "@graph": [
            {"@id": "http://example.org/cats", "@type": "skos:Concept", "skos:prefLabel": "Cats"},
            {
                "@id": "http://example.org/dogs",
                "@type": "skos:Concept",
                "skos:prefLabel": "Dogs",
                "skos:broader": {"@id": "http://example.org/animals"},
            },
        ],
    }
    with pytest.raises(VocabularyImportError) as raised:
        skos_import(document)
    assert raised.value.problems == [
        'concept "http://example.org/dogs": broader concept "http://example.org/animals" not found in the file '
        "nor in dam; add it or fix the @id"
    ]
    assert Term.objects.count() == 0
    with pytest.raises(VocabularyImportError, match=r"concept \"http://example.org/x\": 2 skos:prefLabel in en"):
        skos_import([{"@id": "http://example.org/x", "skos:prefLabel": ["One", "Two"]}])
    with pytest.raises(VocabularyImportError, match="line 1 column 2: not valid JSON"):
        vocabulary_import_skos(io.StringIO("{,}"))
    with pytest.raises(VocabularyImportError, match="no skos:Concept found"):
        skos_import({"@context": "https://schema.org", "@type": "ImageObject", "name": "not a vocabulary"})


@pytest.mark.django_db
def test_skos_export_has_exactly_the_expected_structure():
    animals = Term.objects.create(preferred_label="Animals", uri=WIKIDATA_ANIMAL)
    Term.objects.create(preferred_label="Zürich See", language="de", aliases=["Zürisee"], broader=animals)
    stream = io.StringIO()
    assert vocabulary_export_skos(stream) == 2
    scheme = {"@id": "urn:dam:vocabulary"}
    assert json.loads(stream.getvalue()) == {
        "@context": {"skos": "http://www.w3.org/2004/02/skos/core#"},
        "@graph": [
            {
                "@id": "urn:dam:vocabulary",
                "@type": "skos:ConceptScheme",
                "skos:prefLabel": {"@value": "dam controlled vocabulary", "@language": "en"},
                "skos:hasTopConcept": [{"@id": WIKIDATA_ANIMAL}],
            },
            {
                "@id": WIKIDATA_ANIMAL,
                "@type": "skos:Concept",
                "skos:prefLabel": {"@value": "Animals", "@language": "en"},
                "skos:inScheme": scheme,
            },
            {
                "@id": "urn:dam:term:de:zürich-see",
                "@type": "skos:Concept",
                "skos:prefLabel": {"@value": "Zürich See", "@language": "de"},
                "skos:altLabel": [{"@value": "Zürisee", "@language": "de"}],
                "skos:broader": {"@id": WIKIDATA_ANIMAL},
                "skos:inScheme": scheme,
            },
        ],
    }
    assert "Zürich" in stream.getvalue()  # UTF-8 as is, not \u escapes


def test_stable_term_iris_keep_labels_apart():
    assert stable_term_iri("Sailing  Boats", "EN") == "urn:dam:term:en:sailing-boats"
    assert stable_term_iri("Sea-lion", "pt-BR") == "urn:dam:term:pt-br:sea%2Dlion"
    assert stable_term_iri("Sea lion", "en") != stable_term_iri("Sea-lion", "en")
    assert stable_term_iri("C# 100%?", "en") == "urn:dam:term:en:c%23-100%25%3F"
    assert stable_term_iri("Zürich", "de") == "urn:dam:term:de:zürich"


@pytest.mark.django_db
def test_skos_import_of_a_hand_written_document_with_full_iris_and_plain_strings():
    document = [  # a top-level list, no @context, every key and type a full IRI
        {
            "@id": "http://example.org/vocabulary",
            "@type": f"{SKOS}ConceptScheme",
            f"{SKOS}prefLabel": "Example",
        },
        {
            "@id": "urn:dam:term:en:dogs",
            "@type": [f"{SKOS}Concept"],
            f"{SKOS}prefLabel": "Dogs",
            f"{SKOS}altLabel": ["hounds", "canines"],
            f"{SKOS}broader": [{"@id": "http://example.org/mammals"}],
        },
        {
            "@id": "http://example.org/mammals",
            "@type": f"{SKOS}Concept",
            f"{SKOS}prefLabel": [{"@value": "Mammals", "@language": "en"}, {"@value": "Säugetiere", "@language": "de"}],
            f"{SKOS}altLabel": {"@value": "Säuger", "@language": "de"},
            f"{SKOS}broader": {"@id": WIKIDATA_ANIMAL},
        },
        {"@id": WIKIDATA_ANIMAL, "@type": f"{SKOS}Concept", f"{SKOS}prefLabel": "Animals"},
        {"@id": "_:b1", "@type": f"{SKOS}Concept", f"{SKOS}prefLabel": "Cats", f"{SKOS}broader": "_:b2"},
        {"@id": "_:b2", f"{SKOS}prefLabel": "Felines", f"{SKOS}broader": WIKIDATA_ANIMAL},  # untyped, a plain IRI
        {"@id": "urn:isbn:0451450523", "@type": f"{SKOS}Concept", f"{SKOS}prefLabel": "The Last Unicorn"},
    ]
    result = skos_import(document)
    assert (result.created, result.updated) == (7, 0)
    assert result.warnings == [
        'concept "urn:isbn:0451450523": @id not kept as the term\'s uri: uri "urn:isbn:0451450523" is not a URL '
        "such as http://www.wikidata.org/entity/Q144"
    ]
    assert vocabulary() == [
        ("Animals", "en", (), WIKIDATA_ANIMAL, None),
        ("Cats", "en", (), "", ("Felines", "en")),
        ("Dogs", "en", ("hounds", "canines"), "", ("Mammals", "en")),
        ("Felines", "en", (), "", ("Animals", "en")),
        ("Mammals", "en", (), "http://example.org/mammals", ("Animals", "en")),
        ("Säugetiere", "de", ("Säuger",), "http://example.org/mammals", ("Animals", "en")),
        ("The Last Unicorn", "en", (), "", None),
    ]


@pytest.mark.django_db
def test_skos_import_reads_nested_trees_prefixes_and_a_default_language():
    Term.objects.create(preferred_label="Lebewesen", language="de", uri="http://example.org/life")
    document = {
        "@context": {"s": SKOS, "label": "s:prefLabel", "Concept": "s:Concept", "@language": "de"},
        "@id": "http://example.org/animals",
        "@type": "Concept",
        "label": "Tiere",
        "s:broader": {"@id": "http://example.org/life"},  # a term dam has, found by its uri
        "s:narrower": [
            {
                "@id": "http://example.org/dogs",
                "label": ["Hunde", {"@value": "Dogs", "@language": "en"}],
                "s:altLabel": [
                    {"@value": "hounds", "@language": "en"},
                    "Köter",
                    {"@value": "chiens", "@language": "fr"},
                ],
                "s:narrower": {"label": "Welpen"},  # a blank node
            }
        ],
    }
    result = skos_import(document)
    assert result.created == 4
    assert result.warnings == [
        'concept "http://example.org/dogs": skos:altLabel "chiens" (fr) skipped: the concept has no skos:prefLabel '
        "in fr, and a dam term holds the aliases of its own language"
    ]
    assert vocabulary() == [
        ("Dogs", "en", ("hounds",), "http://example.org/dogs", ("Tiere", "de")),
        ("Hunde", "de", ("Köter",), "http://example.org/dogs", ("Tiere", "de")),
        ("Lebewesen", "de", (), "http://example.org/life", None),
        ("Tiere", "de", (), "http://example.org/animals", ("Lebewesen", "de")),
        ("Welpen", "de", (), "", ("Hunde", "de")),
    ]


@pytest.mark.django_db
def test_skos_concepts_sharing_an_external_uri_round_trip():
    """Each language's label of one Wikidata item is its own dam term with the same uri: one concept per term."""
    animals = Term.objects.create(preferred_label="Animals", uri=WIKIDATA_ANIMAL, aliases=["fauna"])
    tiere = Term.objects.create(preferred_label="Tiere", language="de", uri=WIKIDATA_ANIMAL, aliases=["Fauna"])
    Term.objects.create(preferred_label="Dogs", broader=animals)
    Term.objects.create(preferred_label="Hunde", language="de", broader=tiere)
    Term.objects.create(preferred_label="Chiens", language="fr", broader=animals)  # no fr label: the "en" one
    before = vocabulary()
    stream = io.StringIO()
    vocabulary_export_skos(stream)
    Term.objects.all().delete()
    vocabulary_import_skos(io.StringIO(stream.getvalue()))
    assert vocabulary() == before


@pytest.mark.django_db
def test_skos_import_of_what_an_rdf_tool_writes_after_merging_our_export():
    """rdflib (7.x) re-serializing our export: one node per IRI, so "Animals"@en and "Tiere"@de share a node,
    every value in a list, in the expanded form."""

    def skos(name):
        return f"{SKOS}{name}"

    document = [
        {
            "@id": WIKIDATA_ANIMAL,
            "@type": [skos("Concept")],
            skos("altLabel"): [{"@language": "en", "@value": "fauna"}],
            skos("inScheme"): [{"@id": "urn:dam:vocabulary"}],
            skos("prefLabel"): [{"@language": "de", "@value": "Tiere"}, {"@language": "en", "@value": "Animals"}],
        },
        {
            "@id": "urn:dam:term:de:hunde",
            "@type": [skos("Concept")],
            skos("altLabel"): [{"@language": "de", "@value": "Köter"}],
            skos("broader"): [{"@id": WIKIDATA_ANIMAL}],
            skos("prefLabel"): [{"@language": "de", "@value": "Hunde"}],
        },
        {
            "@id": "urn:dam:vocabulary",
            "@type": [skos("ConceptScheme")],
            skos("hasTopConcept"): [{"@id": WIKIDATA_ANIMAL}],
        },
    ]
    assert skos_import(document).created == 3
    assert vocabulary() == [
        ("Animals", "en", ("fauna",), WIKIDATA_ANIMAL, None),
        ("Hunde", "de", ("Köter",), "", ("Tiere", "de")),  # the broader concept's label in the term's language
        ("Tiere", "de", (), WIKIDATA_ANIMAL, None),
    ]
