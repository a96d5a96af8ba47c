"""python manage.py migrate_embeddings plan|start|status|pause|resume|validate|cutover|rollback|retire"""

import json
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from embeddings.models import Migration, ModelVersion
from embeddings.reembedding import states, validation


class Command(BaseCommand):
    help = "Re-embed a role's assets with a new model version, in stages, while search keeps serving the old one."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        plan = sub.add_parser("plan", help="plan a migration of ROLE to model version VERSION")
        plan.add_argument("role")
        plan.add_argument("version", type=int)
        for name, text in [
            ("start", "cut the assets into batches and hand them to the workers"),
            ("status", "progress (done/total, rate, ETA) and validation figures; --watch for a live bar"),
            ("pause", "let the workers stop after the batch in hand"),
            ("resume", "continue where it stopped (also re-sends batches lost in a restart)"),
            ("validate", "measure the new vectors; ready when they pass (--force REASON: ready anyway)"),
            ("cutover", "switch search to the new version, in one transaction"),
            ("rollback", "switch back (old vectors are retained)"),
            ("retire", "drop the old version's vectors after the retention period (--force: now)"),
            ("retry", "embed the failed assets again"),
        ]:
            command = sub.add_parser(name, help=text)
            command.add_argument("migration", type=int, nargs="?" if name == "status" else None)
        for command in sub.choices.values():
            command.add_argument("--reason", default="")
            command.add_argument("--json", action="store_true", help="print the status as JSON")
        for name in ("status", "start", "resume"):
            sub.choices[name].add_argument("--watch", action="store_true", help="a live progress bar until it ends")
        sub.choices["validate"].add_argument("--force", metavar="REASON", default="")
        sub.choices["retire"].add_argument("--force", action="store_true")

    def handle(self, *args, **options):
        # The audit trail names the login that ran the command ("command line: root").
        with states.acting_from_command_line():
            self._handle(*args, **options)

    def _handle(self, *args, action: str, reason: str = "", json: bool = False, **options):
        try:
            if action == "plan":
                version = ModelVersion.objects.filter(pk=options["version"]).first()
                if version is None:
                    raise CommandError(f"no model version {options['version']} (see `manage.py models list`)")
                migration = states.migration_plan(options["role"], version, reason=reason)
            elif action == "status" and options.get("migration") is None:
                rows = [states.migration_progress(m) for m in Migration.objects.select_related()[:50]]
                if not rows and not json:
                    self.stdout.write("no migrations yet: plan one with `migrate_embeddings plan ROLE VERSION`")
                    return
                self._print(rows, json)
                return
            else:
                migration = Migration.objects.filter(pk=options["migration"]).first()
                if migration is None:
                    raise CommandError(f"no migration {options['migration']}")
                if action == "status":
                    pass
                elif action == "validate" and options.get("force"):
                    migration = validation.migration_validate(migration)
                    if migration.state != Migration.State.READY:
                        migration = validation.migration_force_ready(migration, reason=options["force"])
                elif action == "validate":
                    migration = validation.migration_validate(migration)
                elif action == "retire":
                    migration = states.migration_retire(migration, reason=reason, force=options["force"])
                elif action == "retry":
                    still = states.migration_retry_failures(migration)
                    self.stderr.write(f"{still} asset(s) still fail")
                    migration.refresh_from_db()
                else:
                    transition = getattr(states, f"migration_{action}")
                    migration = transition(migration, reason=reason)
        except states.MigrationError as error:
            raise CommandError(str(error)) from error
        if options.get("watch"):
            self._watch(migration)
            migration.refresh_from_db()
        self._print(states.migration_progress(migration), json)

    def _print(self, status, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(status, indent=2))
            return
        for row in status if isinstance(status, list) else [status]:
            eta = f", ETA {row['eta_seconds']} s" if row["eta_seconds"] is not None else ""
            self.stdout.write(
                f"migration {row['id']} ({row['role']}: version {row['from_version']} → {row['to_version']}): "
                f"{row['state']}, {row['done']}/{row['total']} assets, {row['failed']} failed, "
                f"{row['rate_per_second']} assets/s{eta}"
            )
            for problem in row["problems"]:
                self.stdout.write(f"  validation: {problem}")

    def _watch(self, migration: Migration) -> None:
        """A live bar until the backfill ends (Ctrl-C stops watching, not the migration)."""
        with tqdm(total=migration.total_assets, unit="asset", file=sys.stderr) as bar:
            while True:
                migration.refresh_from_db()
                bar.n = migration.done_assets
                bar.set_postfix_str(migration.state)
                bar.refresh()
                if migration.state != Migration.State.BACKFILLING:
                    return
                time.sleep(1)
