"""python manage.py models list|register SPEC|verify|setup|calibrate"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from embeddings.defaults import default_models_register, hub_defaults_register
from embeddings.models import ModelVersion, Role
from embeddings.registry import RegistryError, model_version_register, model_version_verify, role_activate
from embeddings.roles import ROLES

# The other way to provide roles whose weights no installed package ships.
MISSING_ROLE_HELP = {
    "image": "or put an OpenCLIP model's files in a folder (e.g. ViT-B-32: open_clip_pytorch_model.bin) and run "
    "`manage.py models register spec.json --role image` (family open_clip, source_kind directory)",
    "audio": "or put a CLAP model saved by transformers (e.g. laion/clap-htsat-unfused) in a folder and register "
    "it with `--role audio` (family clap, source_kind directory)",
}


class Command(BaseCommand):
    help = "The embedding model registry: list versions, register one from a JSON spec, verify weights."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="every model version, its roles and status")
        register = sub.add_parser("register", help="register a model version from a JSON spec file")
        register.add_argument("spec", type=Path)
        register.add_argument("--role", choices=sorted(ROLES), help="also make it the active version of this role")
        sub.add_parser("verify", help="check that every version's weights are present and unchanged")
        sub.add_parser("setup", help="register and activate the default models whose weights are installed")
        sub.add_parser("calibrate", help="recalibrate the relevance floor of every active version from its vectors")

    def handle(self, *args, action: str, spec: Path | None = None, role: str | None = None, **options):
        if action == "list":
            roles = {}
            for role in Role.objects.all():
                roles.setdefault(role.model_version_id, []).append(role.name)
            for version in ModelVersion.objects.all():
                floor = "-" if version.relevance_floor is None else f"{version.relevance_floor:.3f}"
                self.stdout.write(
                    f"{version.pk:>4}  {version.status:<9} {version.family:<15} {version.name}  "
                    f"dim={version.dimension} floor={floor} "
                    f"weights={version.weights_sha256[:12]} preprocessor={version.preprocessor_sha256[:12]} "
                    f"roles={','.join(roles.get(version.pk, [])) or '-'}"
                )
        elif action == "register":
            try:
                version, created = model_version_register(json.loads(spec.read_text()))
            except (OSError, json.JSONDecodeError) as error:
                raise CommandError(f"{spec}: cannot read the spec ({error})") from error
            except RegistryError as error:
                raise CommandError(f"{spec}: {error}") from error
            self.stdout.write(f"{'registered' if created else 'already registered as'} version {version.pk}: {version}")
            if role:
                role_activate(role, version)
                self.stdout.write(f"the {role!r} role now uses version {version.pk}")
        elif action == "setup":
            roles = default_models_register()
            fetched, missing = hub_defaults_register()
            roles += fetched
            self.stdout.write(f"active roles: {', '.join(roles) or 'none (install the ml extra)'}")
            for role, why in missing.items():
                self.stdout.write(f"no {role!r} model: {why}; {MISSING_ROLE_HELP[role]}")
        elif action == "calibrate":
            from embeddings.calibration import MIN_ASSETS, relevance_floor_calibrate

            for version in ModelVersion.objects.filter(roles__isnull=False, dimension__gt=0).distinct():
                floor = relevance_floor_calibrate(version)
                self.stdout.write(
                    f"{version.pk:>4} {version}: "
                    + (
                        f"floor {floor:.3f} from {version.relevance_floor_pairs} pairs"
                        if floor is not None
                        else f"not calibrated: vectors of fewer than {MIN_ASSETS} assets"
                    )
                )
        else:
            failed = 0
            for version in ModelVersion.objects.exclude(status=ModelVersion.Status.RETIRED):
                problem = model_version_verify(version)
                self.stdout.write(f"{version.pk:>4} {version}: {problem or 'ok'}")
                failed += bool(problem)
            if failed:
                raise CommandError(f"{failed} model version(s) cannot be loaded as registered")
