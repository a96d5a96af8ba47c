"""ExifTool in stay_open batch mode: one long-lived process per worker process, shared by its threads.

dam talks to the process itself rather than through pyexiftool, for what a threaded server needs:

- one process per Python process, used by one thread at a time (a lock), made afresh after a fork;
- it is started by a keeper thread that lives as long as the Python process, so the parent-death
  signal (Linux) fires when the process dies, never when the request thread that first used it ends;
- it runs in its own session, so a Ctrl-C at the terminal does not kill it before dam stops it;
- every read waits with a deadline (``DAM_EXIFTOOL_TIMEOUT``) and treats end of file as death, so
  a wedged or dead ExifTool raises instead of blocking or spinning; the next call starts a new one;
- a command a dead process never took (its standard input closed) goes to a new process at once;
- a clean stop (``close``, at interpreter exit) asks ExifTool to finish and says nothing.
"""

from __future__ import annotations

import atexit
import functools
import itertools
import json
import logging
import os
import re
import selectors
import shutil
import subprocess
import sys
import threading
import time
import weakref
from concurrent.futures import Future
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

MINIMUM_VERSION = (12, 15)
# Image formats ExifTool reads but cannot write (media format key: why), for write-back and delivery.
UNWRITABLE_FORMATS = {"bigtiff": "ExifTool cannot write BigTIFF images"}
# -G1: family-1 group names (IFD0, IPTC, XMP-dc, GPS...), -n: numbers, not print conversions
# (signed decimal GPS), -j: JSON. CurrentIPTCDigest is asked for by name: the MWG rules need it.
READ_ARGS = ("-j", "-G1", "-n", "-api", "LargeFileSupport=1", "-all", "-CurrentIPTCDigest")
# Longest raw tag value kept in the provenance dump; a hostile file can declare megabytes.
RAW_VALUE_LIMIT = 16 * 1024
DEFAULT_TIMEOUT_SECONDS = 60.0
_READ_BLOCK = 1 << 16


class ExifToolMissing(RuntimeError):
    pass


class ExifToolWriteError(RuntimeError):
    pass


class ExifToolFailed(RuntimeError):
    """ExifTool died or did not answer in time; the session starts a new process on its next call."""


class _NotDelivered(ExifToolFailed):
    """ExifTool's standard input was closed before it had the whole command: it ran none of it."""


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


@functools.cache
def _parent_death_signal() -> tuple[str, ...]:
    """The command prefix that asks Linux to SIGKILL ExifTool when the thread that started it
    ends: util-linux's ``setpriv --pdeathsig``, which sets the signal and then execs ExifTool
    (empty where there is no setpriv). Only the warden thread below starts ExifTool, and it lives
    as long as the child.

    Never a ``preexec_fn``: that runs Python in the forked child, with every at-fork hook of every
    imported library, while other threads' locks are frozen as they were at the fork. Under a busy
    Celery worker the child could hang there before it ever became ExifTool."""
    if not sys.platform.startswith("linux"):
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return ()
    try:
        subprocess.run([setpriv, "--pdeathsig", "KILL", "--", "true"], capture_output=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):  # an old util-linux without --pdeathsig
        return ()
    return (setpriv, "--pdeathsig", "KILL", "--")


def _process_start(command: list[str]) -> subprocess.Popen:
    """Start ``command`` from a warden thread that then waits for it to exit, so the parent-death
    signal is tied to the child's own lifetime (and the Python process's), not to the caller's thread."""
    command = [*_parent_death_signal(), *command]
    started: Future = Future()

    def warden() -> None:
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,  # a terminal's Ctrl-C reaches dam, which then stops ExifTool cleanly
            )
        except BaseException as error:  # noqa: B036 - handed to the caller, which re-raises it
            started.set_exception(error)
            return
        started.set_result(process)
        process.wait()

    threading.Thread(target=warden, name="exiftool-warden", daemon=True).start()
    return started.result(timeout=60)


class ExifToolSession:
    """A stay_open ExifTool process, started on first use and again after it dies. Thread-safe:
    one command at a time. Each command is bounded by ``timeout`` seconds; a process that does
    not answer in time is killed and ``ExifToolFailed`` raised."""

    def __init__(self, executable: str, timeout: float | None = None) -> None:
        self.executable = executable
        self.timeout = timeout or getattr(settings, "DAM_EXIFTOOL_TIMEOUT", DEFAULT_TIMEOUT_SECONDS)
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._sequence = itertools.count(1)
        self.last_status: int | None = None
        self.last_stderr = ""
        _open_sessions.add(self)

    @property
    def pid(self) -> int | None:
        """The running ExifTool's process ID (None before the first call)."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def read(self, paths: list[Path]) -> dict[str, dict]:
        """Tags of each file, keyed by the path as given. A file ExifTool cannot read gets
        ``{"ExifTool:Error": reason}``. Paths must be plain names dam chose (staged files)."""
        if not paths:
            return {}
        output = self.execute(*READ_ARGS, *[str(p) for p in paths]).decode("utf-8", errors="replace")
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
        return self.execute("-b", f"-{tag}", str(path))

    def dump(self, path: Path) -> dict:
        """Every tag of ``path`` as ``exiftool -a -G1:4 -struct -j`` prints them (print conversion on;
        duplicates kept as ``Group:CopyN:Tag``): the view write-back compares before and after."""
        output = self.execute("-j", "-a", "-G1:4", "-struct", "-api", "LargeFileSupport=1", str(path))
        try:
            records = json.loads(output.decode("utf-8", errors="replace")) if output.strip() else []
        except json.JSONDecodeError:
            records = []
        return records[0] if records else {"ExifTool:Error": "ExifTool could not read the file"}

    def write(self, path: Path, args: list[str]) -> None:
        """Edit ``path`` in place (``-overwrite_original``); raises ExifToolWriteError with
        ExifTool's own message when it reports an error."""
        with self._lock:
            self._execute_locked(("-overwrite_original", "-m", *args, str(path)))
            status, stderr = self.last_status, self.last_stderr.strip()
        if status != 0 or "Error" in stderr:
            raise ExifToolWriteError(stderr or f"ExifTool exited with status {status}")

    def execute(self, *args: str) -> bytes:
        """ExifTool's standard output for one command (``last_status`` and ``last_stderr`` are set)."""
        with self._lock:
            return self._execute_locked(args)

    def _execute_locked(self, args) -> bytes:
        for arg in args:
            if "\n" in arg or "\r" in arg:
                # ExifTool reads one argument per line: a line break would start another argument.
                raise ExifToolWriteError(f"an ExifTool argument cannot contain a line break: {arg[:80]!r}")
        sequence = next(self._sequence)
        markers = ("-echo4", f"=${{status}}=post{sequence}", f"-execute{sequence}")
        command = b"".join(arg.encode("utf-8") + b"\n" for arg in (*args, *markers))
        for attempt in (1, 2):
            process = self._running()
            try:
                stdout, stderr = _exchange(process, command, sequence, self.timeout)
                break
            except ExifToolFailed as error:
                self._stop_locked(kill=True)
                if isinstance(error, _NotDelivered) and attempt == 1:
                    # A process that died just now can look alive: its warden thread reaps it, and until
                    # then ``poll()`` knows nothing. It ran none of the command, so a new one runs it once.
                    logger.warning("ExifTool (process %d) exited before taking a command; starting anew", process.pid)
                    continue
                raise ExifToolFailed(f"{error} (command: {' '.join(args[:6])[:200]}…)") from None
        status = _STATUS.search(stderr)
        self.last_status = int(status.group(1)) if status else None
        self.last_stderr = stderr[: status.start() if status else len(stderr)].decode("utf-8", errors="replace")
        return stdout

    def _running(self) -> subprocess.Popen:
        if self._process is not None and self._process.poll() is None:
            return self._process
        if self._process is not None:
            logger.warning(
                "ExifTool (process %d) exited with status %s; starting a new one",
                self._process.pid,
                self._process.returncode,
            )
            self._stop_locked(kill=True)
        if shutil.which(self.executable) is None:
            raise ExifToolMissing(
                f"ExifTool ({self.executable!r}) is not installed: run `apt-get install libimage-exiftool-perl` "
                "or set DAM_EXIFTOOL to its path"
            )
        process = _process_start([self.executable, "-stay_open", "True", "-@", "-"])
        os.set_blocking(process.stdin.fileno(), False)
        self._process = process
        return process

    def _stop_locked(self, kill: bool = False) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if not kill and process.poll() is None:
            try:
                os.set_blocking(process.stdin.fileno(), True)
                process.stdin.write(b"-stay_open\nFalse\n")
                process.stdin.flush()
            except OSError:
                pass
        for stream in (process.stdin, process.stdout, process.stderr):
            try:
                stream.close()
            except OSError:
                pass
        try:
            process.wait(timeout=0.2 if kill else 5)
        except subprocess.TimeoutExpired:
            process.kill()
        if kill and process.poll() is None:
            process.kill()

    def close(self) -> None:
        """Ask ExifTool to finish (it is killed if it does not within a few seconds)."""
        with self._lock:
            self._stop_locked()

    def _forget(self) -> None:
        """In a forked child: drop the parent's process without touching it (it is the parent's)."""
        process, self._process = self._process, None
        self._lock = threading.Lock()
        if process is not None:
            for stream in (process.stdin, process.stdout, process.stderr):
                try:
                    stream.close()  # this process's copies of the pipes only
                except OSError:
                    pass
            process.returncode = 0  # not this process's child: never to be waited for here


_STATUS = re.compile(rb"=(-?\d+)=post\d+\n?$")


def _exchange(process: subprocess.Popen, command: bytes, sequence: int, timeout: float) -> tuple[bytes, bytes]:
    """Send ``command`` and collect stdout up to its ``{ready}`` line and stderr up to its status
    line, both within ``timeout`` seconds. End of file on either stream means ExifTool died."""
    deadline = time.monotonic() + timeout
    ready = b"{ready%d}\n" % sequence
    stderr_end = re.compile(rb"=-?\d+=post%d\n$" % sequence)
    stdout, stderr = bytearray(), bytearray()
    with selectors.DefaultSelector() as selector:
        pending = memoryview(command)
        selector.register(process.stdin.fileno(), selectors.EVENT_WRITE, "stdin")
        selector.register(process.stdout.fileno(), selectors.EVENT_READ, "stdout")
        selector.register(process.stderr.fileno(), selectors.EVENT_READ, "stderr")
        waiting = {"stdout", "stderr"}
        while waiting:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ExifToolFailed(f"ExifTool did not answer within {timeout:g} s (DAM_EXIFTOOL_TIMEOUT)")
            for key, _events in selector.select(remaining):
                if key.data == "stdin":
                    try:
                        written = os.write(key.fd, pending)
                    except BlockingIOError:
                        continue
                    except OSError as error:  # broken pipe: the process is gone, the command unread
                        raise _NotDelivered(f"ExifTool exited before reading its command ({error})") from None
                    pending = pending[written:]
                    if not pending:
                        selector.unregister(key.fd)
                    continue
                chunk = os.read(key.fd, _READ_BLOCK)
                if not chunk:
                    raise ExifToolFailed(f"ExifTool exited while answering (status {process.poll()})")
                buffer = stdout if key.data == "stdout" else stderr
                buffer += chunk
                finished = buffer.endswith(ready) if key.data == "stdout" else stderr_end.search(buffer[-64:])
                if finished:
                    selector.unregister(key.fd)
                    waiting.discard(key.data)
    return bytes(stdout[: -len(ready)]), bytes(stderr)


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


_open_sessions: weakref.WeakSet[ExifToolSession] = weakref.WeakSet()
_session: ExifToolSession | None = None
_session_lock = threading.Lock()


def exiftool_session() -> ExifToolSession:
    """The process-wide ExifTool session (one per worker process, shared by its threads)."""
    global _session
    with _session_lock:
        if _session is None:
            _session = ExifToolSession(settings.DAM_EXIFTOOL)
        return _session


def _after_fork_in_child() -> None:
    global _session, _session_lock
    _session, _session_lock = None, threading.Lock()
    for session in list(_open_sessions):
        session._forget()
    _open_sessions.clear()


def _close_all() -> None:
    for session in list(_open_sessions):
        try:
            session.close()
        except Exception:  # interpreter shutdown: nothing left to report to
            pass


os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(_close_all)
