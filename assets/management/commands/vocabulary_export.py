"""python manage.py vocabulary_export --format csv|skos [--output FILE]: the vocabulary, to stdout by default."""

from __future__ import annotations

import io
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assets.vocabulary.csv_format import vocabulary_export_csv
from assets.vocabulary.importing import VocabularyExportError, format_for_path
from assets.vocabulary.skos import vocabulary_export_skos

EXPORTERS = {"csv": vocabulary_export_csv, "skos": vocabulary_export_skos}


class Command(BaseCommand):
    help = "Export dam's controlled vocabulary as CSV or as a SKOS concept scheme in JSON-LD."

    def add_arguments(self, parser):
        parser.add_argument(
            "--format",
            dest="file_format",
            choices=sorted(EXPORTERS),
            help="csv, or skos (JSON-LD); taken from --output's extension (.csv, .json, .jsonld) when not given",
        )
        parser.add_argument("--output", "-o", type=Path, help="file to write (default: stdout)")

    def handle(self, *args, file_format=None, output=None, **options):
        file_format = file_format or (format_for_path(output) if output else None)
        if file_format is None:
            raise CommandError("say which format to write: --format csv or --format skos")
        # The whole export is built first, so that a refused term leaves no half-written file behind.
        buffer = io.StringIO()
        try:
            count = EXPORTERS[file_format](buffer)
        except VocabularyExportError as error:
            raise CommandError(f"nothing was exported: {error}") from error
        if output is None:
            self.stdout.write(buffer.getvalue(), ending="")
        else:
            try:
                with output.open("w", encoding="utf-8", newline="") as stream:
                    stream.write(buffer.getvalue())
            except OSError as error:
                raise CommandError(f"{output}: cannot write the export ({error.strerror})") from error
        self.stderr.write(f"{count} terms written to {output or 'stdout'} as {file_format}")
