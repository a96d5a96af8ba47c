"""python manage.py search "query text" [--kind image|audio] [--k 10] [--json]"""

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from embeddings.encoders import EncoderError
from embeddings.search import SearchError, search_text


class Command(BaseCommand):
    help = "Semantic search from the command line (as a superuser: every asset)."

    def add_arguments(self, parser):
        parser.add_argument("text")
        parser.add_argument("--kind", choices=["image", "audio"])
        parser.add_argument("--k", type=int, default=10)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, text: str, kind, k: int, json: bool, **options):
        everyone = get_user_model()(username="command line", is_superuser=True, is_active=True)
        try:
            results = search_text(everyone, text, k=k, kind=kind)
        except (SearchError, EncoderError) as error:
            raise CommandError(str(error)) from error
        if json:
            self.stdout.write(_dumps({"results": [result.as_json() for result in results]}))
            return
        for rank, result in enumerate(results, 1):
            self.stdout.write(f"{rank:>2}. {result.score:.3f}  {result.kind:<5} {result.asset_id}  {result.title}")


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
