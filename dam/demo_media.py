"""Which of the demo's sample files a start still has to ingest.

A second start with nothing new ingests nothing: a file whose bytes are already in dam is not
ingested again (which would only add an "already in dam" record), and a file an earlier start
refused is not offered again while its bytes stay the same (it would be refused again, for the
same reason, which the admin's ingest records already hold). Refused files are remembered by
the SHA-256 of their bytes in the state folder, beside the database they belong to.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from assets.ingest import iter_files
from assets.models import FileVersion
from dam import runtime

REFUSED_FILE = "demo-refused.json"


@dataclass
class MediaSurvey:
    """The sample files: those to ingest, and how many an earlier start already took or refused."""

    new: list[Path] = field(default_factory=list)
    in_dam: int = 0
    refused_before: int = 0
    hashes: dict[Path, str] = field(default_factory=dict)

    def summary(self) -> str:
        seen = self.in_dam + self.refused_before
        if not self.new:
            return (
                f"nothing new in the sample media: all {seen} files were seen by an earlier start "
                f"({self.in_dam} in dam, {self.refused_before} refused); nothing to ingest"
            )
        if seen:
            return f"{len(self.new)} new files to ingest ({seen} seen by an earlier start are skipped)…"
        return f"{len(self.new)} files to ingest…"


def media_survey(paths: list[Path]) -> MediaSurvey:
    survey = MediaSurvey()
    for path in iter_files(paths):
        try:
            survey.hashes[path] = _sha256(path)
        except OSError:  # unreadable: offered to ingest, which says why in its record
            survey.new.append(path)
    known = set(FileVersion.objects.filter(sha256__in=set(survey.hashes.values())).values_list("sha256", flat=True))
    refused = _refused_load()
    for path, sha256 in survey.hashes.items():
        if sha256 in known:
            survey.in_dam += 1
        elif sha256 in refused:
            survey.refused_before += 1
        else:
            survey.new.append(path)
    survey.new.sort(key=str)
    return survey


def refusals_remember(survey: MediaSurvey) -> None:
    """After the ingest of ``survey.new``: remember the files whose bytes did not make it into dam."""
    offered = {survey.hashes[path] for path in survey.new if path in survey.hashes}
    taken = set(FileVersion.objects.filter(sha256__in=offered).values_list("sha256", flat=True))
    refused = _refused_load() | (offered - taken)
    _refused_path().write_text(json.dumps(sorted(refused), indent=0))


def _refused_path() -> Path:
    return runtime.state_dir() / REFUSED_FILE


def _refused_load() -> set[str]:
    try:
        return set(json.loads(_refused_path().read_text()))
    except (OSError, ValueError):
        return set()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
