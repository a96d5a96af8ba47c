"""Fetching a hub model version's files at its pinned revision: the one way dam reaches a model hub.

It speaks the hub's public HTTP interface (``/api/models/{repo}/revision/{revision}`` for the file
list, ``/{repo}/resolve/{revision}/{file}`` for each file) at ``DAM_MODEL_HUB_ENDPOINT``, so a
mirror or a loopback stand-in serves as well as the public hub. Every file is fetched at the pinned
revision only, resumed where an earlier attempt stopped (HTTP ranges into ``<file>.incomplete``),
shown with a progress bar on a terminal, and checked against its SHA-256 (pinned in the spec, or
the one the hub states for the file) before it counts; a file that does not match is deleted and
refused. The folder becomes the version's weights folder only when every file is whole, so a
failed download leaves nothing that could be registered or loaded.
"""

from __future__ import annotations

import fnmatch
import hashlib
import http.client
import json
import re
import shutil
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from django.conf import settings
from tqdm import tqdm

SHA256 = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 1 << 20

# One unreachable hub is reported once per process, not once per model.
_unreachable: dict[str, str] = {}


class HubError(Exception):
    """A download that did not complete; the message says why in one line."""


def _url(path: str) -> str:
    return settings.DAM_MODEL_HUB_ENDPOINT.rstrip("/") + path


def _open(url: str, headers: dict | None = None):
    endpoint = settings.DAM_MODEL_HUB_ENDPOINT
    if endpoint in _unreachable:
        raise HubError(_unreachable[endpoint])
    request = urllib.request.Request(url, headers={"User-Agent": "dam", **(headers or {})})
    try:
        return urllib.request.urlopen(request, timeout=settings.DAM_MODEL_HUB_TIMEOUT)
    except urllib.error.HTTPError as error:
        raise HubError(f"the model hub answered {error.code} for {url}") from error
    except (TimeoutError, urllib.error.URLError, ConnectionError, OSError) as error:
        reason = getattr(error, "reason", error)
        _unreachable[endpoint] = f"the model hub at {endpoint} cannot be reached ({reason})"
        raise HubError(_unreachable[endpoint]) from error


def revision_files(repo: str, revision: str, patterns: list[str]) -> list[str]:
    """The files of ``repo`` at ``revision`` that match ``patterns`` (all when empty); the hub must
    answer for exactly that revision."""
    quoted = urllib.parse.quote(repo, safe="/")
    with _open(_url(f"/api/models/{quoted}/revision/{urllib.parse.quote(revision)}")) as response:
        listing = json.loads(response.read())
    if listing.get("sha") != revision:
        raise HubError(f"the model hub answered revision {listing.get('sha')!r} for {repo}@{revision[:12]}")
    names = [entry["rfilename"] for entry in listing.get("siblings", [])]
    chosen = [name for name in names if not patterns or any(fnmatch.fnmatch(name, p) for p in patterns)]
    if not chosen:
        raise HubError(f"{repo}@{revision[:12]} has no file matching {', '.join(patterns)}")
    return sorted(chosen)


def _file_fetch(repo: str, revision: str, name: str, target: Path, pinned: str | None) -> None:
    """``name`` into ``target``, resumed from ``target.incomplete``, checked, then renamed."""
    if target.exists():
        return  # whole and checked by an earlier attempt
    incomplete = target.with_name(target.name + ".incomplete")
    incomplete.parent.mkdir(parents=True, exist_ok=True)
    have = incomplete.stat().st_size if incomplete.exists() else 0
    quoted = urllib.parse.quote(f"{repo}/resolve/{revision}/{name}", safe="/")
    headers = {"Range": f"bytes={have}-"} if have else {}
    with _open(_url(f"/{quoted}"), headers) as response:
        if have and response.status != 206:
            have = 0  # the server sends the whole file again
        stated = (response.headers.get("X-Linked-Etag") or response.headers.get("ETag") or "").strip('"W/')
        expected = pinned or (stated if SHA256.match(stated) else None)
        length = response.headers.get("Content-Length")
        total = have + int(length) if length and length.isdigit() else None
        with (
            incomplete.open("ab" if have else "wb") as handle,
            tqdm(
                total=total, initial=have, unit="B", unit_scale=True, desc=name, file=sys.stderr, disable=None
            ) as progress,
        ):
            try:
                for chunk in iter(lambda: response.read(CHUNK), b""):
                    handle.write(chunk)
                    progress.update(len(chunk))
                if total is not None and handle.tell() < total:
                    raise http.client.IncompleteRead(b"", total - handle.tell())
            except (OSError, http.client.HTTPException) as error:
                raise HubError(
                    f"the download of {name} stopped after {handle.tell()} bytes ({error!r}); run it again to resume"
                ) from error
    if expected is not None:
        digest = hashlib.sha256()
        with incomplete.open("rb") as handle:
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                digest.update(chunk)
        if digest.hexdigest() != expected:
            incomplete.unlink()
            raise HubError(
                f"{name} of {repo}@{revision[:12]} does not match its SHA-256 ({digest.hexdigest()[:12]}…, "
                f"expected {expected[:12]}…): refused"
            )
    incomplete.rename(target)


def hub_download(repo: str, revision: str, patterns: list[str], directory: Path, pinned: dict | None = None) -> Path:
    """Fetch the files of ``repo`` at ``revision`` matching ``patterns`` into ``directory`` (which
    exists only once all are whole and checked); ``pinned`` maps file names to their SHA-256.
    Raises HubError, with one line that says why, for anything that stops it."""
    partial = directory.with_name(directory.name + ".partial")  # resumed if interrupted
    for name in revision_files(repo, revision, patterns):
        _file_fetch(repo, revision, name, partial / name, (pinned or {}).get(name))
    if directory.exists():
        shutil.rmtree(partial)
    else:
        partial.rename(directory)
    return directory
