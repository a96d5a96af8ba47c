"""python manage.py vocabulary_import FILE [--format csv|skos]: create or update terms, all or nothing."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assets.vocabulary.csv_format import vocabulary_import_csv
from assets.vocabulary.importing import VocabularyImportError, format_for_path
from assets.vocabulary.skos import vocabulary_import_skos

IMPORTERS = {"csv": vocabulary_import_csv, "skos": vocabulary_import_skos}


class Command(BaseCommand):
    help = (
        "Import a controlled vocabulary from CSV or SKOS (JSON-LD): terms are matched by preferred label "
        "(case-insensitively) and language, updated or created; an invalid row or concept imports nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--format",
            dest="file_format",
            choices=sorted(IMPORTERS),
            help="csv, or skos (JSON-LD); taken from the extension (.csv, .json, .jsonld) when not given",
        )

    def handle(self, *args, file, file_format=None, **options):
        if not file.is_file():
            raise CommandError(f"no such file: {file}")
        file_format = file_format or format_for_path(file)
        if file_format is None:
            raise CommandError(f"{file}: cannot tell the format from the extension; pass --format csv or --format skos")
        try:
            # utf-8-sig: spreadsheets often start UTF-8 files with a byte order mark.
            with file.open(encoding="utf-8-sig", newline="") as stream:
                result = IMPORTERS[file_format](stream)
        except UnicodeDecodeError as error:
            raise CommandError(
                f"{file}: not UTF-8 text (byte {error.start}); save it as UTF-8 and import it again"
            ) from error
        except OSError as error:
            raise CommandError(f"{file}: cannot read it ({error.strerror})") from error
        except VocabularyImportError as error:
            raise CommandError(
                f"{file}: nothing was imported, because of:\n{error}\nFix the file and import it again."
            ) from error
        for warning in result.warnings:
            self.stderr.write(f"{file}: warning: {warning}")
        self.stderr.write(
            f"{file}: {result.created} created, {result.updated} updated, {result.unchanged} unchanged"
            f"{f', {len(result.warnings)} warnings' if result.warnings else ''}"
        )
