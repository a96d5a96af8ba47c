"""Writing dam's fields into an image's XMP packet, and the packet back into the file.

The packet is edited by ``xmp_packet`` (only the edited properties change). A JPEG's XMP segments
are replaced by dam itself: ExifTool, asked to write any XMP, would merge the main packet with
the extended XMP (and drop ``xmpNote:HasExtendedXMP``) and merge several main segments into one.
The extended XMP segments are left as they are, byte for byte. Other formats (TIFF, PNG, WebP...)
hold one packet, which ExifTool writes as the block dam gives it (``-XMP<=file``), unparsed.

A JPEG's main XMP segment holds at most 65,504 bytes; a packet that would grow past that is
refused (``ImageWriteError``) rather than split into extended XMP, which would change the file's
``HasExtendedXMP`` and the extension's GUID.
"""

from __future__ import annotations

import struct
from pathlib import Path

from assets.metadata.exiftool import ExifToolSession, ExifToolWriteError
from assets.metadata.xmp_packet import Shape, XmpEdit, XmpPacketError, XmpProperty, xmp_packet_edit, xmp_packet_remove

DC = "http://purl.org/dc/elements/1.1/"
PHOTOSHOP = "http://ns.adobe.com/photoshop/1.0/"
IPTC_CORE = "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/"
IPTC_EXT = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
PLUS = "http://ns.useplus.org/ldf/xmp/1.0/"
XMP_RIGHTS = "http://ns.adobe.com/xap/1.0/rights/"
EXIF = "http://ns.adobe.com/exif/1.0/"


def _property(namespace: str, prefix: str, name: str, shape: Shape = Shape.SIMPLE, field: str = "") -> XmpProperty:
    return XmpProperty(namespace, prefix, name, shape, field)


# The XMP property behind each ExifTool tag name dam writes (the field table names ExifTool tags).
XMP_PROPERTIES: dict[str, XmpProperty] = {
    "XMP-dc:Title": _property(DC, "dc", "title", Shape.ALT),
    "XMP-dc:Description": _property(DC, "dc", "description", Shape.ALT),
    "XMP-dc:Subject": _property(DC, "dc", "subject", Shape.BAG),
    "XMP-dc:Creator": _property(DC, "dc", "creator", Shape.SEQ),
    "XMP-dc:Rights": _property(DC, "dc", "rights", Shape.ALT),
    "XMP-photoshop:Headline": _property(PHOTOSHOP, "photoshop", "Headline"),
    "XMP-photoshop:Instructions": _property(PHOTOSHOP, "photoshop", "Instructions"),
    "XMP-photoshop:TransmissionReference": _property(PHOTOSHOP, "photoshop", "TransmissionReference"),
    "XMP-photoshop:AuthorsPosition": _property(PHOTOSHOP, "photoshop", "AuthorsPosition"),
    "XMP-photoshop:Credit": _property(PHOTOSHOP, "photoshop", "Credit"),
    "XMP-photoshop:Source": _property(PHOTOSHOP, "photoshop", "Source"),
    "XMP-photoshop:City": _property(PHOTOSHOP, "photoshop", "City"),
    "XMP-photoshop:State": _property(PHOTOSHOP, "photoshop", "State"),
    "XMP-photoshop:Country": _property(PHOTOSHOP, "photoshop", "Country"),
    "XMP-photoshop:DateCreated": _property(PHOTOSHOP, "photoshop", "DateCreated"),
    "XMP-iptcCore:AltTextAccessibility": _property(IPTC_CORE, "Iptc4xmpCore", "AltTextAccessibility", Shape.ALT),
    "XMP-iptcCore:ExtDescrAccessibility": _property(IPTC_CORE, "Iptc4xmpCore", "ExtDescrAccessibility", Shape.ALT),
    "XMP-iptcCore:IntellectualGenre": _property(IPTC_CORE, "Iptc4xmpCore", "IntellectualGenre"),
    "XMP-iptcCore:Location": _property(IPTC_CORE, "Iptc4xmpCore", "Location"),
    "XMP-iptcCore:CountryCode": _property(IPTC_CORE, "Iptc4xmpCore", "CountryCode"),
    "XMP-iptcExt:Event": _property(IPTC_EXT, "Iptc4xmpExt", "Event", Shape.ALT),
    "XMP-iptcExt:DigitalSourceType": _property(IPTC_EXT, "Iptc4xmpExt", "DigitalSourceType"),
    "XMP-iptcExt:PersonInImage": _property(IPTC_EXT, "Iptc4xmpExt", "PersonInImage", Shape.BAG),
    "XMP-plus:CopyrightOwnerName": _property(PLUS, "plus", "CopyrightOwner", Shape.STRUCT_SEQ, "CopyrightOwnerName"),
    "XMP-plus:LicensorURL": _property(PLUS, "plus", "Licensor", Shape.STRUCT_SEQ, "LicensorURL"),
    "XMP-plus:ModelReleaseStatus": _property(PLUS, "plus", "ModelReleaseStatus"),
    "XMP-plus:PropertyReleaseStatus": _property(PLUS, "plus", "PropertyReleaseStatus"),
    "XMP-xmpRights:UsageTerms": _property(XMP_RIGHTS, "xmpRights", "UsageTerms", Shape.ALT),
    "XMP-xmpRights:WebStatement": _property(XMP_RIGHTS, "xmpRights", "WebStatement"),
    "XMP-exif:GPSLatitude": _property(EXIF, "exif", "GPSLatitude"),
    "XMP-exif:GPSLongitude": _property(EXIF, "exif", "GPSLongitude"),
    "XMP-exif:GPSAltitude": _property(EXIF, "exif", "GPSAltitude"),
    "XMP-exif:GPSAltitudeRef": _property(EXIF, "exif", "GPSAltitudeRef"),
}

_JPEG_XMP = b"http://ns.adobe.com/xap/1.0/\x00"
_JPEG_SEGMENT_LIMIT = 65533  # a segment's length field counts itself (2 bytes) in 65535
_JPEG_PACKET_LIMIT = _JPEG_SEGMENT_LIMIT - len(_JPEG_XMP)


class ImageWriteError(ExifToolWriteError):
    """dam will not write this change into this image; the message says why and what to do."""


def xmp_edit(tag: str, value) -> XmpEdit:
    """The edit that sets the property behind ExifTool tag ``tag`` to ``value`` (empty: remove)."""
    prop = XMP_PROPERTIES.get(tag)
    if prop is None:
        raise ImageWriteError(f"dam does not know how to write the XMP property {tag}")
    return XmpEdit(prop, value)


def xmp_gps_edits(latitude, longitude, altitude) -> list[XmpEdit]:
    """XMP's GPS properties (exif namespace): degrees and decimal minutes with a hemisphere letter."""
    if latitude is None or longitude is None:
        latitude = longitude = altitude = None
    edits = [
        xmp_edit("XMP-exif:GPSLatitude", _coordinate(latitude, "NS")),
        xmp_edit("XMP-exif:GPSLongitude", _coordinate(longitude, "EW")),
    ]
    if altitude is None:
        return edits + [xmp_edit("XMP-exif:GPSAltitude", None), xmp_edit("XMP-exif:GPSAltitudeRef", None)]
    return edits + [
        xmp_edit("XMP-exif:GPSAltitude", f"{round(abs(altitude) * 1000)}/1000"),
        xmp_edit("XMP-exif:GPSAltitudeRef", "1" if altitude < 0 else "0"),  # 1: below sea level
    ]


def _coordinate(value, hemispheres: str) -> str | None:
    if value is None:
        return None
    magnitude = abs(float(value))
    degrees = int(magnitude)
    minutes = f"{(magnitude - degrees) * 60:.8f}".rstrip("0").rstrip(".")
    return f"{degrees},{minutes}{hemispheres[1] if value < 0 else hemispheres[0]}"


def image_xmp_write(path: Path, edits: list[XmpEdit], session: ExifToolSession) -> None:
    """Apply ``edits`` to the image's XMP packet, leaving every other property and segment as it was."""
    if not edits:
        return
    data = path.read_bytes()
    try:
        if data[:2] == b"\xff\xd8":
            path.write_bytes(_jpeg_with_xmp(data, edits))
            return
        packet = session.read_block(path, "XMP")
        new_packet = xmp_packet_edit(packet, edits)
    except XmpPacketError as error:
        raise ImageWriteError(f"the XMP of {path.name} cannot be edited: {error}") from None
    staged = path.with_name(f"{path.name}.xmp-packet")
    staged.write_bytes(new_packet)
    try:
        session.write(path, [f"-XMP<={staged}"])
    finally:
        staged.unlink(missing_ok=True)


# --- JPEG segments ---------------------------------------------------------------------------


def _jpeg_segments(data: bytes) -> list[tuple[int, int, int]]:
    """(marker, start, end) of each marker segment before the scan data (start is at the 0xFF)."""
    segments, offset = [], 2
    while offset + 4 <= len(data):
        if data[offset] != 0xFF:
            raise ImageWriteError("the JPEG's marker segments are damaged, so its XMP cannot be replaced safely")
        marker = data[offset + 1]
        if marker == 0xFF:  # fill byte
            offset += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            offset += 2
            continue
        (length,) = struct.unpack(">H", data[offset + 2 : offset + 4])
        segments.append((marker, offset, offset + 2 + length))
        if marker in (0xDA, 0xD9):  # start of scan: the rest is image data
            break
        offset += 2 + length
    return segments


def _jpeg_with_xmp(data: bytes, edits: list[XmpEdit]) -> bytes:
    segments = _jpeg_segments(data)
    main = [
        (start, end) for marker, start, end in segments if marker == 0xE1 and data[start + 4 :].startswith(_JPEG_XMP)
    ]
    if not main:
        packet = xmp_packet_edit(None, edits)
        # After the leading JFIF and EXIF segments, where ExifTool and cameras put XMP.
        position = 2
        for marker, _start, end in segments:
            if marker not in (0xE0, 0xE1):
                break
            position = end
        return data[:position] + _jpeg_xmp_segment(packet) + data[position:]
    pieces, cursor = [], 0
    for index, (start, end) in enumerate(main):
        packet = data[start + 4 + len(_JPEG_XMP) : end]
        if index == 0:
            new_packet = xmp_packet_edit(packet, edits)
        else:  # a second main packet must not keep the old value of an edited property
            new_packet = xmp_packet_remove(packet, [edit.prop for edit in edits])
        pieces += [data[cursor:start], _jpeg_xmp_segment(new_packet)]
        cursor = end
    pieces.append(data[cursor:])
    return b"".join(pieces)


def _jpeg_xmp_segment(packet: bytes) -> bytes:
    if len(packet) > _JPEG_PACKET_LIMIT:
        raise ImageWriteError(
            f"the edited XMP would be {len(packet)} bytes, more than the {_JPEG_PACKET_LIMIT} a JPEG XMP segment "
            "holds; shorten the longest texts, or export an XMP sidecar instead"
        )
    return b"\xff\xe1" + struct.pack(">H", len(_JPEG_XMP) + len(packet) + 2) + _JPEG_XMP + packet
