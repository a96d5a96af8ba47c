"""Image write-back on files shaped like the public ones it once changed (IIM charsets, XMP layouts)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageSequence

from assets.metadata.exiftool import exiftool_session
from assets.metadata.image import image_metadata
from assets.metadata.image_write import image_tags_write
from assets.metadata.writeback_verify import writeback_snapshot, writeback_verify
from assets.metadata.xmp_write import ImageWriteError
from tests.assets.metadata import files

EDIT = {"title": "Titre édité", "keywords": ["un", "deux"], "copyright_notice": "© Ä"}


def tags(path: Path) -> dict:
    return exiftool_session().read([path])[str(path)]


def dump(path: Path, *names: str) -> dict:
    output = subprocess.run(["exiftool", "-j", "-a", "-G1:4", "-n", *names, str(path)], capture_output=True, check=True)
    record = json.loads(output.stdout)[0]
    record.pop("SourceFile")
    return record


def write(path: Path, changes: dict) -> list[str]:
    before = writeback_snapshot(path)
    image_tags_write(path, changes, changes, tags(path))
    return writeback_verify(before, path, "image", changes)


# --- IIM character set -----------------------------------------------------------------------


def test_latin1_iim_stays_latin1_and_unedited_values_keep_their_bytes(tmp_path):
    path = files.latin1_iim_jpeg(tmp_path)

    assert write(path, EDIT) == []

    iim = dump(path, "-IPTC:all")
    assert "IPTC:CodedCharacterSet" not in iim and "IPTC:EnvelopeRecordVersion" not in iim
    assert iim["IPTC:Headline"] == files.LATIN_HEADLINE and iim["IPTC:Caption-Abstract"] == files.LATIN_CAPTION
    assert iim["IPTC:ObjectName"] == "Titre édité" and iim["IPTC:CopyrightNotice"] == "© Ä"
    data = path.read_bytes()
    assert files.LATIN_HEADLINE.encode("latin-1") in data and "Titre édité".encode("latin-1") in data
    assert files.LATIN_HEADLINE.encode("utf-8") not in data


def test_an_edit_latin1_cannot_hold_re_encodes_every_iim_value(tmp_path):
    path = files.latin1_iim_jpeg(tmp_path)

    assert write(path, {"title": "東京 at night"}) == []

    iim = dump(path, "-IPTC:all")
    assert iim["IPTC:CodedCharacterSet"] == "\x1b%G"
    assert (iim["IPTC:ObjectName"], iim["IPTC:Headline"]) == ("東京 at night", files.LATIN_HEADLINE)
    assert (iim["IPTC:Caption-Abstract"], iim["IPTC:Keywords"]) == (files.LATIN_CAPTION, "Käse")
    assert files.LATIN_HEADLINE.encode("utf-8") in path.read_bytes()


def test_declared_iso_8859_1_is_kept(tmp_path):
    path = files.latin1_iim_jpeg(tmp_path, declared="\x1b-A")

    assert write(path, EDIT) == []

    iim = dump(path, "-IPTC:all")
    assert iim["IPTC:CodedCharacterSet"] == "\x1b-A"
    assert (iim["IPTC:Headline"], iim["IPTC:ObjectName"]) == (files.LATIN_HEADLINE, "Titre édité")


def test_iim_in_a_character_set_dam_cannot_write_is_refused(tmp_path):
    path = files.latin1_iim_jpeg(tmp_path, declared="\x1b-L")  # ISO 8859-5, Cyrillic
    original = path.read_bytes()

    with pytest.raises(ImageWriteError, match="declares the character set"):
        image_tags_write(path, {"title": "x"}, {"title": "x"}, tags(path))
    assert path.read_bytes() == original
    image_tags_write(path, {"alt_text": "XMP only"}, {"alt_text": "XMP only"}, tags(path))  # IIM not touched
    assert image_metadata(tags(path)).values["alt_text"] == "XMP only"


def test_a_switch_to_utf8_that_left_latin1_bytes_behind_is_reported(tmp_path):
    # What write-back once did: CodedCharacterSet set to UTF-8, the other values left in Latin-1.
    path = files.latin1_iim_jpeg(tmp_path)
    before = writeback_snapshot(path)
    files.exiftool("-n", "-charset", "iptc=UTF8", "-IPTC:CodedCharacterSet=\x1b%G", "-IPTC:ObjectName=New", path)

    problems = writeback_verify(before, path, "image", {"title": "New"})

    assert any(problem.startswith("IPTC:Headline changed") for problem in problems)


def test_files_without_iim_get_none(tmp_path):
    path = files.bare_jpeg(tmp_path, "no-iim.jpg")

    assert write(path, EDIT) == []

    assert not [key for key in dump(path) if key.startswith("IPTC")]


def test_a_second_iim_block_is_left_as_it_was(tmp_path):
    path = files.second_iim_jpeg(tmp_path)
    second = {key: value for key, value in dump(path).items() if key.startswith("IPTC2:")}
    assert second

    assert write(path, EDIT) == []  # EDIT rewrites IFD0 (Copyright), where the second block lives

    after = dump(path)
    assert {key: value for key, value in after.items() if key.startswith("IPTC2:")} == second
    assert after["IPTC:ObjectName"] == "Titre édité"


# --- XMP -------------------------------------------------------------------------------------


def test_list_valued_rating_percent_and_a_second_xmp_segment_survive(tmp_path):
    path = files.rating_list_jpeg(tmp_path)
    ratings = {key: value for key, value in dump(path).items() if "RatingPercent" in key}
    assert ratings == {"XMP-microsoft:RatingPercent": [63, 75], "XMP-microsoft:Copy1:RatingPercent": 88}

    assert write(path, EDIT) == []

    assert {key: value for key, value in dump(path).items() if "RatingPercent" in key} == ratings


def test_extended_xmp_and_has_extended_xmp_survive(tmp_path):
    path, extension = files.extended_xmp_jpeg(tmp_path)
    before = dump(path, "-XMP:all")
    assert "XMP-xmpNote:HasExtendedXMP" in before

    assert write(path, EDIT) == []

    after = dump(path, "-XMP:all")
    assert extension in path.read_bytes()  # the extension segment, byte for byte
    assert after["XMP-xmpNote:HasExtendedXMP"] == before["XMP-xmpNote:HasExtendedXMP"]
    assert after["XMP-GImage:ImageData"] == before["XMP-GImage:ImageData"]
    assert (after["XMP-dc:Title"], after["XMP-dc:Subject"]) == ("Titre édité", ["un", "deux"])


def test_unedited_xmp_keeps_its_toolkit_and_language_alternatives(media_copy):
    path = media_copy("images/sample.jpg")
    files.exiftool("-XMP-dc:Title-de=Segel", "-XMP-dc:Rights-fr=Droits", path)
    toolkit = dump(path)["XMP-x:XMPToolkit"]

    assert write(path, EDIT) == []

    after = dump(path, "-XMP:all")
    assert after["XMP-x:XMPToolkit"] == toolkit
    assert (after["XMP-dc:Title-de"], after["XMP-dc:Rights-fr"]) == ("Segel", "Droits")


@pytest.mark.parametrize("name", ["images/sample.png", "images/sample.tiff", "images/sample.webp"])
def test_other_formats_keep_unedited_xmp(media_copy, name):
    path = media_copy(name)
    files.exiftool("-XMP-microsoft:RatingPercent=63", path)
    before = dump(path, "-XMP:all")

    assert write(path, EDIT) == []

    after = dump(path, "-XMP:all")
    assert after["XMP-microsoft:RatingPercent"] == 63 and after["XMP-x:XMPToolkit"] == before["XMP-x:XMPToolkit"]


def test_a_file_without_xmp_gets_a_packet(tmp_path):
    path = files.bare_jpeg(tmp_path, "bare.jpg")

    assert write(path, {"title": "First title", "alt_text": "A sail"}) == []

    values = image_metadata(tags(path)).values
    assert (values["title"], values["alt_text"]) == ("First title", "A sail")


# --- Layout that moves, and room a format needs for XMP ----------------------------------------


def test_an_exif_thumbnail_moves_and_stays_the_same(tmp_path):
    path = files.thumbnail_jpeg(tmp_path)
    before = dump(path, "-b", "-ThumbnailImage")

    assert write(path, EDIT) == []

    assert dump(path, "-b", "-ThumbnailImage") == before


def test_the_later_pages_of_a_tiff_move_and_keep_their_pixels(tmp_path):
    path = files.multipage_tiff(tmp_path)
    with Image.open(path) as image:
        pages = [frame.tobytes() for frame in ImageSequence.Iterator(image)]

    assert write(path, EDIT) == []

    with Image.open(path) as image:
        assert [frame.tobytes() for frame in ImageSequence.Iterator(image)] == pages


def test_a_gif87a_becomes_gif89a_to_hold_xmp(tmp_path):
    path = tmp_path / "old.gif"
    Image.new("P", (16, 16), 3).save(path)
    assert path.read_bytes()[:6] == b"GIF87a"

    assert write(path, EDIT) == []

    assert path.read_bytes()[:6] == b"GIF89a" and image_metadata(tags(path)).values["title"] == EDIT["title"]


def test_a_simple_webp_becomes_an_extended_one_to_hold_xmp(tmp_path):
    path = tmp_path / "simple.webp"
    Image.new("RGB", (40, 30), (10, 120, 200)).save(path, "WEBP")
    assert b"VP8X" not in path.read_bytes()[:64]

    assert write(path, EDIT) == []

    assert image_metadata(tags(path)).values["title"] == EDIT["title"]


def test_iim_without_its_envelope_version_gets_it(tmp_path):
    path = files.iim_without_envelope_version_jpeg(tmp_path)

    assert write(path, EDIT) == []

    iim = dump(path, "-IPTC:all")
    assert iim["IPTC:Headline"] == "Kept as it was" and iim["IPTC:ObjectName"] == EDIT["title"]


def test_a_jpeg_whose_xmp_packet_is_empty_takes_the_edit(tmp_path):
    packet = b"<?xpacket begin='\xef\xbb\xbf' id='W5M0MpCehiHzreSzNTczkc9d'?><x:xmpmeta xmlns:x='adobe:ns:meta/'/>"
    path = files.jpeg_with_segments(
        tmp_path, "empty-xmp.jpg", files.app1(b"http://ns.adobe.com/xap/1.0/\x00" + packet + b"<?xpacket end='w'?>")
    )

    assert write(path, EDIT) == []

    assert image_metadata(tags(path)).values["title"] == EDIT["title"]
