"""Shared test fixtures: real files, the real database, a real Celery worker."""

from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings

from dam.runtime import celery_worker_command, database_url

PROJECT_DIR = Path(__file__).resolve().parent.parent
FIXTURES_DIR = PROJECT_DIR / "fixtures"
TEST_DATA_DIR = Path(__file__).resolve().parent / "data"

# Logs of the processes tests start (Celery workers, gunicorn): the tail of each one written to
# during a test that fails is attached to its report, so a failure on CI says what they did.
SERVICE_LOGS: dict[Path, str] = {}
LOG_TAIL_LINES = 80


def service_log(path: Path, name: str) -> Path:
    """Attach the log at ``path`` to the report of any test that fails while it is written."""
    SERVICE_LOGS[path] = name
    return path


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    item.dam_started = time.time()  # fixtures start their processes in set-up
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        started = getattr(item, "dam_started", 0)
        for path, name in list(SERVICE_LOGS.items()):
            try:
                if path.stat().st_mtime < started:
                    continue
                lines = path.read_text(errors="replace").splitlines()
            except OSError:
                continue
            report.sections.append((f"log of {name} (last {LOG_TAIL_LINES} lines)", "\n".join(lines[-LOG_TAIL_LINES:])))
    return report


@pytest.fixture(scope="session")
def manifest() -> dict:
    """What each fixture file should read as (written by fixtures/make_fixtures.py)."""
    return json.loads((FIXTURES_DIR / "MANIFEST.json").read_text())


@pytest.fixture
def media_copy(tmp_path):
    """Copy a fixture (path relative to fixtures/) into a temporary folder, optionally renamed."""

    def copy(relative: str, name: str | None = None) -> Path:
        target = tmp_path / (name or Path(relative).name)
        shutil.copyfile(FIXTURES_DIR / relative, target)
        return target

    return copy


@pytest.fixture
def user_in_group(django_user_model):
    """A user in one of dam's staff groups (assets/staff_groups.py), fetched afresh so permissions are current."""

    def make(group: str | None = None, username: str | None = None, staff: bool = False):
        user = django_user_model.objects.create_user(
            username=username or (group or "user").replace(" ", "-"), password="x", is_staff=staff
        )
        if group:
            from django.contrib.auth.models import Group

            user.groups.add(Group.objects.get(name=group))
        return django_user_model.objects.get(pk=user.pk)

    return make


@pytest.fixture
def librarian(user_in_group):
    from assets.staff_groups import LIBRARIAN

    return user_in_group(LIBRARIAN, staff=True)


@pytest.fixture
def cms(django_user_model):
    """An API client for a content management system: an ordinary user with a token."""
    from rest_framework.test import APIClient

    user = django_user_model.objects.create_user(username="cms", password="x")
    client = APIClient()
    client.force_authenticate(user)
    client.user = user
    return client


@pytest.fixture
def api_client(django_user_model):
    from rest_framework.test import APIClient

    user = django_user_model.objects.create_user(username="librarian", password="pw-librarian")
    client = APIClient()
    client.force_authenticate(user)
    client.user = user
    return client


class WorkerProcess:
    def __init__(self, process: subprocess.Popen, log_path: Path) -> None:
        self.process = process
        self.log_path = log_path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout: float = 30) -> None:
        if self.process.poll() is None:
            if sig == signal.SIGKILL:
                os.killpg(self.process.pid, sig)  # the whole group, as a crash would take it
            else:
                self.process.send_signal(sig)  # the main process shuts its pool down itself
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def broker_purge() -> None:
    """Drop messages left in the filesystem broker by tests that ran without a worker."""
    queue_dir = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
    for message in queue_dir.glob("*"):
        message.unlink(missing_ok=True)


def worker_start(tmp_path: Path, name: str = "test", extra_env: dict | None = None) -> WorkerProcess:
    """Start a real `celery worker` process on the test database and the test broker."""
    from django.db import connection

    log_path = service_log(tmp_path / f"worker-{name}.log", f"the Celery worker {name!r}")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(connection),
        "DAM_LOG_LEVEL": "INFO",
        **(extra_env or {}),
    }
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            celery_worker_command(
                f"{name}-{os.getpid()}",
                pool="solo",
                extra=("--without-gossip", "--without-mingle", "--without-heartbeat"),
            ),
            cwd=PROJECT_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    worker = WorkerProcess(process, log_path)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Celery worker exited with {process.returncode}:\n{worker.log()}")
        if " ready." in worker.log():
            return worker
        time.sleep(0.2)
    worker.stop(signal.SIGKILL)
    raise RuntimeError(f"the Celery worker did not become ready:\n{worker.log()}")


@pytest.fixture
def celery_worker(transactional_db, tmp_path):
    """A real Celery worker process consuming from the real (filesystem) broker."""
    broker_purge()
    worker = worker_start(tmp_path)
    yield worker
    worker.stop()


def wait_for(predicate, timeout: float = 60, interval: float = 0.2, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {message}")


@pytest.fixture
def make_jpeg(tmp_path):
    """A small real JPEG with distinct pixels per ``seed``; metadata optionally written by ExifTool."""
    from PIL import Image, ImageDraw

    def make(name: str = "picture.jpg", seed: int = 0, tags: dict | None = None, folder: Path | None = None) -> Path:
        folder = folder or tmp_path
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        image = Image.new("RGB", (64, 48), ((seed * 37) % 256, (seed * 91) % 256, (seed * 53) % 256))
        ImageDraw.Draw(image).rectangle([seed % 40, seed % 30, seed % 40 + 10, seed % 30 + 10], fill=(255, 255, 255))
        image.save(path, "JPEG", quality=90)
        if tags:
            exiftool_write(path, tags)
        return path

    return make


def exiftool_write(path: Path, tags: dict) -> None:
    """Write tags with the real ExifTool (one stay_open process for the whole test session)."""
    args = ["-overwrite_original", "-q", "-m", "-charset", "iptc=UTF8", "-codedcharacterset=utf8"]
    for tag, value in tags.items():
        values = value if isinstance(value, list) else [value]
        args += [f"-{tag}={item}" for item in values]
    _test_exiftool().write(path, args)


@functools.cache
def _test_exiftool():
    from assets.metadata.exiftool import ExifToolSession

    return ExifToolSession("exiftool")


# The production topology (tests/topology) is one stack of servers shared by its modules: one
# scheduling unit, so it starts once, and the first one handed out, so its minutes run beside
# the rest of the suite rather than after it.
LONG_SCOPES = ("tests/topology",)


def _scope(nodeid: str) -> str:
    path = nodeid.split("::", 1)[0]
    return next((scope for scope in LONG_SCOPES if path.startswith(scope + "/")), path)


def pytest_collection_modifyitems(session, config, items):
    """Modules in the order they are best handed out to test processes: the long scopes first,
    then the modules with the most tests; each module's own order is kept."""
    counts: dict[str, int] = {}
    for item in items:
        counts[_scope(item.nodeid)] = counts.get(_scope(item.nodeid), 0) + 1
    # pytest-django has already put transactional tests after the others, which splits modules
    # that have both: the first place a scope was seen brings its tests back together.
    first_seen = {scope: number for number, scope in enumerate(dict.fromkeys(_scope(i.nodeid) for i in items))}

    def order(item) -> tuple:
        scope = _scope(item.nodeid)
        return (scope not in LONG_SCOPES, -counts[scope], first_seen[scope])

    items.sort(key=order)  # stable: a module's tests keep their order


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, absent without it
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadfile``, with each long scope kept whole, handed out in collection order."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class Scheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _scope(nodeid)

    config.option.loadscopereorder = False  # the order above already puts the big units first
    return Scheduling(config, log)


def pytest_sessionfinish(session, exitstatus):
    """Stop the test suite's own embedded PostgreSQL (var/test) when the run ends."""
    if getattr(settings, "EMBEDDED", False):
        from dam import runtime

        runtime.embedded_postgres_stop()


@pytest.fixture
def soundless_recording(tmp_path):
    """A FLAC whose tags survive and whose sound does not: every audio frame after the metadata
    blocks is cut away, as in the tag samples of metadata tools' test collections."""
    from mutagen.flac import FLAC

    path = tmp_path / "tags-only.flac"
    path.write_bytes((FIXTURES_DIR / "audio" / "tone.flac").read_bytes())
    tagged = FLAC(path)
    tagged["title"], tagged["artist"] = "Only the tags are left", "Field Recordist"
    tagged.save()
    data = path.read_bytes()
    offset, last = 4, False
    while not last:  # metadata blocks: a last-block flag, a type and a 24-bit length each
        last = bool(data[offset] & 0x80)
        offset += 4 + int.from_bytes(data[offset + 1 : offset + 4], "big")
    path.write_bytes(data[:offset])
    return path
