"""The vocabulary's ways in and out for people: the vocabulary_export and vocabulary_import commands, and the
admin's downloads."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from assets.models import Term
from tests.assets.vocabulary.terms import make_vocabulary, vocabulary

pytestmark = pytest.mark.django_db


def test_the_vocabulary_downloads_from_the_admin(client, librarian):
    Term.objects.create(preferred_label="Harbours", aliases=["port"], uri="http://www.wikidata.org/entity/Q283202")
    client.force_login(librarian)
    assert "Export SKOS" in client.get("/admin/assets/term/").content.decode()
    csv_text = client.get("/admin/assets/term/export/csv/").content.decode()
    assert csv_text.splitlines()[:2] == [
        "preferred_label,language,aliases,uri,broader",
        "Harbours,en,port,http://www.wikidata.org/entity/Q283202,",
    ]
    skos = json.loads(client.get("/admin/assets/term/export/skos/").content)
    concept = next(node for node in skos["@graph"] if node["@type"] == "skos:Concept")
    assert concept["@id"] == "http://www.wikidata.org/entity/Q283202"
    assert client.get("/admin/assets/term/export/pdf/").status_code == 404


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
