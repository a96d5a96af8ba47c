"""`manage.py ingest`: files and folders in, one JSON line per file out, progress on stderr."""

import json
import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.db import connection

from assets.models import Asset
from tests.conftest import PROJECT_DIR, database_url


@pytest.mark.django_db
def test_json_lines_for_a_folder_with_good_and_bad_files(tmp_path, make_jpeg, capsys):
    make_jpeg("a.jpg", seed=700, folder=tmp_path / "shoot")
    make_jpeg("b.jpg", seed=701, folder=tmp_path / "shoot" / "day two")
    (tmp_path / "shoot" / "readme.txt").write_text("not media")
    (tmp_path / "shoot" / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")  # hidden: skipped
    call_command("ingest", str(tmp_path / "shoot"), "--json", "--no-progress")
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert [(line["path"].rsplit("/", 1)[-1], line["status"]) for line in lines] == [
        ("a.jpg", "created"),
        ("readme.txt", "failed"),
        ("b.jpg", "created"),
    ]
    assert all(set(line) >= {"path", "asset_id", "status", "error"} for line in lines)
    assert lines[1]["error"] == "the file is text, not a supported image or audio file" and lines[1]["asset_id"] is None
    assert "3 files in" in captured.err and "2 created, 0 already in dam, 1 failed" in captured.err


@pytest.mark.django_db(transaction=True)
def test_stdout_stays_machine_readable_in_a_real_process(tmp_path, make_jpeg):
    first = make_jpeg("one.jpg", seed=702)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(connection),
        "DAM_LOG_LEVEL": "DEBUG",
    }
    command = [sys.executable, "manage.py", "ingest", "--json", str(first), str(first)]
    process = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert process.returncode == 0, process.stderr
    lines = [json.loads(line) for line in process.stdout.splitlines()]  # every stdout line is JSON
    assert [line["status"] for line in lines] == ["created", "exists"]
    assert "files/s" in process.stderr
    assert Asset.objects.filter(pk=lines[0]["asset_id"]).exists()


@pytest.mark.django_db
def test_missing_path_is_a_clear_error(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no such file or folder"):
        call_command("ingest", str(tmp_path / "nowhere"))


@pytest.mark.django_db(transaction=True)
def test_each_refusal_is_said_once_and_log_lines_do_not_break_the_bar(tmp_path, make_jpeg, media_copy):
    make_jpeg("good.jpg", seed=703, folder=tmp_path / "in")
    (tmp_path / "in" / "notes.txt").write_text("not media")
    media_copy("broken/broken-id3.mp3", "in/damaged.mp3")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "DATABASE_URL": database_url(connection)}
    command = [sys.executable, "manage.py", "ingest", str(tmp_path / "in")]
    process = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert process.returncode == 0, process.stderr
    assert process.stderr.count("the file is text, not a supported image or audio file") == 1, process.stderr
    assert "refused: " in process.stderr and "ingested " not in process.stderr
    assert "Whoa!" not in process.stderr  # libmpg123's own complaint about the damaged tag
    assert "3 files in" in process.stderr and "2 created, 0 already in dam, 1 failed" in process.stderr


@pytest.mark.django_db
@pytest.mark.timeout(120)  # a named pipe opened for reading would wait for a writer forever
def test_every_path_given_gets_exactly_one_line(tmp_path, make_jpeg, capsys):
    """Missing paths (whatever their names hold), named pipes and devices each get a failed
    line of their own, and the files beside them are still ingested."""
    from django.core.management.base import CommandError

    good = make_jpeg("good.jpg", seed=704)
    folder = tmp_path / "with a pipe"
    make_jpeg("beside.jpg", seed=705, folder=folder)
    os.mkfifo(folder / "pipe.jpg")
    os.mkfifo(tmp_path / "given pipe.jpg")
    missing = [tmp_path / "gone\r\n\u202egpj.jpg", tmp_path / "also gone.jpg"]
    given = [good, missing[0], folder, tmp_path / "given pipe.jpg", "/dev/null", missing[1]]
    with pytest.raises(CommandError, match="no such file or folder") as refusal:
        call_command("ingest", *map(str, given), "--json", "--no-progress")
    out, err = capsys.readouterr()
    lines = [json.loads(line) for line in out.splitlines()]
    by_name = {line["path"].rsplit("/", 1)[-1]: (line["status"], line["error"]) for line in lines}
    assert len(lines) == 7 and len(by_name) == 7, lines
    assert by_name["good.jpg"][0] == by_name["beside.jpg"][0] == "created"
    assert by_name["gone\\x0d\\x0a\\u202egpj.jpg"] == ("failed", "no such file or folder")
    assert by_name["also gone.jpg"] == ("failed", "no such file or folder")
    assert by_name["pipe.jpg"] == ("failed", "not a regular file but a named pipe: dam ingests files")
    assert by_name["given pipe.jpg"][1].startswith("not a regular file but a named pipe")
    assert by_name["null"] == ("failed", "not a regular file but a character device: dam ingests files")
    assert "7 files in" in err and "2 created, 0 already in dam, 5 failed" in err
    assert "\n" not in str(refusal.value) and "\u202e" not in str(refusal.value)
