"""python manage.py embed [--role R] [--missing-only] [--sync]"""

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from assets.models import Asset
from embeddings.models import Embedding
from embeddings.pipeline import embed_assets
from embeddings.roles import ROLES, role_active, roles_with_vectors


class Command(BaseCommand):
    help = "Embed assets for a role's active model version, through the workers or here (--sync)."

    def add_arguments(self, parser):
        parser.add_argument("--role", default="asset_text", choices=[role.name for role in roles_with_vectors()])
        parser.add_argument("--missing-only", action="store_true", help="only assets without a vector yet")
        parser.add_argument("--sync", action="store_true", help="embed in this process instead of the workers")
        parser.add_argument("--batch-size", type=int, default=64)

    def handle(self, *args, role: str, missing_only: bool, sync: bool, batch_size: int, **options):
        active = role_active(role)
        if active is None:
            raise CommandError(f"no model is active for the {role!r} role: run `python manage.py models setup`")
        # Only the kinds the role takes part in: the others never get its vectors, so they would
        # be queued again by every --missing-only run.
        ids = Asset.objects.filter(kind__in=ROLES[role].kinds).order_by("pk").values_list("pk", flat=True)
        if missing_only:
            done = Embedding.objects.filter(model_version=active.model_version).values("asset_id")
            ids = ids.exclude(pk__in=done)
        ids = list(ids)
        started, written = time.perf_counter(), 0
        with tqdm(total=len(ids), unit="asset", file=sys.stderr) as progress:
            for start in range(0, len(ids), batch_size):
                chunk = ids[start : start + batch_size]
                if sync:
                    written += embed_assets(role, chunk)
                else:
                    from embeddings.tasks import embed_task

                    embed_task.delay(role, chunk)
                progress.update(len(chunk))
        elapsed = time.perf_counter() - started
        verb = f"embedded ({written} vectors)" if sync else "queued for the workers"
        self.stderr.write(f"{len(ids)} assets {verb} in {elapsed:.1f} s ({len(ids) / max(elapsed, 1e-9):.1f} assets/s)")
