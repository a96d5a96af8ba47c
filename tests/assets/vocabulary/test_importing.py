"""What CSV and SKOS imports share: round trips, values checked, all or nothing, duplicates and loops refused.

Where one format shows the shared behaviour, the tests use CSV."""

import io

import pytest

from assets.models import Term
from assets.vocabulary.csv_format import vocabulary_export_csv, vocabulary_import_csv
from assets.vocabulary.importing import VocabularyImportError
from assets.vocabulary.skos import vocabulary_export_skos, vocabulary_import_skos
from tests.assets.vocabulary.terms import csv_import, make_vocabulary, vocabulary


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
