"""What C decoders print on the process's stderr stays off the terminal and goes to the log."""

import logging

from assets.decoding.sound import native_stderr_quieted, sound_check, sound_samples
from assets.detection import detect_format
from tests.conftest import FIXTURES_DIR


def test_libmpg123s_id3_complaint_goes_to_the_log_not_the_terminal(capfd, caplog):
    path = FIXTURES_DIR / "broken" / "broken-id3.mp3"
    media_format = detect_format(path.read_bytes()[:4096], path.name)
    with caplog.at_level(logging.DEBUG, logger="assets.decoding.sound"):
        check = sound_check(path, media_format, max_seconds=3600)
        samples, rate = sound_samples(path)
    assert check.decoded_frames > 0 and len(samples) > 0 and rate == 22050
    assert "Whoa" not in capfd.readouterr().err
    assert "Whoa! ID3v2 frame claims" in caplog.text and "broken-id3.mp3" in caplog.text


def test_stderr_works_again_afterwards(capfd):
    import os

    with native_stderr_quieted(FIXTURES_DIR / "x"):
        os.write(2, b"hidden\n")
    os.write(2, b"shown\n")
    err = capfd.readouterr().err
    assert "shown" in err and "hidden" not in err
