"""The stay_open ExifTool session under threads: one process per Python process, kept when the
thread that started it ends, restarted after it dies, bounded in time, quiet on a clean stop,
gone when its Python process is killed; and concurrent uploads on a threaded server share it."""

from __future__ import annotations

import logging
import os
import resource
import signal
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from assets.metadata.exiftool import ExifToolFailed, ExifToolSession, ExifToolWriteError, exiftool_session
from tests.conftest import PROJECT_DIR, wait_for


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie has exited; only its entry is left.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.fixture
def session():
    session = ExifToolSession("exiftool", timeout=30)
    yield session
    session.close()


def test_the_process_outlives_the_thread_that_started_it(session, make_jpeg):
    picture = make_jpeg(tags={"XMP-dc:Title": "Harbour"})
    started = threading.Thread(target=session.read, args=([picture],))
    started.start()
    started.join()
    pid = session.pid
    assert pid is not None
    time.sleep(0.5)  # a parent-death signal tied to that thread would have killed it by now
    assert alive(pid)
    assert session.read([picture])[str(picture)]["XMP-dc:Title"] == "Harbour"
    assert session.pid == pid


def test_threads_share_one_process_one_command_at_a_time(session, make_jpeg):
    pictures = [make_jpeg(f"p{number}.jpg", seed=number, tags={"XMP-dc:Title": f"T{number}"}) for number in range(8)]

    def title(number: int) -> str:
        return session.read([pictures[number]])[str(pictures[number])]["XMP-dc:Title"]

    with ThreadPoolExecutor(8) as pool:
        titles = list(pool.map(title, [number % 8 for number in range(64)]))
    assert titles == [f"T{number % 8}" for number in range(64)]
    children = subprocess.run(["pgrep", "-P", str(os.getpid()), "-x", "exiftool"], capture_output=True, text=True)
    assert str(session.pid) in children.stdout.split()


def test_a_dead_process_is_replaced_on_the_next_call(session, make_jpeg, caplog):
    picture = make_jpeg(tags={"XMP-dc:Title": "Again"})
    session.read([picture])
    first = session.pid
    os.kill(first, signal.SIGKILL)
    wait_for(lambda: not alive(first), timeout=10, message="ExifTool to die")
    with caplog.at_level(logging.WARNING, logger="assets.metadata.exiftool"):
        assert session.read([picture])[str(picture)]["XMP-dc:Title"] == "Again"
    assert session.pid not in (None, first)
    assert "exited" in caplog.text  # said once, as a warning: a real event, not a clean stop


def test_a_command_the_process_never_took_goes_to_a_new_one(tmp_path, make_jpeg, caplog):
    # The first process answers one command, closes its standard input and lives on: to the session
    # it looks alive, as a just-killed ExifTool does until its warden thread reaps it. The next
    # process is ExifTool.
    started = tmp_path / "started-once"
    fake = tmp_path / "deaf-after-one-exiftool"
    fake.write_text(
        textwrap.dedent(
            f"""\
            #!/bin/sh
            if [ -e {started} ]; then exec exiftool "$@"; fi
            touch {started}
            while read line; do case "$line" in -execute*) break;; esac; done
            printf '{{ready1}}\\n'; printf '=0=post1\\n' >&2
            exec 0<&-
            exec sleep 300
            """
        )
    )
    fake.chmod(0o755)
    session = ExifToolSession(str(fake), timeout=30)
    picture = make_jpeg(tags={"XMP-dc:Title": "Delivered"})
    try:
        session.execute("-ver")
        deaf = session.pid
        wait_for(lambda: not os.path.exists(f"/proc/{deaf}/fd/0"), timeout=10, message="the stand-in to close stdin")
        with caplog.at_level(logging.WARNING, logger="assets.metadata.exiftool"):
            assert session.read([picture])[str(picture)]["XMP-dc:Title"] == "Delivered"
        assert "before taking a command" in caplog.text
        assert session.pid not in (None, deaf)
        wait_for(lambda: not alive(deaf), timeout=10, message="the stand-in to be killed")
    finally:
        session.close()


def test_end_of_file_mid_answer_raises_at_once_without_spinning(tmp_path, make_jpeg):
    # A stand-in that reads the command, prints half an answer and exits: pyexiftool's read loop
    # spun at 100% CPU on this end of file.
    fake = tmp_path / "dying-exiftool"
    fake.write_text("#!/bin/sh\nread line\nprintf '[{\"partial\": '\nexit 3\n")
    fake.chmod(0o755)
    session = ExifToolSession(str(fake), timeout=30)
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.monotonic()
    with pytest.raises(ExifToolFailed, match="exited"):
        session.read([make_jpeg()])
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    assert time.monotonic() - started < 5
    assert (cpu_after.ru_utime - cpu_before.ru_utime) < 2
    session.close()


def test_a_process_that_does_not_answer_is_killed_after_the_timeout(tmp_path, make_jpeg):
    fake = tmp_path / "silent-exiftool"
    fake.write_text("#!/bin/sh\nexec sleep 300\n")
    fake.chmod(0o755)
    session = ExifToolSession(str(fake), timeout=1)
    started = time.monotonic()
    with pytest.raises(ExifToolFailed, match="did not answer within 1 s"):
        session.read([make_jpeg()])
    assert time.monotonic() - started < 5
    assert session.pid is None  # killed; the next call starts a new one
    session.close()


def test_an_argument_with_a_line_break_is_refused_not_split(session, make_jpeg):
    # One argument per line: "Title=a\n-o\n/elsewhere" would otherwise become three arguments.
    picture = make_jpeg()
    with pytest.raises(ExifToolWriteError, match="line break"):
        session.write(picture, ["-XMP-dc:Title=a\n-o\n/tmp/elsewhere.jpg"])
    assert session.read([picture])[str(picture)].get("XMP-dc:Title") is None


SCRIPT = textwrap.dedent(
    """
    import os, sys, time, warnings
    warnings.simplefilter("always")
    from assets.metadata import exiftool
    session = exiftool.ExifToolSession("exiftool", timeout=30)
    exiftool._session = session
    print(session.execute("-ver").decode().strip(), session.pid, flush=True)
    child = os.fork()
    if child == 0:  # a forked worker gets its own process, and leaves the parent's alone
        other = exiftool.exiftool_session()
        other.execute("-ver")
        print("child", other.pid, flush=True)
        os._exit(0)
    os.waitpid(child, 0)
    print("parent", session.execute("-ver").decode().strip(), session.pid, flush=True)
    if sys.argv[1] == "hang":
        time.sleep(300)
    """
)


def run_script(mode: str) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT, mode],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def test_a_clean_stop_says_nothing_and_a_fork_gets_its_own_process():
    script = run_script("exit")
    stdout, stderr = script.communicate(timeout=60)
    assert script.returncode == 0, stderr
    lines = stdout.split("\n")
    parent_pid = int(lines[0].split()[1])
    child_pid = int(lines[1].split()[1])
    assert child_pid != parent_pid
    assert lines[2].split()[2] == str(parent_pid)  # the parent's process still answers after the fork
    assert "died" not in stderr and "exited" not in stderr and "Warning" not in stderr, stderr
    wait_for(lambda: not alive(parent_pid) and not alive(child_pid), timeout=10, message="ExifTool to stop")


def test_exiftool_dies_with_a_killed_python_process():
    script = run_script("hang")
    line = script.stdout.readline()
    pid = int(line.split()[1])
    wait_for(lambda: "parent" in script.stdout.readline(), timeout=30, message="the script to fork and go on")
    assert alive(pid)
    os.killpg(script.pid, signal.SIGKILL)  # ExifTool is in a session of its own: only the signal reaches it
    script.wait(timeout=10)
    wait_for(lambda: not alive(pid), timeout=10, message=f"ExifTool {pid} to die with its parent")


def test_the_process_wide_session_is_one_per_process():
    assert exiftool_session() is exiftool_session()


def test_concurrent_uploads_on_a_threaded_server_share_one_lasting_process(live_server, django_user_model, make_jpeg):
    """Django's live server answers each request in a thread of its own, as runserver does: the
    ExifTool process must survive every request thread and serve them all."""
    import requests
    from rest_framework.authtoken.models import Token

    user = django_user_model.objects.create_user(username="uploader", password="x")
    token = Token.objects.create(user=user).key
    pictures = [
        make_jpeg(f"upload-{number}.jpg", seed=number, tags={"XMP-dc:Title": f"Upload {number}"})
        for number in range(16)
    ]

    def upload(path) -> tuple[int, str]:
        with path.open("rb") as handle:
            response = requests.post(
                f"{live_server.url}/api/assets/",
                headers={"Authorization": f"Token {token}"},
                files={"file": (path.name, handle, "image/jpeg")},
                timeout=60,
            )
        return response.status_code, response.json().get("asset", {}).get("metadata", {}).get("title", response.text)

    first_status, _ = upload(pictures[0])
    assert first_status == 201
    pid = exiftool_session().pid
    assert pid is not None
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(upload, pictures[1:]))
    assert answers == [(201, f"Upload {number}") for number in range(1, 16)]
    assert exiftool_session().pid == pid  # the same process served every request thread


def test_concurrent_uploads_on_gunicorn_gthread_use_one_exiftool_per_worker(
    transactional_db, django_user_model, tmp_path, make_jpeg
):
    """gunicorn's threaded worker: request threads come from a pool; one ExifTool serves them all
    and nothing is said about a dead one."""
    import socket

    import requests
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from dam.runtime import database_url

    pytest.importorskip("gunicorn")
    token = Token.objects.create(user=django_user_model.objects.create_user(username="threads", password="x")).key
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "DATABASE_URL": database_url(connection)}
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "dam.wsgi", "--worker-class", "gthread", "--threads", "4",
             "--workers", "1", "--bind", f"127.0.0.1:{port}", "--timeout", "60"],
            cwd=PROJECT_DIR, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:

        def listening() -> bool:
            try:
                return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
            except requests.RequestException:
                return False

        wait_for(listening, timeout=90, message="gunicorn to answer")
        pictures = [make_jpeg(f"g{number}.jpg", seed=100 + number) for number in range(12)]

        def upload(path) -> int:
            with path.open("rb") as handle:
                return requests.post(
                    f"http://127.0.0.1:{port}/api/assets/",
                    headers={"Authorization": f"Token {token}"},
                    files={"file": (path.name, handle, "image/jpeg")},
                    timeout=60,
                ).status_code

        with ThreadPoolExecutor(6) as pool:
            assert list(pool.map(upload, pictures)) == [201] * 12
        [worker] = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
        tools = subprocess.run(["pgrep", "-P", worker, "-x", "exiftool"], capture_output=True, text=True).stdout.split()
        assert len(tools) == 1, f"ExifTool processes of the gunicorn worker: {tools}"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    text = log.read_text(errors="replace")
    assert "died" not in text and "ExifTool (process" not in text, text[-2000:]
