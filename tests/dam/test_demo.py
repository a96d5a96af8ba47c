"""The README's main command: the demo sets everything up on a fresh state folder, and a second
start with nothing new is quiet: it ingests nothing, queues nothing, and says so."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.conftest import PROJECT_DIR


def demo_run(media, state) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["DAM_STATE_DIR"] = str(state)
    command = [sys.executable, "manage.py", "demo", "--no-serve", "--fixtures", str(media)]
    process = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300)
    assert process.returncode == 0, process.stdout + process.stderr
    return process


@pytest.fixture
def state():
    """A state folder outside pytest's own temporary folder, which another pytest session on the
    machine may make private to root at any moment (the database runs as another user)."""
    folder = Path(tempfile.mkdtemp(prefix="dam-demo-test-"))
    folder.chmod(0o755)
    yield folder / "state"
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.worker
@pytest.mark.timeout(600)  # two starts, each waiting for its worker to embed
def test_demo_runs_from_nothing_and_a_second_start_is_quiet(tmp_path, make_jpeg, state):
    media = tmp_path / "media"
    make_jpeg("one.jpg", seed=800, folder=media, tags={"XMP-dc:Title": "Demo picture"})
    (media / "broken.jpg").write_bytes(b"\xff\xd8\xff" + b"\x00" * 10)

    first = demo_run(media, state)
    assert "2 files in" in first.stderr and "1 created, 0 already in dam, 1 failed" in first.stderr
    assert "thumbnails rendered by the worker (0 still pending)" in first.stderr
    assert first.stderr.count("broken.jpg") == 1, first.stderr  # the refusal, said once
    assert "stopping the worker…" in first.stderr and "stopping the database…" in first.stderr
    assert "died" not in first.stderr and "Traceback" not in first.stderr
    assert "1 ingested (1 images, 0 recordings); 1 files refused" in first.stdout
    assert "(image): CLIP weights: set DAM_MODEL_DOWNLOADS=true" in first.stdout  # how to turn it on
    assert (state / "pgdata" / "PG_VERSION").exists()
    assert not (state / "pgdata" / "postmaster.pid").exists()  # the demo stops its database on exit
    assert any((state / "files" / "thumbnails").rglob("*.jpg"))
    assert "ready." in (state / "worker.log").read_text()

    second = demo_run(media, state)
    assert "all 2 files were seen by an earlier start (1 in dam, 1 refused); nothing to ingest" in second.stderr
    assert "files in" not in second.stderr  # no ingest ran
    assert "queued for the workers" not in second.stderr  # nothing to embed or transcribe
    assert "broken.jpg" not in second.stderr
    assert "1 ingested (1 images, 0 recordings); 1 files refused" in second.stdout


def test_the_bare_address_leads_to_the_admin(client):
    response = client.get("/")
    assert response.status_code == 302 and response.url == "/admin/"


@pytest.mark.django_db
def test_the_survey_offers_only_new_files(tmp_path, make_jpeg, settings, monkeypatch):
    from assets.ingest import ingest_paths
    from dam.demo_media import media_survey, refusals_remember

    monkeypatch.setenv("DAM_STATE_DIR", str(tmp_path / "state"))
    media = tmp_path / "media"
    make_jpeg("one.jpg", seed=802, folder=media)
    (media / "notes.txt").write_text("not media")
    survey = media_survey([media])
    assert [path.name for path in survey.new] == ["notes.txt", "one.jpg"] and survey.summary() == "2 files to ingest…"
    list(ingest_paths(survey.new))
    refusals_remember(survey)

    again = media_survey([media])
    assert (again.new, again.in_dam, again.refused_before) == ([], 1, 1)
    make_jpeg("two.jpg", seed=803, folder=media)
    (media / "notes.txt").write_text("changed, still not media")  # new bytes: offered again
    later = media_survey([media])
    assert sorted(path.name for path in later.new) == ["notes.txt", "two.jpg"]
    assert later.summary() == "2 new files to ingest (1 seen by an earlier start are skipped)…"
