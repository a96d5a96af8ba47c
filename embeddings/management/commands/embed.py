"""python manage.py embed [--role R] [--missing-only] [--sync]"""

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from assets.models import Asset
from embeddings.models import Embedding, Role, Transcription
from embeddings.pipeline import embed_assets
from embeddings.roles import ROLES, role_active, roles_active, roles_with_vectors
from embeddings.texts import asset_text


def assets_to_embed(role: Role, missing_only: bool) -> list[str]:
    """The IDs of the assets of the role's kinds (only the kinds it takes part in: the others never
    get its vectors, so they would be queued again by every --missing-only run), without those that
    already have its vectors when ``missing_only``. For ``transcript``, a recording the active
    speech recognition version listened to and heard nothing in counts as done; for ``asset_text``,
    an asset with no metadata text at all (nothing to embed, so it never gets a vector)."""
    ids = Asset.objects.filter(kind__in=ROLES[role.name].kinds).order_by("pk")
    if missing_only:
        done = Embedding.objects.filter(model_version=role.model_version).values("asset_id")
        ids = ids.exclude(pk__in=done)
        asr = role_active("asr")
        if role.name == "transcript" and asr is not None:
            silent = Transcription.objects.filter(model_version=asr.model_version, segment_count=0)
            ids = ids.exclude(current_version__in=silent.values("file_version"))
        if role.name == "asset_text":  # only the assets without a vector are read
            return [asset.pk for asset in ids.iterator(chunk_size=500) if asset_text(asset)]
    return list(ids.values_list("pk", flat=True))


class Command(BaseCommand):
    help = (
        "Embed assets for every active role that fits their kind (or one --role), through the workers or here (--sync)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--role",
            choices=[role.name for role in roles_with_vectors()],
            help="only this role (default: every role with an active model version)",
        )
        parser.add_argument("--missing-only", action="store_true", help="only assets without the role's vectors yet")
        parser.add_argument("--sync", action="store_true", help="embed in this process instead of the workers")
        parser.add_argument("--batch-size", type=int, default=64)

    def handle(self, *args, role: str | None, missing_only: bool, sync: bool, batch_size: int, **options):
        if role is not None:
            active = role_active(role)
            if active is None:
                raise CommandError(f"no model is active for the {role!r} role: run `python manage.py models setup`")
            chosen = [active]
        else:
            chosen = roles_active(each.name for each in roles_with_vectors())
            if not chosen:
                raise CommandError("no role has an active model version: run `python manage.py models setup`")
        for active in chosen:
            self._embed_role(active, missing_only, sync, batch_size)

    def _embed_role(self, active: Role, missing_only: bool, sync: bool, batch_size: int) -> None:
        ids = assets_to_embed(active, missing_only)
        started, written = time.perf_counter(), 0
        quiet = not (sync and ids)  # queueing is instant: no bar for it
        with tqdm(total=len(ids), unit="asset", file=sys.stderr, desc=active.name, disable=quiet) as progress:
            for start in range(0, len(ids), batch_size):
                chunk = ids[start : start + batch_size]
                if sync:
                    written += embed_assets(active.name, chunk)
                else:
                    from embeddings.tasks import embed_task

                    embed_task.delay(active.name, chunk)
                progress.update(len(chunk))
        elapsed = time.perf_counter() - started
        if sync:
            rate = f" in {elapsed:.1f} s ({len(ids) / max(elapsed, 1e-9):.1f} assets/s)" if ids else ""
            self.stderr.write(f"{active.name}: {len(ids)} assets embedded ({written} vectors){rate}")
        else:
            self.stderr.write(f"{active.name}: {len(ids)} assets queued for the workers")
