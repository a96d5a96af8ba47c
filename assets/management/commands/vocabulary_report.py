"""python manage.py vocabulary_report [--json]"""

import json

from django.core.management.base import BaseCommand

from assets.vocabulary.report import vocabulary_report


class Command(BaseCommand):
    help = "Unmapped keywords, ambiguous and near-duplicate terms, repeated texts, missing GEO/rights/alt text."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print the report as one JSON object")
        parser.add_argument("--limit", type=int, default=200)

    def handle(self, *args, json: bool = False, limit: int = 200, **options):
        report = vocabulary_report(limit=limit)
        if json:
            self.stdout.write(_dumps(report))
            return
        for row in report["geo_completeness"]:
            self.stdout.write(
                f"GEO completeness, {row['kind']}: {row['with_coordinates']}/{row['assets']} ({row['share']:.0%})"
            )
        for name, row in report["missing"].items():
            self.stdout.write(f"missing {name.replace('_', ' ')}: {row['assets']} assets  {row['link']}")
        self.stdout.write(f"unmapped keywords ({len(report['unmapped_keywords'])}):")
        for row in report["unmapped_keywords"]:
            self.stdout.write(f"  {row['keyword']!r}: {row['assets']} assets")
        for row in report["labels_with_several_terms"]:
            self.stdout.write(f"label {row['label']!r} maps to several terms: {', '.join(row['terms'])}")
        for row in report["near_duplicate_terms"]:
            self.stdout.write(f"near-duplicate terms: {' / '.join(row['terms'])}")
        for row in report["repeated_texts"]:
            self.stdout.write(f"{row['field']} repeated on {row['assets']} assets: {row['text'][:80]!r}")


def _dumps(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)
