"""The public-files check runs on any folder, reports each file, and leaves the library as it was."""

import json
import shutil

import pytest
from django.core.management import call_command

from assets.models import Asset, FileVersion, IngestRecord
from tests.conftest import FIXTURES_DIR


@pytest.mark.django_db
def test_each_file_is_reported_and_nothing_is_kept(tmp_path, capsys):
    shutil.copyfile(FIXTURES_DIR / "images" / "sample.jpg", tmp_path / "camera.jpg")
    shutil.copyfile(FIXTURES_DIR / "audio" / "tone.flac", tmp_path / "tone.flac")
    shutil.copyfile(FIXTURES_DIR / "images" / "sample.bmp", tmp_path / "picture.bmp")
    (tmp_path / "notes.txt").write_text("not a picture")
    (tmp_path / "truncated.jpg").write_bytes((FIXTURES_DIR / "images" / "sample.jpg").read_bytes()[:40])

    call_command("check_public_files", str(tmp_path), "--json", "--no-progress")

    outcomes = {row["path"]: row for row in map(json.loads, capsys.readouterr().out.splitlines())}
    assert {name: (row["status"], row["writeback"]) for name, row in outcomes.items()} == {
        "camera.jpg": ("kept", "written"),
        "tone.flac": ("kept", "written"),
        "picture.bmp": (
            "kept",
            "not written (a BMP image has no place for metadata: edits go to its XMP sidecar only)",
        ),
        "notes.txt": ("refused-unsupported", ""),
        "truncated.jpg": ("refused", ""),
    }
    assert outcomes["truncated.jpg"]["broken_by_name"] and not outcomes["camera.jpg"]["broken_by_name"]
    assert all(row["collateral"] == [] for row in outcomes.values())
    assert Asset.objects.count() == FileVersion.objects.count() == IngestRecord.objects.count() == 0


@pytest.mark.django_db
def test_the_summary_names_the_folder_and_counts(tmp_path, capsys):
    shutil.copyfile(FIXTURES_DIR / "images" / "sample.jpg", tmp_path / "camera.jpg")

    call_command("check_public_files", str(tmp_path), "--no-progress")

    out = capsys.readouterr().out
    assert str(tmp_path.resolve()) in out
    assert "files tried 1" in out and "write-backs done 1, failed 0, with collateral changes 0" in out
