"""What the demo installs besides the sample media: a small controlled vocabulary (aliases and a
broader term), so the vocabulary report and keyword normalisation show something on first start."""

from __future__ import annotations

from pathlib import Path

DEMO_VOCABULARY = Path(__file__).resolve().parent / "demo_vocabulary.csv"


def demo_vocabulary_install() -> int:
    """Import the demo vocabulary into an empty vocabulary (never over a librarian's terms);
    returns how many terms were created."""
    from assets.models import Term
    from assets.vocabulary.csv_format import vocabulary_import_csv

    if Term.objects.exists():
        return 0
    with DEMO_VOCABULARY.open(encoding="utf-8", newline="") as stream:
        return vocabulary_import_csv(stream).created
