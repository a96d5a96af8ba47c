"""System checks report a missing or old ExifTool (pgvector: tests/embeddings/test_checks.py)."""

from django.core.checks import run_checks
from django.test import override_settings


def check_ids(**kwargs) -> set[str]:
    return {message.id for message in run_checks(**kwargs)}


def test_installed_exiftool_passes():
    assert not check_ids() & {"assets.E001", "assets.E002"}


@override_settings(DAM_EXIFTOOL="/nonexistent/exiftool")
def test_missing_exiftool_is_reported_with_how_to_install():
    [message] = [m for m in run_checks() if m.id == "assets.E001"]
    assert "not installed" in message.msg and "libimage-exiftool-perl" in message.hint


def test_old_exiftool_is_reported(tmp_path):
    fake = tmp_path / "exiftool"
    fake.write_text("#!/bin/sh\necho 10.80\n")
    fake.chmod(0o755)
    with override_settings(DAM_EXIFTOOL=str(fake)):
        [message] = [m for m in run_checks() if m.id == "assets.E002"]
    assert "10.80 is too old" in message.msg
