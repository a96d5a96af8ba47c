"""File type detection from content (magic numbers), never from the file name."""

from __future__ import annotations

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

    @property
    def extension(self) -> str:
        return self.extensions[0]


FORMATS = {
    f.key: f
    for f in (
        MediaFormat("jpeg", "JPEG image", Kind.IMAGE, "image/jpeg", ("jpg", "jpeg", "jpe")),
        MediaFormat("png", "PNG image", Kind.IMAGE, "image/png", ("png",)),
        MediaFormat("tiff", "TIFF image", Kind.IMAGE, "image/tiff", ("tif", "tiff")),
        MediaFormat("webp", "WebP image", Kind.IMAGE, "image/webp", ("webp",)),
        MediaFormat("heic", "HEIC image", Kind.IMAGE, "image/heic", ("heic", "heif", "hif")),
        MediaFormat("mp3", "MP3 audio", Kind.AUDIO, "audio/mpeg", ("mp3",)),
        MediaFormat("flac", "FLAC audio", Kind.AUDIO, "audio/flac", ("flac",)),
        MediaFormat("ogg_vorbis", "Ogg Vorbis audio", Kind.AUDIO, "audio/ogg", ("ogg", "oga")),
        MediaFormat("ogg_opus", "Ogg Opus audio", Kind.AUDIO, "audio/ogg; codecs=opus", ("opus", "ogg", "oga")),
        MediaFormat("wav", "WAV audio", Kind.AUDIO, "audio/wav", ("wav", "wave")),
        MediaFormat("aiff", "AIFF audio", Kind.AUDIO, "audio/aiff", ("aiff", "aif", "aifc")),
        MediaFormat("m4a", "MPEG-4 audio", Kind.AUDIO, "audio/mp4", ("m4a", "mp4", "m4b")),
    )
}

# Formats people send by mistake, named so the error says what the file really is.
_NOT_MEDIA = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"GIF8", "a GIF image (not supported: convert it to PNG)"),
    (b"BM", "a BMP image (not supported: convert it to PNG)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x7fELF", "a program (ELF executable)"),
    (b"<?xml", "an XML document"),
    (b"<!DOCTYPE", "an HTML page"),
    (b"<html", "an HTML page"),
)

_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_M4A_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"mp41", b"mp42", b"isom", b"iso2", b"dash", b"f4a "}


def detect_format(head: bytes) -> MediaFormat | None:
    """The media format of a file whose first bytes are ``head``, or None if not supported."""
    if head.startswith(b"\xff\xd8\xff"):
        return FORMATS["jpeg"]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FORMATS["png"]
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return FORMATS["tiff"]
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return FORMATS["webp"]
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return FORMATS["wav"]
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return FORMATS["aiff"]
    if head.startswith(b"fLaC"):
        return FORMATS["flac"]
    if head.startswith(b"OggS"):
        if b"OpusHead" in head[:512]:
            return FORMATS["ogg_opus"]
        if b"\x01vorbis" in head[:512]:
            return FORMATS["ogg_vorbis"]
        return None
    if head[4:8] == b"ftyp":
        brands = {head[i : i + 4] for i in range(8, min(len(head), 8 + 4 * 8), 4)}
        if brands & _HEIC_BRANDS:
            return FORMATS["heic"]
        if brands & _M4A_BRANDS:
            return FORMATS["m4a"]
        return None
    if head.startswith(b"ID3") or _looks_like_mpeg_audio(head):
        return FORMATS["mp3"]
    return None


def describe_unsupported(head: bytes) -> str:
    """A librarian-readable guess at what an unsupported file is."""
    if not head:
        return "the file is empty"
    stripped = head.lstrip()
    for magic, description in _NOT_MEDIA:
        if stripped[: len(magic)].lower() == magic.lower():
            return f"the file is {description}, not a supported image or audio file"
    if _looks_like_text(head):
        return "the file is text, not a supported image or audio file"
    return (
        "the file's content is not a supported image or audio format "
        "(JPEG, PNG, TIFF, WebP, HEIC, MP3, FLAC, Ogg, WAV, AIFF, M4A)"
    )


def extension_mismatch(name: str, media_format: MediaFormat) -> str | None:
    """A warning when a file's name claims another type than its content, else None."""
    extension = os.path.splitext(name)[1].lower().lstrip(".")
    if not extension or extension in media_format.extensions:
        return None
    claimed = [f.label for f in FORMATS.values() if extension in f.extensions]
    claim = f"claims {claimed[0]}" if claimed else f"has the unexpected extension .{extension}"
    return f"the name {name!r} {claim}, but the content is {media_format.label}; dam uses the content"


def _looks_like_mpeg_audio(head: bytes) -> bool:
    """MPEG audio frame sync at the start, confirmed by a second frame header where it should be."""
    if len(head) < 4 or head[0] != 0xFF or (head[1] & 0xE0) != 0xE0:
        return False
    version_bits = (head[1] >> 3) & 0x3
    layer_bits = (head[1] >> 1) & 0x3
    bitrate_index = head[2] >> 4
    sample_rate_index = (head[2] >> 2) & 0x3
    if version_bits == 1 or layer_bits == 0 or bitrate_index in (0, 15) or sample_rate_index == 3:
        return False
    return True


def _looks_like_text(head: bytes) -> bool:
    try:
        head[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
