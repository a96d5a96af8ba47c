"""python manage.py check_public_files FOLDER [FOLDER ...]: dam against other projects' test files.

Each folder is one collection (the test data of Pillow, mutagen, ExifTool...: files that are not
part of dam and that dam's own fixtures do not imitate). Every file is ingested through dam's
real ingest, and every image or audio asset dam writes into gets dam's real write-back of an
edited title, keywords and copyright notice (``asset_metadata_update`` then
``metadata_writeback``, as the worker runs it). The complete ExifTool dumps of the old and new
file versions are then compared, and every tag that changed outside the edited fields and
write-back's documented allow-list (``assets.metadata.writeback_verify``) is reported.

Each file runs in its own transaction, rolled back, with stored files in a scratch folder: the
library is left as it was. No network is used. Files whose names say they are meant to be broken
(``--broken-word``) are counted apart, so "refused good files" means what it says.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.test import override_settings
from tqdm import tqdm

from assets.decoding.pictures import UNSUPPORTED_VARIANT
from assets.editing import asset_metadata_update, metadata_writeback, writable_fields, writeback_refusal
from assets.ingest import ingest_paths, iter_files
from assets.metadata.writeback_verify import writeback_snapshot, writeback_unexpected
from assets.models import Asset, MetadataChange
from assets.storage.blobs import blob_staged
from benchmarks.measuring import rolled_back, scratch_storages

EDIT = {"title": "Public files check, ü", "keywords": ["public", "check"], "copyright_notice": "© 2026 Rights Desk"}
# Words in the names of files their projects made broken on purpose (Pillow, mutagen, ExifTool,
# TagLib: its regression files for crashes, endless loops and huge allocations).
BROKEN_WORDS = (
    "broken",
    "truncated",
    "crash",
    "oom",
    "fuzz",
    "timeout",
    "corrupt",
    "invalid",
    "bad",
    "damaged",
    "empty",
    "too-short",
    "overflow",
    "negative",
    "malformed",
    "garbage",
    "segfault",
    "infloop",
    "longloop",
    "zerodiv",
    "excessive",
)
# A refusal for a type dam does not take (detection's own wording, and JPEG XL named in the README).
# An XMP sidecar on its own is metadata for a media file, not media: counted with the types.
_UNSUPPORTED = re.compile(
    r"not a supported image or audio (file|format)|JPEG XL|not an image or audio file|^an XMP sidecar|"
    rf"^the XMP sidecar of|{re.escape(UNSUPPORTED_VARIANT)}"
)


@dataclass
class FileOutcome:
    path: str
    broken_by_name: bool
    status: str  # refused-unsupported | refused | crashed | kept | exists
    reason: str = ""
    warnings: list[str] = field(default_factory=list)
    writeback: str = ""  # written | failed | unchanged | not written (why) | "" for refused files
    writeback_error: str = ""
    collateral: list[tuple[str, list, list]] = field(default_factory=list)


class Command(BaseCommand):
    help = "Ingest other projects' test files and write edits back into them (nothing is kept)."

    def add_arguments(self, parser):
        parser.add_argument("folders", nargs="+", type=Path, help="one folder per collection, read recursively")
        parser.add_argument(
            "--broken-word",
            action="append",
            default=None,
            help=f"a word that marks a file as broken on purpose (default: {', '.join(BROKEN_WORDS)})",
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object per file on stdout")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, folders, broken_word, json: bool, no_progress: bool, **options):
        missing = [str(folder) for folder in folders if not folder.is_dir()]
        if missing:
            raise CommandError(f"no such folder: {', '.join(missing)}")
        words = tuple(word.lower() for word in (broken_word or BROKEN_WORDS))
        summaries = []
        for folder in folders:
            paths = list(iter_files([folder]))
            self.stderr.write(f"collection {folder.resolve()}: {len(paths)} files")
            started = time.perf_counter()
            outcomes = []
            for path in tqdm(paths, unit="file", file=sys.stderr, disable=no_progress, desc=folder.name):
                outcome = file_check(path, folder, words)
                outcomes.append(outcome)
                if json:
                    self.stdout.write(_json_dumps(asdict(outcome)))
            summaries.append((folder, outcomes, time.perf_counter() - started))
        if not json:
            for folder, outcomes, elapsed in summaries:
                self.stdout.write(report(folder, outcomes, elapsed))


def file_check(path: Path, folder: Path, broken_words: tuple[str, ...]) -> FileOutcome:
    """Ingest ``path`` and write ``EDIT`` back into it, in a scratch library that is rolled back."""
    label = path.relative_to(folder).as_posix()
    outcome = FileOutcome(path=label, broken_by_name=any(word in label.lower() for word in broken_words), status="")
    with tempfile.TemporaryDirectory(prefix="dam-public-") as scratch:
        scratch = Path(scratch)
        settings = {"STORAGES": scratch_storages(scratch / "storage"), "DAM_STAGING_DIR": scratch / "staging"}
        try:
            with override_settings(**settings, DAM_WRITEBACK="embed"), rolled_back():
                _ingest_and_write(path, outcome)
        except Exception as error:  # a crash is a finding, not the end of the run
            outcome.status = "crashed"
            outcome.reason = f"{type(error).__name__}: {error}"
    return outcome


def _ingest_and_write(path: Path, outcome: FileOutcome) -> None:
    [result] = ingest_paths([path])
    outcome.warnings = list(result.warnings)
    if result.status == "failed":
        outcome.status = "refused-unsupported" if _UNSUPPORTED.search(result.error) else "refused"
        outcome.reason = result.error
        return
    outcome.status = "kept"
    asset = Asset.objects.select_related("current_version").get(pk=result.asset_id)
    refusal = writeback_refusal(asset)
    if refusal:
        outcome.writeback = f"not written ({refusal})"
        return
    holds = writable_fields(asset)
    edit = {name: value for name, value in EDIT.items() if name in holds}
    original = asset.current_version
    change = asset_metadata_update(asset, edit, None, MetadataChange.Source.ADMIN, check_permissions=False)
    if change is None or change.status != MetadataChange.Status.PENDING:
        outcome.writeback = "unchanged"
        return
    change = metadata_writeback(change.pk)
    if change.status != MetadataChange.Status.WRITTEN:
        outcome.writeback, outcome.writeback_error = "failed", change.error
        return
    outcome.writeback = "written"
    new = Asset.objects.select_related("current_version").get(pk=asset.pk).current_version
    with blob_staged(original.storage_name) as old_path, blob_staged(new.storage_name) as new_path:
        before, after = writeback_snapshot(old_path), writeback_snapshot(new_path)
    outcome.collateral = writeback_unexpected(before, after, asset.kind, edit)


def report(folder: Path, outcomes: list[FileOutcome], elapsed: float) -> str:
    good = [o for o in outcomes if not o.broken_by_name]
    counts = Counter(o.status for o in good)
    written = [o for o in good if o.writeback == "written"]
    collateral = [o for o in written if o.collateral]
    failed = [o for o in good if o.writeback == "failed"]
    broken = [o for o in outcomes if o.broken_by_name]
    broken_counts = Counter(o.status for o in broken)
    broken_refused = len(broken) - broken_counts["kept"] - broken_counts["crashed"]
    lines = [
        f"\n== {folder.resolve()} ({elapsed:.1f} s)",
        f"  files tried {len(outcomes)}; broken by name {len(broken)} ({broken_counts['kept']} kept, "
        f"{broken_refused} refused, {broken_counts['crashed']} crashed)",
        f"  good files {len(good)}: kept {counts['kept']} "
        f"(with warnings {sum(1 for o in good if o.status == 'kept' and o.warnings)}), "
        f"refused as unsupported type or lone sidecar {counts['refused-unsupported']}, refused {counts['refused']}, "
        f"crashed {counts['crashed']}",
        f"  write-backs done {len(written)}, failed {len(failed)}, with collateral changes {len(collateral)}",
    ]
    for title, items, detail in (
        ("refused good files", [o for o in good if o.status in ("refused", "crashed")], lambda o: o.reason),
        ("unsupported types", [o for o in good if o.status == "refused-unsupported"], lambda o: o.reason),
        ("kept with warnings", [o for o in good if o.status == "kept" and o.warnings], lambda o: "; ".join(o.warnings)),
        ("failed write-backs", failed, lambda o: o.writeback_error),
    ):
        if items:
            lines.append(f"  {title}:")
            lines += [f"    {o.path}: {_short(detail(o))}" for o in items]
    if collateral:
        lines.append("  collateral changes (tag: old -> new):")
        for outcome in collateral:
            lines.append(f"    {outcome.path}:")
            lines += [
                f"      {tag}: {_short(_json_dumps(old))} -> {_short(_json_dumps(new))}"
                for tag, old, new in outcome.collateral
            ]
    return "\n".join(lines)


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _json_dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
