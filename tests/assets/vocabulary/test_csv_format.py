"""The vocabulary as CSV: the documented format, broader terms by label, upserts by column, refusals."""

import io

import pytest

from assets.models import Term
from assets.vocabulary.csv_format import vocabulary_export_csv
from assets.vocabulary.importing import VocabularyExportError, VocabularyImportError
from tests.assets.vocabulary.terms import WIKIDATA_ANIMAL, csv_import, make_vocabulary, vocabulary


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
def test_a_csv_without_its_header_is_refused():
    with pytest.raises(VocabularyImportError, match="row 1: the first row must be the header"):
        csv_import("Dogs,en,hounds,,\n")
    with pytest.raises(VocabularyImportError, match="the file is empty"):
        csv_import("\n\n")


@pytest.mark.django_db
def test_csv_export_refuses_what_it_cannot_write_back():
    Term.objects.create(preferred_label="Pipes", aliases=["a|b"])
    with pytest.raises(VocabularyExportError, match=r'alias "a\|b" contains "\|".*export as SKOS'):
        vocabulary_export_csv(io.StringIO())
