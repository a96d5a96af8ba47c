"""Small files made in the tests, like the public ones write-back once changed: each shaped by hand."""

from __future__ import annotations

import hashlib
import struct
import subprocess
from pathlib import Path

from mutagen.flac import FLAC
from mutagen.id3 import ID3, TIT2, TPE1, TXXX, TYER
from PIL import Image

from tests.conftest import FIXTURES_DIR

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
LATIN_HEADLINE = "l'Affiche présentait étaient"
LATIN_CAPTION = "Grüße aus München"


def exiftool(*args) -> None:
    subprocess.run(["exiftool", "-q", "-m", "-overwrite_original", *map(str, args)], check=True)


def bare_jpeg(folder: Path, name: str) -> Path:
    """The sample JPEG's pixels without any metadata."""
    path = folder / name
    subprocess.run(
        ["exiftool", "-q", "-all=", "-o", str(path), str(FIXTURES_DIR / "images" / "sample.jpg")], check=True
    )
    return path


def latin1_iim_jpeg(folder: Path, declared: str | None = None) -> Path:
    """A JPEG whose IIM is Latin-1, with no CodedCharacterSet (or ``declared``, an ISO 2022 escape)."""
    path = bare_jpeg(folder, "latin1.jpg")
    exiftool(
        "-charset",
        "iptc=Latin1",
        f"-IPTC:Headline={LATIN_HEADLINE}",
        f"-IPTC:Caption-Abstract={LATIN_CAPTION}",
        "-IPTC:ObjectName=Alt",
        "-IPTC:Keywords=Käse",
        path,
    )
    if declared is not None:
        exiftool("-n", f"-IPTC:CodedCharacterSet={declared}", path)
    return path


def app1(payload: bytes) -> bytes:
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def xmp_packet(body: str, namespaces: str = "") -> bytes:
    return (
        "<?xpacket begin='\ufeff' id='W5M0MpCehiHzreSzNTczkc9d'?><x:xmpmeta xmlns:x='adobe:ns:meta/'>"
        f"<rdf:RDF xmlns:rdf='{RDF}'><rdf:Description rdf:about='' {namespaces}>{body}</rdf:Description>"
        "</rdf:RDF></x:xmpmeta><?xpacket end='w'?>"
    ).encode()


MICROSOFT = "xmlns:MicrosoftPhoto='http://ns.microsoft.com/photo/1.0/'"


def jpeg_with_segments(folder: Path, name: str, *segments: bytes) -> Path:
    data = bare_jpeg(folder, f"bare-{name}").read_bytes()
    path = folder / name
    path.write_bytes(data[:2] + b"".join(segments) + data[2:])
    return path


def rating_list_jpeg(folder: Path) -> Path:
    """RatingPercent as a list: a Bag in the main packet and a second value in a second XMP segment."""
    header = b"http://ns.adobe.com/xap/1.0/\x00"
    bag = (
        "<MicrosoftPhoto:RatingPercent><rdf:Bag><rdf:li>63</rdf:li><rdf:li>75</rdf:li></rdf:Bag>"
        "</MicrosoftPhoto:RatingPercent>"
    )
    second = "<MicrosoftPhoto:RatingPercent>88</MicrosoftPhoto:RatingPercent>"
    return jpeg_with_segments(
        folder, "rating.jpg", app1(header + xmp_packet(bag, MICROSOFT)), app1(header + xmp_packet(second, MICROSOFT))
    )


def extended_xmp_jpeg(folder: Path) -> tuple[Path, bytes]:
    """A Google-style JPEG: main XMP with HasExtendedXMP, and the extension in its own segment."""
    google = "xmlns:GImage='http://ns.google.com/photos/1.0/image/'"
    extension = (
        "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='" + RDF + "'>"
        f"<rdf:Description rdf:about='' {google}><GImage:Data>QUJDREVGR0g=</GImage:Data></rdf:Description>"
        "</rdf:RDF></x:xmpmeta>"
    ).encode()
    guid = hashlib.md5(extension).hexdigest().upper()
    main = xmp_packet(
        f"<xmpNote:HasExtendedXMP>{guid}</xmpNote:HasExtendedXMP><GImage:Mime>image/jpeg</GImage:Mime>",
        f"xmlns:xmpNote='http://ns.adobe.com/xmp/note/' {google}",
    )
    segment = app1(
        b"http://ns.adobe.com/xmp/extension/\x00" + guid.encode() + struct.pack(">II", len(extension), 0) + extension
    )
    path = jpeg_with_segments(folder, "google.jpg", app1(b"http://ns.adobe.com/xap/1.0/\x00" + main), segment)
    return path, segment


def second_iim_jpeg(folder: Path) -> Path:
    """A JPEG with its IIM in APP13 and a copy inside EXIF IFD0 (ExifTool's IPTC2)."""
    path = latin1_iim_jpeg(folder)
    block = folder / "iim.bin"
    block.write_bytes(subprocess.run(["exiftool", "-b", "-IPTC", str(path)], capture_output=True, check=True).stdout)
    exiftool(f"-IFD0:IPTC-NAA<={block}", "-IFD0:Copyright=Old copyright", path)
    return path


def thumbnail_jpeg(folder: Path) -> Path:
    """A camera-like JPEG: EXIF with a thumbnail in IFD1, which lies after the tags that grow."""
    thumbnail = folder / "thumbnail.jpg"
    Image.new("RGB", (16, 12), (200, 40, 40)).save(thumbnail, "JPEG")
    path = bare_jpeg(folder, "thumbnail-exif.jpg")
    exiftool(
        "-IFD0:Make=Camera", "-ExifIFD:DateTimeOriginal=2024:05:17 14:30:00", f"-ThumbnailImage<={thumbnail}", path
    )
    return path


def multipage_tiff(folder: Path) -> Path:
    """A TIFF of three pages: the later pages' strips lie after IFD0's tags."""
    path = folder / "pages.tiff"
    pages = [Image.new("RGB", (32, 24), colour) for colour in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    pages[0].save(path, save_all=True, append_images=pages[1:])
    return path


def iim_without_envelope_version_jpeg(folder: Path) -> Path:
    """IIM that declares UTF-8 in record 1 but lacks record 1's first dataset, as some writers leave it."""
    path = bare_jpeg(folder, "no-envelope-version.jpg")
    exiftool("-IPTC:CodedCharacterSet=UTF8", "-IPTC:Headline=Kept as it was", path)
    exiftool("-IPTC:EnvelopeRecordVersion=", path)
    return path


# --- Audio -----------------------------------------------------------------------------------


def mpeg_frames() -> bytes:
    """The MPEG audio of a fixture without its tags (ID3v1 is the last 128 bytes)."""
    data = (FIXTURES_DIR / "audio" / "tone-id3v1.mp3").read_bytes()
    return data[:-128]


def id3v1(title: str, artist: str, album: str, year: str, comment: str, track: int, genre: int) -> bytes:
    def text(value: str, width: int) -> bytes:
        return value.encode("latin-1")[:width].ljust(width, b"\x00")

    return (
        b"TAG"
        + text(title, 30)
        + text(artist, 30)
        + text(album, 30)
        + text(year, 4)
        + text(comment, 28)
        + bytes([0, track, genre])
    )


V1 = id3v1("Old v1 title", "V1 Artist", "V1 Album", "1999", "v1 comment", 5, 17)


def id3v1_only_mp3(folder: Path) -> Path:
    path = folder / "v1-only.mp3"
    path.write_bytes(mpeg_frames() + V1)
    return path


def id3v1_and_v2_mp3(folder: Path) -> Path:
    path = folder / "v1-v2.mp3"
    path.write_bytes(mpeg_frames() + V1)
    tags = ID3()
    tags.add(TIT2(encoding=3, text=["v2 title"]))
    tags.save(path, v2_version=4, v1=1)
    path.write_bytes(path.read_bytes()[:-128] + V1)  # mutagen rewrote ID3v1 from v2: put the original back
    return path


def id3v23_two_artists_mp3(folder: Path) -> Path:
    """ID3v2.3 with TPE1 "Sam Tester/Zoë Speaker" (v2.3 separates values with "/") and a TYER year."""
    path = folder / "v23.mp3"
    path.write_bytes(mpeg_frames())
    tags = ID3()
    tags.add(TIT2(encoding=1, text=["v2.3 title"]))
    tags.add(TPE1(encoding=1, text=["Sam Tester", "Zoë Speaker"]))
    tags.add(TYER(encoding=1, text=["2019"]))
    tags.add(TXXX(encoding=1, desc="MusicBrainz Album Id", text=["e7c6d1f6-0000-4000-8000-000000000001"]))
    tags.save(path, v2_version=3, v23_sep="/")
    return path


def synchsafe(size: int) -> bytes:
    return bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])


def id3v22_mp3(folder: Path) -> Path:
    """An ID3v2.2 tag (three-letter frame IDs, three-byte sizes), written by hand: mutagen cannot."""
    body = b""
    for frame_id, text in {"TT2": "Old iTunes rip", "TP1": "Vintage Band", "TAL": "First Album", "TYE": "1998"}.items():
        payload = b"\x00" + text.encode("latin-1")
        body += frame_id.encode() + struct.pack(">I", len(payload))[1:] + payload
    path = folder / "v22.mp3"
    path.write_bytes(b"ID3\x02\x00\x00" + synchsafe(len(body)) + body + mpeg_frames())
    return path


def empty_frames_mp3(folder: Path) -> Path:
    """ID3v2.3 with a title and empty composer and encoder frames, as some encoders leave them."""
    body = b""
    for frame_id, payload in {"TIT2": b"\x00Old title", "TCOM": b"\x00", "TENC": b"\x00"}.items():
        body += frame_id.encode() + struct.pack(">I", len(payload)) + b"\x00\x00" + payload
    path = folder / "empty-frames.mp3"
    path.write_bytes(b"ID3\x03\x00\x00" + synchsafe(len(body)) + body + mpeg_frames())
    return path


def flac_without_comments(folder: Path) -> Path:
    """The FLAC fixture with no Vorbis comment block at all."""
    path = folder / "no-comments.flac"
    path.write_bytes((FIXTURES_DIR / "audio" / "tone.flac").read_bytes())
    FLAC(path).delete()
    return path


def m4a_without_metadata_box(folder: Path) -> Path:
    """The M4A fixture without its udta box (so no metadata box and no handler for one)."""
    data = (FIXTURES_DIR / "audio" / "tone.m4a").read_bytes()
    moov = data.index(b"moov") - 4
    moov_size = struct.unpack(">I", data[moov : moov + 4])[0]
    udta = data.index(b"udta", moov) - 4
    udta_size = struct.unpack(">I", data[udta : udta + 4])[0]
    assert udta + udta_size <= moov + moov_size and moov > data.index(b"mdat")  # chunk offsets stay valid
    data = data[:moov] + struct.pack(">I", moov_size - udta_size) + data[moov + 4 : udta] + data[udta + udta_size :]
    path = folder / "no-metadata-box.m4a"
    path.write_bytes(data)
    return path


def three_gpp2(folder: Path) -> Path:
    """The M4A fixture as a 3GPP2 file, the brands a phone writes (the ftyp box keeps its size)."""
    data = (FIXTURES_DIR / "audio" / "tone.m4a").read_bytes()
    assert data[4:8] == b"ftyp" and data[:4] == (28).to_bytes(4, "big")
    path = folder / "phone.3g2"
    path.write_bytes(data[:8] + b"3g2a" + bytes(4) + b"kddi3g2a" + b"3g2b" + data[28:])
    return path


def wavpack_with_wav_header(folder: Path) -> Path:
    """The WavPack fixture with the original WAV header stored in its first block, as the wavpack
    tool writes it (FFmpeg does not): ExifTool then reads the file's header, and still no tags."""
    data = bytearray((FIXTURES_DIR / "audio" / "tone.wv").read_bytes())
    assert data[:4] == b"wvpk"
    samples, channels, rate = struct.unpack_from("<I", data, 12)[0], 2, 22050
    size = samples * channels * 2
    header = b"RIFF" + struct.pack("<I", 36 + size) + b"WAVEfmt "
    header += struct.pack("<IHHIIHH", 16, 1, channels, rate, rate * channels * 2, channels * 2, 16)
    header += b"data" + struct.pack("<I", size)
    sub_block = bytes([0x21, len(header) // 2]) + header  # ID_RIFF_HEADER, its size in 16-bit words
    data[32:32] = sub_block  # after the 32-byte block header
    struct.pack_into("<I", data, 4, struct.unpack_from("<I", data, 4)[0] + len(sub_block))
    path = folder / "with-wav-header.wv"
    path.write_bytes(bytes(data))
    return path
