"""File type detection from content (magic numbers), never from the file name."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass

from assets.models import Kind

HEAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class MediaFormat:
    key: str
    label: str
    kind: str
    mime_type: str
    extensions: tuple[str, ...]  # the first is the one dam stores the file under
    # Camera raw: read by ExifTool, pictured from its embedded preview, never written (a sidecar is).
    raw: bool = False

    @property
    def extension(self) -> str:
        return self.extensions[0]


FORMATS = {
    f.key: f
    for f in (
        MediaFormat("jpeg", "JPEG image", Kind.IMAGE, "image/jpeg", ("jpg", "jpeg", "jpe", "mpo")),
        MediaFormat("png", "PNG image", Kind.IMAGE, "image/png", ("png",)),
        MediaFormat("tiff", "TIFF image", Kind.IMAGE, "image/tiff", ("tif", "tiff")),
        # Stored as .btf, so a stored version is told from a TIFF: ExifTool cannot write BigTIFF.
        MediaFormat("bigtiff", "BigTIFF image", Kind.IMAGE, "image/tiff", ("btf", "tif", "tiff", "tf8")),
        MediaFormat("webp", "WebP image", Kind.IMAGE, "image/webp", ("webp",)),
        MediaFormat("heic", "HEIC image", Kind.IMAGE, "image/heic", ("heic", "heif", "hif")),
        MediaFormat("gif", "GIF image", Kind.IMAGE, "image/gif", ("gif",)),
        MediaFormat("bmp", "BMP image", Kind.IMAGE, "image/bmp", ("bmp", "dib")),
        MediaFormat("psd", "Photoshop document", Kind.IMAGE, "image/vnd.adobe.photoshop", ("psd",)),
        MediaFormat("psb", "Photoshop large document", Kind.IMAGE, "image/vnd.adobe.photoshop", ("psb",)),
        MediaFormat("avif", "AVIF image", Kind.IMAGE, "image/avif", ("avif",)),
        MediaFormat("dng", "DNG raw image", Kind.IMAGE, "image/x-adobe-dng", ("dng",), raw=True),
        MediaFormat("cr2", "Canon CR2 raw image", Kind.IMAGE, "image/x-canon-cr2", ("cr2",), raw=True),
        MediaFormat("cr3", "Canon CR3 raw image", Kind.IMAGE, "image/x-canon-cr3", ("cr3",), raw=True),
        MediaFormat("nef", "Nikon NEF raw image", Kind.IMAGE, "image/x-nikon-nef", ("nef", "nrw"), raw=True),
        MediaFormat("arw", "Sony ARW raw image", Kind.IMAGE, "image/x-sony-arw", ("arw", "srf", "sr2"), raw=True),
        MediaFormat("orf", "Olympus ORF raw image", Kind.IMAGE, "image/x-olympus-orf", ("orf",), raw=True),
        MediaFormat("rw2", "Panasonic RW2 raw image", Kind.IMAGE, "image/x-panasonic-rw2", ("rw2", "raw"), raw=True),
        MediaFormat("raf", "Fujifilm RAF raw image", Kind.IMAGE, "image/x-fuji-raf", ("raf",), raw=True),
        MediaFormat("mp3", "MP3 audio", Kind.AUDIO, "audio/mpeg", ("mp3",)),
        MediaFormat("flac", "FLAC audio", Kind.AUDIO, "audio/flac", ("flac",)),
        MediaFormat("ogg_vorbis", "Ogg Vorbis audio", Kind.AUDIO, "audio/ogg", ("ogg", "oga")),
        MediaFormat("ogg_opus", "Ogg Opus audio", Kind.AUDIO, "audio/ogg; codecs=opus", ("opus", "ogg", "oga")),
        MediaFormat("wav", "WAV audio", Kind.AUDIO, "audio/wav", ("wav", "wave")),
        MediaFormat("aiff", "AIFF audio", Kind.AUDIO, "audio/aiff", ("aiff", "aif", "aifc")),
        MediaFormat("m4a", "MPEG-4 audio", Kind.AUDIO, "audio/mp4", ("m4a", "mp4", "m4b", "3gp", "3g2")),
        MediaFormat("asf", "Windows Media audio", Kind.AUDIO, "audio/x-ms-wma", ("wma", "asf")),
        MediaFormat("ape", "Monkey's Audio", Kind.AUDIO, "audio/x-ape", ("ape",)),
        MediaFormat("wavpack", "WavPack audio", Kind.AUDIO, "audio/x-wavpack", ("wv",)),
        MediaFormat("musepack", "Musepack audio", Kind.AUDIO, "audio/x-musepack", ("mpc", "mp+", "mpp")),
        MediaFormat("tta", "True Audio", Kind.AUDIO, "audio/x-tta", ("tta",)),
        MediaFormat("aac", "AAC audio (ADTS)", Kind.AUDIO, "audio/aac", ("aac", "adts")),
    )
}

_SIDECAR = (
    "an XMP sidecar, which holds metadata for a media file: ingest the folder that holds both "
    "(IMG_0001.xmp or IMG_0001.CR2.xmp beside IMG_0001.CR2)"
)
# Formats people send by mistake, named so the error says what the file really is.
_NOT_MEDIA = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"\xff\x0a", "a JPEG XL image (not supported: Pillow cannot read it; convert it to PNG or JPEG)"),
    (b"\x00\x00\x00\x0cJXL ", "a JPEG XL image (not supported: Pillow cannot read it; convert it to PNG or JPEG)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x7fELF", "a program (ELF executable)"),
    (b"<?xpacket", _SIDECAR),
    (b"<x:xmpmeta", _SIDECAR),
    (b"<?xml", "an XML document"),
    (b"<!DOCTYPE", "an HTML page"),
    (b"<html", "an HTML page"),
)

_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_M4A_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"mp41", b"mp42", b"isom", b"iso2", b"dash", b"f4a "}
# 3GPP and 3GPP2 (phones' recordings): the same boxes, AAC or AMR inside.
_M4A_BRANDS |= {b"3gp4", b"3gp5", b"3gp6", b"3gp7", b"3g2a", b"3g2b", b"3g2c"}
_AVIF_BRANDS = {b"avif", b"avis"}
_OGG_VIDEO = b"\x80theora"  # the first header packet of a Theora stream
_ASF_GUID = bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c")
_DNG_VERSION_TAG = 50706
# TIFF-structured raw files that only their maker's tags tell apart: dam goes by the name's extension.
_TIFF_RAW_BY_EXTENSION = {"nef": "nef", "nrw": "nef", "arw": "arw", "srf": "arw", "sr2": "arw", "dng": "dng"}


def detect_format(head: bytes, name: str = "") -> MediaFormat | None:
    """The media format of a file whose first bytes are ``head``, or None if not supported.
    Content decides; ``name`` (the file's name) only tells apart raw formats whose content is a
    plain TIFF (NEF, ARW), which only their makers' tags distinguish."""
    if head.startswith(b"\xff\xd8\xff"):
        return FORMATS["jpeg"]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FORMATS["png"]
    if head[:4] in (b"IIRO", b"IIRS", b"MMOR"):
        return FORMATS["orf"]
    if head[:4] == b"IIU\x00":
        return FORMATS["rw2"]
    if head.startswith(b"FUJIFILMCCD-RAW"):
        return FORMATS["raf"]
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return _tiff_family(head, name)
    if head[:4] in (b"II+\x00", b"MM\x00+"):  # BigTIFF: 64-bit offsets, for files over 4 GB
        return FORMATS["bigtiff"]
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return FORMATS["webp"]
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return FORMATS["wav"]
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return FORMATS["aiff"]
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return FORMATS["gif"]
    if head[:2] == b"BM" and len(head) >= 26 and head[6:10] == b"\x00\x00\x00\x00":
        return FORMATS["bmp"]  # (reserved bytes are zero: not just any file starting "BM")
    if head[:6] == b"8BPS\x00\x01":
        return FORMATS["psd"]
    if head[:6] == b"8BPS\x00\x02":
        return FORMATS["psb"]
    if head.startswith(b"fLaC"):
        return FORMATS["flac"]
    if head.startswith(b"OggS"):
        if _OGG_VIDEO in head[:512]:  # a film's sound track is not an audio file dam can tag
            return None
        if b"OpusHead" in head[:512]:
            return FORMATS["ogg_opus"]
        if b"\x01vorbis" in head[:512]:
            return FORMATS["ogg_vorbis"]
        return None
    if head[4:8] == b"ftyp":
        brands = {head[i : i + 4] for i in range(8, min(len(head), 8 + 4 * 8), 4)}
        if b"crx " in brands:
            return FORMATS["cr3"]
        if brands & _AVIF_BRANDS:
            return FORMATS["avif"]
        if brands & _HEIC_BRANDS:
            return FORMATS["heic"]
        if brands & _M4A_BRANDS:
            return FORMATS["m4a"]
        return None
    if head.startswith(_ASF_GUID):
        return FORMATS["asf"]
    if head.startswith(b"MAC "):
        return FORMATS["ape"]
    if head.startswith(b"wvpk"):
        return FORMATS["wavpack"]
    if head.startswith((b"MPCK", b"MP+")):
        return FORMATS["musepack"]
    if head.startswith(b"TTA1"):
        return FORMATS["tta"]
    if head.startswith(b"ID3"):
        # ID3v2 stands in front of MP3 mostly, but also of TTA, APE and ADTS streams: look behind it.
        behind = detect_format(head[_id3_length(head) :]) if len(head) > _id3_length(head) + 4 else None
        return behind if behind is not None and behind.kind == Kind.AUDIO else FORMATS["mp3"]
    if _looks_like_fli(head):  # before MPEG audio: an FLI can start with frame sync by chance
        return None
    if _looks_like_adts(head):
        return FORMATS["aac"]
    if _looks_like_mpeg_audio(head):
        return FORMATS["mp3"]
    return None


def _looks_like_fli(head: bytes) -> bool:
    """An Autodesk FLI/FLC animation: its magic at offset 4 and its first chunk's (a frame, or a
    prefix chunk) right after the 128-byte header; together, a chance of 2**-31 in an MP3."""
    return head[4:6] in (b"\x11\xaf", b"\x12\xaf") and head[132:134] in (b"\xfa\xf1", b"\x00\xf1")


def _id3_length(head: bytes) -> int:
    size = head[6:10]
    length = 10 + ((size[0] << 21) | (size[1] << 14) | (size[2] << 7) | size[3]) if len(size) == 4 else 10
    return length + 10 if len(head) > 5 and head[5] & 0x10 else length  # a footer follows


def _tiff_family(head: bytes, name: str) -> MediaFormat:
    if head[8:11] == b"CR\x02":
        return FORMATS["cr2"]
    if _DNG_VERSION_TAG in _ifd0_tags(head):
        return FORMATS["dng"]
    extension = os.path.splitext(name)[1].lower().lstrip(".")
    raw = _TIFF_RAW_BY_EXTENSION.get(extension)
    return FORMATS[raw] if raw and raw != "dng" else FORMATS["tiff"]


def _ifd0_tags(head: bytes) -> set[int]:
    """The tag numbers of a TIFF's first IFD, as far as ``head`` holds it."""
    order = "little" if head[:2] == b"II" else "big"
    offset = int.from_bytes(head[4:8], order)
    if offset + 2 > len(head):
        return set()
    count = int.from_bytes(head[offset : offset + 2], order)
    entries = head[offset + 2 : offset + 2 + 12 * count]
    return {int.from_bytes(entries[i : i + 2], order) for i in range(0, len(entries) - 1, 12)}


def _looks_like_adts(head: bytes) -> bool:
    """An ADTS header (AAC without a container): sync, layer 0, a valid rate, confirmed by the next frame."""
    if len(head) < 7 or head[0] != 0xFF or (head[1] & 0xF6) != 0xF0 or ((head[2] >> 2) & 0xF) > 12:
        return False
    length = ((head[3] & 0x3) << 11) | (head[4] << 3) | (head[5] >> 5)
    if length < 7:
        return False
    following = head[length : length + 2]
    return len(following) < 2 or (following[0] == 0xFF and (following[1] & 0xF6) == 0xF0)


def describe_unsupported(head: bytes) -> str:
    """A librarian-readable guess at what an unsupported file is."""
    if not head:
        return "the file is empty"
    stripped = head.lstrip()
    for magic, description in _NOT_MEDIA:
        if stripped[: len(magic)].lower() == magic.lower():
            if description == _SIDECAR or (magic == b"<?xml" and b"<x:xmpmeta" in stripped[:4096]):
                return f"the file is {_SIDECAR}, not an image or audio file"
            return f"the file is {description}, not a supported image or audio file"
    if head.startswith(b"OggS") and _OGG_VIDEO in head[:512]:
        return "the file is an Ogg video (Theora), not a supported image or audio file"
    if _looks_like_fli(head):
        return "the file is an FLI/FLC animation (Autodesk Animator), not a supported image or audio file"
    if _looks_like_text(head):
        return "the file is text, not a supported image or audio file"
    return (
        "the file's content is not a supported image or audio format "
        "(JPEG, PNG, TIFF, BigTIFF, WebP, HEIC, GIF, BMP, PSD, PSB, AVIF, camera raw, MP3, FLAC, Ogg, WAV, AIFF, M4A, "
        "WMA, APE, WavPack, Musepack, TTA, AAC)"
    )


def media_format_of(mime_type: str, storage_name: str) -> MediaFormat | None:
    """The format of a stored file version, from its MIME type and the extension dam stored it under."""
    extension = storage_name.rsplit(".", 1)[-1]
    for media_format in FORMATS.values():
        if media_format.mime_type == mime_type and extension in media_format.extensions:
            return media_format
    return None


def extension_mismatch(name: str, media_format: MediaFormat) -> str | None:
    """A warning when a file's name claims another type than its content, else None."""
    extension = os.path.splitext(name)[1].lower().lstrip(".")
    if not extension or extension in media_format.extensions:
        return None
    claimed = [f.label for f in FORMATS.values() if extension in f.extensions]
    claim = f"claims {claimed[0]}" if claimed else f"has the unexpected extension .{extension}"
    return f"the name {name!r} {claim}, but the content is {media_format.label}; dam uses the content"


def _looks_like_mpeg_audio(head: bytes) -> bool:
    """MPEG audio frame sync at the start, confirmed by a second frame header where the first
    frame's length says it starts (mutagen's frame parser), or by the first frame's VBR header.
    Two bytes of sync happen by chance in other files (a fuzzed FLI animation starts FF E3); a
    head that ends before the second frame is taken on the first header alone."""
    if len(head) < 4 or head[0] != 0xFF or (head[1] & 0xE0) != 0xE0:
        return False
    from mutagen.mp3 import HeaderNotFoundError, MPEGFrame

    stream = io.BytesIO(head)
    try:
        first = MPEGFrame(stream)
    except HeaderNotFoundError:
        return False
    if not first.sketchy or len(head) - stream.tell() < 4:
        return True
    try:
        second = MPEGFrame(stream)
    except HeaderNotFoundError:
        return False
    return (second.version, second.layer, second.sample_rate) == (first.version, first.layer, first.sample_rate)


def _looks_like_text(head: bytes) -> bool:
    try:
        head[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
