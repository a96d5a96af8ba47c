"""python manage.py ingest PATH [PATH ...]: files or folders, recursively."""

from __future__ import annotations

import itertools
import json
import logging
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from assets.ingest import IngestResult, ingest_paths, iter_files, safe_name


class Command(BaseCommand):
    help = "Ingest image and audio files (or folders, recursively) into dam."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument(
            "--json",
            action="store_true",
            help="print one JSON object per file on stdout (progress and logs go to stderr)",
        )
        parser.add_argument(
            "--batch-size", type=int, default=None, help="files per ExifTool call (DAM_INGEST_BATCH_SIZE)"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, paths, json: bool = False, batch_size=None, no_progress=False, **options):
        # Every path given gets its line: one that does not exist is a failure of its own, and
        # the others are still ingested (the exit status says something was missing).
        missing = [
            IngestResult(safe_name(os.fsencode(path)), "failed", error=MISSING) for path in paths if not _exists(path)
        ]
        paths = [path for path in paths if _exists(path)]
        total = sum(1 for _ in iter_files(paths)) + len(missing)
        counts = {"created": 0, "exists": 0, "failed": 0}
        started = time.perf_counter()
        progress = tqdm(
            total=total, unit="file", file=sys.stderr, disable=no_progress or total == 0, dynamic_ncols=True
        )
        with _console_logging_beside_progress(quiet=not json):
            for result in itertools.chain(missing, ingest_paths(paths, batch_size=batch_size)):
                counts[result.status] += 1
                progress.update(1)
                progress.set_postfix(counts, refresh=False)
                if json:
                    self.stdout.write(_json_dumps(result.as_json()))
                elif result.status == "failed":
                    progress.write(f"refused: {result.path}: {result.error}", file=sys.stderr)
        progress.close()
        elapsed = time.perf_counter() - started
        done = sum(counts.values())
        rate = done / elapsed if elapsed > 0 else 0.0
        summary = (
            f"{done} files in {elapsed:.1f} s ({rate:.1f} files/s): {counts['created']} created, "
            f"{counts['exists']} already in dam, {counts['failed']} failed"
        )
        self.stderr.write(summary)
        if missing:
            raise CommandError(f"{MISSING}: {', '.join(result.path for result in missing)}")


MISSING = "no such file or folder"


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()  # a dangling link is ingest's to refuse, with a reason


# What ingest logs for each file, which this command says itself (the bar counts what was
# ingested; a refusal is printed once, with its reason).
_SAID_BY_THE_COMMAND = {("assets.ingest", "ingested %s as a new asset"), ("assets.ingest", "refused %s: %s")}


def _not_said_by_the_command(record: logging.LogRecord) -> bool:
    return (record.name, record.msg) not in _SAID_BY_THE_COMMAND


@contextmanager
def _console_logging_beside_progress(quiet: bool):
    """Console log lines go through tqdm, so they never break the progress bar; with ``quiet``,
    the per-file lines this command prints itself stay off the console (log files keep them)."""
    with logging_redirect_tqdm():
        console = [handler for handler in logging.root.handlers if type(handler).__name__ == "_TqdmLoggingHandler"]
        for handler in console if quiet else []:
            handler.addFilter(_not_said_by_the_command)
        yield


def _json_dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)
