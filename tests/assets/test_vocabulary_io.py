"""The controlled vocabulary in and out: CSV and SKOS (JSON-LD) round trips, upserts, all-or-nothing imports,
the exact SKOS document, and the vocabulary_export / vocabulary_import commands."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from assets.models import Term
from assets.vocabulary_io import (
    SKOS,
    VocabularyExportError,
    VocabularyImportError,
    stable_term_iri,
    vocabulary_export_csv,
    vocabulary_export_skos,
    vocabulary_import_csv,
    vocabulary_import_skos,
)

WIKIDATA_ANIMAL = "http://www.wikidata.org/entity/Q729"
IPTC_ANIMAL = "http://cv.iptc.org/newscodes/mediatopic/20000504"


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


# ------------------------------------------------------------------------------------------- round trips


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("export", "import_"),
    [(vocabulary_export_csv, vocabulary_import_csv), (vocabulary_export_skos, vocabulary_import_skos)],
    ids=["csv", "skos"],
)
def test_export_then_import_into_an_empty_vocabulary_gives_the_same_terms(export, import_):
    make_vocabulary()
    before = vocabulary()
    stream = io.StringIO(newline="")
    assert export(stream) == len(before) == 9
    Term.objects.all().delete()

    result = import_(io.StringIO(stream.getvalue(), newline=""))

    assert (result.created, result.updated, result.unchanged, result.warnings) == (9, 0, 0, [])
    assert vocabulary() == before
    # Importing the same file again changes nothing.
    again = import_(io.StringIO(stream.getvalue(), newline=""))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 9)
    assert vocabulary() == before


@pytest.mark.django_db
def test_csv_export_is_the_documented_format():
    make_vocabulary()
    stream = io.StringIO(newline="")
    vocabulary_export_csv(stream)
    assert stream.getvalue().splitlines() == [
        "preferred_label,language,aliases,uri,broader",
        f"Animals,en,fauna,{WIKIDATA_ANIMAL},",
        "Dogs,en,hounds|canines,,Mammals",
        "Grauwal,de,,,Mammals",
        "Hunde,de,Köter,,Tiere",
        "Mammals,en,,,Animals",
        "Sea-lion pups,pt-BR,Leões-marinhos,,",
        f"Tiere,de,,{WIKIDATA_ANIMAL},",
        "Zürich,de,Züri|Zurigo,,",
        "Zürich,en,Zurich,,",
    ]


@pytest.mark.django_db
def test_csv_import_of_a_chain_declared_child_first():
    text = (
        "\ufeffPreferred_Label,Aliases,Broader\r\n"  # byte order mark, any case, no language column: "en"
        "Dogs,hounds|canines| ,Mammals\r\n"
        "\r\n"
        'Mammals,,"Animals, all of them"\r\n'
        ",,\r\n"  # an empty spreadsheet row
        '"Animals, all of them",fauna,\r\n'
        'Zürich,"Zurich|Zuerich",\r\n'
    )
    result = csv_import(text)
    assert (result.created, result.updated) == (4, 0)
    assert vocabulary() == [
        ("Animals, all of them", "en", ("fauna",), "", None),
        ("Dogs", "en", ("hounds", "canines"), "", ("Mammals", "en")),
        ("Mammals", "en", (), "", ("Animals, all of them", "en")),
        ("Zürich", "en", ("Zurich", "Zuerich"), "", None),
    ]
    assert Term.objects.get(preferred_label="Dogs").match_keys == ["canines", "dogs", "hounds"]


@pytest.mark.django_db
def test_csv_broader_is_looked_up_in_the_rows_language_first():
    Term.objects.create(preferred_label="Gift", language="en")  # a present; in German, poison
    Term.objects.create(preferred_label="Animals", language="en")
    result = csv_import(
        "preferred_label,language,broader\nArsen,de,Gift\nGift,de,\nBirthday present,en,Gift\nKatzen,de,Animals\n"
    )
    assert result.created == 4
    assert [entry for entry in vocabulary() if entry[4]] == [
        ("Arsen", "de", (), "", ("Gift", "de")),
        ("Birthday present", "en", (), "", ("Gift", "en")),
        ("Katzen", "de", (), "", ("Animals", "en")),  # the only "Animals": another language is fine
    ]
    with pytest.raises(VocabularyImportError, match=r'row 2: broader term "Gift" is not in fr and is in several'):
        csv_import("preferred_label,language,broader\nPoison,fr,Gift\n")


# ------------------------------------------------------------------------------------------- upserts


@pytest.mark.django_db
def test_csv_import_updates_the_existing_term_case_insensitively():
    animals = Term.objects.create(preferred_label="Animals")
    dogs = Term.objects.create(preferred_label="Dogs", aliases=["hounds"], uri="http://example.org/old")
    Term.objects.create(preferred_label="dogs", language="fr")  # another language: another term

    result = csv_import(
        "preferred_label,language,aliases,uri,broader\n"
        "DOGS,EN,hounds|pups,http://www.wikidata.org/entity/Q144,animals\n"
        "Cats,,,,Animals\n"
    )

    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    assert Term.objects.count() == 4
    dogs.refresh_from_db()
    assert (dogs.preferred_label, dogs.language, dogs.aliases, dogs.uri, dogs.broader) == (
        "DOGS",
        "en",
        ["hounds", "pups"],
        "http://www.wikidata.org/entity/Q144",
        animals,
    )
    assert dogs.match_keys == ["dogs", "hounds", "pups"]
    assert Term.objects.get(preferred_label="dogs", language="fr").aliases == []


@pytest.mark.django_db
def test_csv_columns_left_out_keep_what_dam_has_and_empty_cells_clear():
    animals = Term.objects.create(preferred_label="Animals")
    Term.objects.create(preferred_label="Dogs", aliases=["hounds"], uri=WIKIDATA_ANIMAL, broader=animals)

    assert csv_import("preferred_label,aliases\nDogs,pups\n").updated == 1
    dogs = Term.objects.get(preferred_label="Dogs")
    assert (dogs.aliases, dogs.uri, dogs.broader) == (["pups"], WIKIDATA_ANIMAL, animals)

    assert csv_import("preferred_label,uri,broader\nDogs,,\n").updated == 1
    dogs.refresh_from_db()
    assert (dogs.aliases, dogs.uri, dogs.broader) == (["pups"], "", None)


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


# ------------------------------------------------------------------------------------------- all or nothing


@pytest.mark.django_db
def test_an_invalid_csv_row_imports_nothing_and_names_the_row():
    Term.objects.create(preferred_label="Dogs", aliases=["hounds"])
    before = vocabulary()
    text = (
        "preferred_label,language,aliases,uri,broader\n"
        "Dogs,en,pups,,\n"  # would update
        "Cats,en,,,\n"  # would create
        "\n"
        '"Birds\n'
        'of prey",en,,,\n'  # a quoted label over two lines: rows 5 and 6
        "Fish,en,,,\n"
        "Ants,en,,,Animals\n"  # row 8
    )
    with pytest.raises(VocabularyImportError) as raised:
        csv_import(text)
    assert raised.value.problems == [
        'row 8: broader term "Animals" not found in the file nor in dam; add a row for it or fix the name'
    ]
    assert 'row 8: broader term "Animals" not found' in str(raised.value)
    assert vocabulary() == before


@pytest.mark.django_db
def test_every_invalid_row_is_reported():
    text = (
        "preferred_label,language,aliases,uri,broader\n"
        "Dogs,english,,,\n"
        ",en,pups,,\n"
        "Cats,en,,not a url,\n"
        "Cows,en,,,,extra\n"
        "Owls,en,,,\n"
        "owls,en,,,\n"
    )
    with pytest.raises(VocabularyImportError) as raised:
        csv_import(text)
    assert raised.value.problems[:4] == [
        'row 2: language "english" is not a language tag such as "en" or "pt-BR" (8 characters at most)',
        "row 3: preferred_label is empty",
        'row 4: uri "not a url" is not a URL such as http://www.wikidata.org/entity/Q144',
        "row 5: 6 cells but the header has 5 columns; put cells that contain commas in double quotes",
    ]
    assert Term.objects.count() == 0
    # Once the rows read well, a label given twice is refused too.
    with pytest.raises(VocabularyImportError, match=r'row 3: "owls" \(en\) is already in row 2'):
        csv_import("preferred_label\nOwls\nowls\n")


@pytest.mark.django_db
def test_a_csv_without_its_header_is_refused():
    with pytest.raises(VocabularyImportError, match="row 1: the first row must be the header"):
        csv_import("Dogs,en,hounds,,\n")
    with pytest.raises(VocabularyImportError, match="the file is empty"):
        csv_import("\n\n")


@pytest.mark.django_db
def test_a_loop_of_broader_terms_is_refused():
    Term.objects.create(preferred_label="Animals")
    with pytest.raises(VocabularyImportError) as raised:
        csv_import("preferred_label,broader\nAnimals,Dogs\nMammals,Animals\nDogs,Mammals\nCats,Cats\n")
    assert raised.value.problems == [
        'row 2: the broader terms loop: "Animals" -> "Dogs" -> "Mammals" -> "Animals"; a term cannot be broader '
        "than itself: remove one of these broader terms",
        'row 5: the broader terms loop: "Cats" -> "Cats"; a term cannot be broader than itself: remove one of '
        "these broader terms",
    ]
    assert vocabulary() == [("Animals", "en", (), "", None)]


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


# ------------------------------------------------------------------------------------------- SKOS


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


@pytest.mark.django_db
def test_csv_export_refuses_what_it_cannot_write_back():
    Term.objects.create(preferred_label="Pipes", aliases=["a|b"])
    with pytest.raises(VocabularyExportError, match=r'alias "a\|b" contains "\|".*export as SKOS'):
        vocabulary_export_csv(io.StringIO())


# ------------------------------------------------------------------------------------------- commands


@pytest.mark.django_db
def test_commands_export_and_import_files(tmp_path, capsys):
    make_vocabulary()
    before = vocabulary()
    csv_path, skos_path = tmp_path / "vocabulary.csv", tmp_path / "vocabulary.jsonld"

    call_command("vocabulary_export", "--format", "csv", "--output", str(csv_path))
    call_command("vocabulary_export", "--output", str(skos_path))  # format from the extension
    call_command("vocabulary_export", "--format", "skos")  # stdout
    captured = capsys.readouterr()
    assert json.loads(captured.out) == json.loads(skos_path.read_text(encoding="utf-8"))
    assert f"9 terms written to {csv_path} as csv" in captured.err
    assert csv_path.read_bytes().startswith(b"preferred_label,language,aliases,uri,broader\r\n")

    for path in (csv_path, skos_path):
        Term.objects.all().delete()
        call_command("vocabulary_import", str(path))
        assert f"{path}: 9 created, 0 updated, 0 unchanged" in capsys.readouterr().err
        assert vocabulary() == before

    renamed = tmp_path / "vocabulary.txt"
    renamed.write_bytes(csv_path.read_bytes())
    call_command("vocabulary_import", str(renamed), "--format", "csv")
    assert f"{renamed}: 0 created, 0 updated, 9 unchanged" in capsys.readouterr().err


@pytest.mark.django_db
def test_import_command_errors_name_the_file_and_the_row(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("preferred_label,broader\nDogs,Animals\n", encoding="utf-8")
    with pytest.raises(CommandError) as raised:
        call_command("vocabulary_import", str(bad))
    assert str(raised.value) == (
        f"{bad}: nothing was imported, because of:\n"
        'row 2: broader term "Animals" not found in the file nor in dam; add a row for it or fix the name\n'
        "Fix the file and import it again."
    )
    assert Term.objects.count() == 0

    text_file = tmp_path / "vocabulary.txt"
    text_file.write_text("preferred_label\nDogs\n", encoding="utf-8")
    with pytest.raises(CommandError, match="cannot tell the format from the extension"):
        call_command("vocabulary_import", str(text_file))
    with pytest.raises(CommandError, match="no such file"):
        call_command("vocabulary_import", str(tmp_path / "nowhere.csv"))
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("preferred_label\nZürich\n".encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8 text"):
        call_command("vocabulary_import", str(latin1))
    with pytest.raises(CommandError, match="--format csv or --format skos"):
        call_command("vocabulary_export")

    warned = tmp_path / "warned.csv"
    warned.write_text("preferred_label,notes\nDogs,good boys\n", encoding="utf-8")
    call_command("vocabulary_import", str(warned))
    err = capsys.readouterr().err
    assert f'{warned}: warning: row 1: column 2 ("notes") is not one of' in err
    assert f"{warned}: 1 created, 0 updated, 0 unchanged, 1 warnings" in err
