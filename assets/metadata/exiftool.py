"""ExifTool through pyexiftool, in stay_open batch mode: one long-lived process per worker process."""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
import threading
from pathlib import Path

import exiftool
from django.conf import settings

logger = logging.getLogger(__name__)

MINIMUM_VERSION = (12, 15)
# -G1: family-1 group names (IFD0, IPTC, XMP-dc, GPS...), -n: numbers, not print conversions
# (signed decimal GPS), -j: JSON. CurrentIPTCDigest is asked for by name: the MWG rules need it.
READ_ARGS = ("-j", "-G1", "-n", "-api", "LargeFileSupport=1", "-all", "-CurrentIPTCDigest")
# Longest raw tag value kept in the provenance dump; a hostile file can declare megabytes.
RAW_VALUE_LIMIT = 16 * 1024


class ExifToolMissing(RuntimeError):
    pass


class ExifToolWriteError(RuntimeError):
    pass


def exiftool_version(executable: str | None = None) -> tuple[int, ...] | None:
    """The installed ExifTool's version, or None when it is not installed."""
    executable = executable or settings.DAM_EXIFTOOL
    if shutil.which(executable) is None:
        return None
    try:
        output = subprocess.run([executable, "-ver"], capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.match(r"(\d+)\.(\d+)", output.strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


class ExifToolSession:
    """A stay_open ExifTool process, restarted if it dies. Thread-safe."""

    def __init__(self, executable: str) -> None:
        self.executable = executable
        self._lock = threading.Lock()
        self._process: exiftool.ExifTool | None = None

    def _running(self) -> exiftool.ExifTool:
        if self._process is None or not self._process.running:
            if shutil.which(self.executable) is None:
                raise ExifToolMissing(
                    f"ExifTool ({self.executable!r}) is not installed: run `apt-get install libimage-exiftool-perl` "
                    "or set DAM_EXIFTOOL to its path"
                )
            self._process = exiftool.ExifTool(executable=self.executable, common_args=[], encoding="utf-8")
            self._process.run()
        return self._process

    def read(self, paths: list[Path]) -> dict[str, dict]:
        """Tags of each file, keyed by the path as given. A file ExifTool cannot read gets
        ``{"ExifTool:Error": reason}``. Paths must be plain names dam chose (staged files)."""
        if not paths:
            return {}
        with self._lock:
            process = self._running()
            try:
                output = process.execute(*READ_ARGS, *[str(p) for p in paths])
            except Exception:
                # A dead or wedged process: start afresh next time, let the caller retry per file.
                self.close_locked()
                raise
        try:
            records = json.loads(output) if output.strip() else []
        except json.JSONDecodeError:
            logger.warning("ExifTool returned output that is not JSON for %d files", len(paths))
            records = []
        by_source = {record.get("SourceFile"): _trimmed(record) for record in records}
        return {
            str(path): by_source.get(str(path), {"ExifTool:Error": "ExifTool could not read the file"})
            for path in paths
        }

    def read_block(self, path: Path, tag: str) -> bytes:
        """The raw bytes of one block tag (``XMP``, ``IPTC``...) of ``path``; b"" when absent."""
        with self._lock:
            process = self._running()
            try:
                return process.execute("-b", f"-{tag}", str(path), raw_bytes=True) or b""
            except Exception:
                self.close_locked()
                raise

    def dump(self, path: Path) -> dict:
        """Every tag of ``path`` as ``exiftool -a -G1:4 -struct -j`` prints them (print conversion on;
        duplicates kept as ``Group:CopyN:Tag``): the view write-back compares before and after."""
        with self._lock:
            process = self._running()
            try:
                output = process.execute("-j", "-a", "-G1:4", "-struct", "-api", "LargeFileSupport=1", str(path))
            except Exception:
                self.close_locked()
                raise
        try:
            records = json.loads(output) if output.strip() else []
        except json.JSONDecodeError:
            records = []
        return records[0] if records else {"ExifTool:Error": "ExifTool could not read the file"}

    def write(self, path: Path, args: list[str]) -> None:
        """Edit ``path`` in place (``-overwrite_original``); raises ExifToolWriteError with
        ExifTool's own message when it reports an error."""
        with self._lock:
            process = self._running()
            try:
                process.execute("-overwrite_original", "-m", *args, str(path))
            except Exception:
                self.close_locked()
                raise
            status, stderr = process.last_status, (process.last_stderr or "").strip()
        if status != 0 or "Error" in stderr:
            raise ExifToolWriteError(stderr or f"ExifTool exited with status {status}")

    def close_locked(self) -> None:
        if self._process is not None:
            try:
                self._process.terminate()
            except Exception:  # the process may already be gone
                pass
            self._process = None

    def close(self) -> None:
        with self._lock:
            self.close_locked()


def _trimmed(record: dict) -> dict:
    record = dict(record)
    record.pop("SourceFile", None)
    for group_tag in (
        "System:Directory",
        "System:FileName",
        "System:FileAccessDate",
        "System:FileInodeChangeDate",
        "System:FileModifyDate",
        "System:FilePermissions",
        "ExifTool:ExifToolVersion",
    ):
        record.pop(group_tag, None)  # facts about dam's staging copy, not about the asset
    for key, value in record.items():
        if isinstance(value, str) and len(value) > RAW_VALUE_LIMIT:
            record[key] = value[:RAW_VALUE_LIMIT] + f"… [truncated: {len(value)} characters]"
    return record


_session: ExifToolSession | None = None
_session_lock = threading.Lock()


def exiftool_session() -> ExifToolSession:
    """The process-wide ExifTool session (one per worker process)."""
    global _session
    with _session_lock:
        if _session is None:
            _session = ExifToolSession(settings.DAM_EXIFTOOL)
        return _session
