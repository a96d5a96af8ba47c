"""The README's main command: the demo sets everything up on a fresh state folder."""

import os
import subprocess
import sys

import pytest

from tests.conftest import PROJECT_DIR


@pytest.mark.worker
def test_demo_runs_from_nothing_with_embedded_postgres_and_a_worker(tmp_path, make_jpeg):
    media = tmp_path / "media"
    make_jpeg("one.jpg", seed=800, folder=media, tags={"XMP-dc:Title": "Demo picture"})
    (media / "broken.jpg").write_bytes(b"\xff\xd8\xff" + b"\x00" * 10)
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["DAM_STATE_DIR"] = str(tmp_path / "state")
    command = [sys.executable, "manage.py", "demo", "--no-serve", "--fixtures", str(media)]
    process = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300)
    assert process.returncode == 0, process.stdout + process.stderr
    assert "2 files in" in process.stderr and "1 created, 0 already in dam, 1 failed" in process.stderr
    assert "thumbnails rendered by the worker (0 still pending)" in process.stderr
    state = tmp_path / "state"
    assert (state / "pgdata" / "PG_VERSION").exists()
    assert not (state / "pgdata" / "postmaster.pid").exists()  # the demo stops its database on exit
    assert any((state / "files" / "thumbnails").rglob("*.jpg"))
    assert "ready." in (state / "worker.log").read_text()
