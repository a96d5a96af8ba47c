"""Types from content: the formats a library holds, and the ones named when refused."""

import pytest

from assets.detection import HEAD_BYTES, describe_unsupported, detect_format
from tests.conftest import FIXTURES_DIR


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("images/animated.gif", "gif"),
        ("images/sample.bmp", "bmp"),
        ("images/sample.psd", "psd"),
        ("images/sample.psb", "psb"),
        ("images/sample.avif", "avif"),
        ("images/stereo.mpo", "jpeg"),
        ("images/sample.dng", "dng"),
        ("images/preview-only.cr2", "cr2"),
        ("images/sample.tiff", "tiff"),
        ("audio/tone.wma", "asf"),
        ("audio/tone.wv", "wavpack"),
        ("audio/tone.tta", "tta"),
        ("audio/tone.aac", "aac"),
        ("audio/tone-id3v23.mp3", "mp3"),
    ],
)
def test_fixture_types_come_from_content(name, key):
    head = (FIXTURES_DIR / name).read_bytes()[:HEAD_BYTES]
    assert detect_format(head, "renamed.bin").key == key


def test_a_tiff_named_nef_or_arw_is_that_raw_and_otherwise_a_tiff():
    head = (FIXTURES_DIR / "images" / "sample.tiff").read_bytes()[:HEAD_BYTES]
    assert detect_format(head, "DSC_0001.NEF").key == "nef"
    assert detect_format(head, "DSC_0001.arw").key == "arw"
    assert detect_format(head, "scan.tif").key == "tiff"


def test_streams_behind_an_id3_tag_are_what_follows_it():
    tta = (FIXTURES_DIR / "audio" / "tone.tta").read_bytes()
    assert tta.startswith(b"ID3")  # mutagen put its tag in front
    aac = (FIXTURES_DIR / "audio" / "tone.aac").read_bytes()
    id3 = b"ID3\x04\x00\x00\x00\x00\x00\x0a" + b"\x00" * 10
    assert detect_format(id3 + aac[:4096]).key == "aac"


def test_unsupported_images_are_named():
    assert "JPEG XL" in describe_unsupported(b"\xff\x0a\xfa\x7f")
    assert "JPEG XL" in describe_unsupported(b"\x00\x00\x00\x0cJXL \r\n\x87\n")
    assert detect_format(b"BMx\x00\x00\x00\x01\x02\x03\x04" + b"\x00" * 40) is None  # "BM" alone is not a BMP


def test_an_ogg_video_with_a_vorbis_sound_track_is_named_as_video():
    # Two first pages, as a film's Ogg file starts: a Theora stream and its Vorbis sound track.
    page = b"OggS\x00\x02" + bytes(20) + b"\x01"
    head = page + b"\x2a\x80theora" + bytes(35) + page + b"\x1e\x01vorbis" + bytes(23)

    assert detect_format(head, "film.ogg") is None
    assert describe_unsupported(head) == "the file is an Ogg video (Theora), not a supported image or audio file"


def test_mpeg_audio_needs_a_second_frame_where_the_first_one_ends():
    stream = (FIXTURES_DIR / "audio" / "tone-id3v1.mp3").read_bytes()  # frames from the first byte
    assert stream[:2] == b"\xff\xf3"
    assert detect_format(stream[:HEAD_BYTES], "renamed.bin").key == "mp3"
    assert detect_format(stream[:200]).key == "mp3"  # too short to hold the second frame: the first decides
    # A fuzzed FLI animation from Pillow's test files starts with a valid-looking MPEG 2.5 header.
    fli = bytes.fromhex("fffee3a211af0a0000100010ff000000000000000000") + bytes(range(256)) * 8
    assert detect_format(fli) is None
    assert describe_unsupported(fli).startswith("the file's content is not a supported image or audio format")


def test_an_fli_animation_is_named_though_it_starts_like_mpeg_audio():
    # Pillow's fuzzed fli_oob/04r/others/04r01.fli starts with MPEG frame sync that a second frame
    # header confirms; made here from MPEG frames given FLI's magic and its first frame chunk.
    head = bytearray((FIXTURES_DIR / "audio" / "tone-id3v1.mp3").read_bytes()[:HEAD_BYTES])
    assert detect_format(bytes(head)).key == "mp3"
    head[4:6], head[132:134] = b"\x11\xaf", b"\xfa\xf1"
    assert detect_format(bytes(head)) is None
    assert describe_unsupported(bytes(head)) == (
        "the file is an FLI/FLC animation (Autodesk Animator), not a supported image or audio file"
    )
