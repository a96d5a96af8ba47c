"""Editing XMP packets: the edited property changes, the rest of the packet stays as written."""

from __future__ import annotations

from xml.dom import minidom

import pytest

from assets.metadata.xmp_packet import XmpPacketError, xmp_packet_edit
from assets.metadata.xmp_write import xmp_edit, xmp_gps_edits
from tests.assets.metadata.files import xmp_packet

DC = "xmlns:dc='http://purl.org/dc/elements/1.1/'"
PLUS = "xmlns:plus='http://ns.useplus.org/ldf/xmp/1.0/'"


def edited(body: str, namespaces: str, *edits) -> str:
    return xmp_packet_edit(xmp_packet(body, namespaces), list(edits)).decode()


def test_unedited_properties_and_other_languages_stay():
    body = (
        "<dc:title><rdf:Alt><rdf:li xml:lang='x-default'>Old</rdf:li><rdf:li xml:lang='de'>Alt</rdf:li></rdf:Alt>"
        "</dc:title><dc:source>kept</dc:source><!-- a comment -->"
    )
    text = edited(body, DC, xmp_edit("XMP-dc:Title", "New"))
    document = minidom.parseString(text)
    items = {item.getAttribute("xml:lang"): item.firstChild.data for item in document.getElementsByTagName("rdf:li")}
    assert items == {"x-default": "New", "de": "Alt"}
    assert "<dc:source>kept</dc:source>" in text and "<!-- a comment -->" in text
    assert text.startswith("<?xpacket begin=") and text.endswith("<?xpacket end='w'?>")  # no XML declaration


def test_a_property_in_attribute_form_is_replaced_once():
    text = edited(
        "",
        f"{DC} xmlns:photoshop='http://ns.adobe.com/photoshop/1.0/' photoshop:City='Oslo'",
        xmp_edit("XMP-photoshop:City", "Bergen"),
    )
    assert "Oslo" not in text and text.count("Bergen") == 1


def test_structures_keep_their_other_fields():
    body = (
        "<plus:CopyrightOwner><rdf:Seq><rdf:li rdf:parseType='Resource'>"
        "<plus:CopyrightOwnerName>Old</plus:CopyrightOwnerName>"
        "<plus:CopyrightOwnerID>ID-1</plus:CopyrightOwnerID></rdf:li></rdf:Seq></plus:CopyrightOwner>"
    )
    text = edited(body, PLUS, xmp_edit("XMP-plus:CopyrightOwnerName", ["New", "Second"]))
    assert "ID-1" in text and "Old" not in text and "New" in text and "Second" in text


def test_a_new_namespace_is_declared_and_removal_removes():
    text = edited(
        "<dc:title><rdf:Alt><rdf:li xml:lang='x-default'>Old</rdf:li></rdf:Alt></dc:title>",
        DC,
        xmp_edit("XMP-dc:Title", ""),
        xmp_edit("XMP-iptcCore:AltTextAccessibility", "A sail"),
    )
    assert "dc:title" not in text
    assert 'xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/"' in text


def test_gps_is_written_as_degrees_and_minutes():
    text = xmp_packet_edit(None, xmp_gps_edits(-33.8568, 151.2153, -4.0)).decode()
    assert "<exif:GPSLatitude>33,51.408S</exif:GPSLatitude>" in text
    assert "<exif:GPSLongitude>151,12.918E</exif:GPSLongitude>" in text
    assert "<exif:GPSAltitude>4000/1000</exif:GPSAltitude>" in text and "<exif:GPSAltitudeRef>1<" in text


def test_a_packet_that_is_not_xml_is_refused():
    with pytest.raises(XmpPacketError, match="not well-formed"):
        xmp_packet_edit(b"<x:xmpmeta><rdf:RDF>", [xmp_edit("XMP-dc:Title", "x")])


EMPTY_XMPMETA = (
    "<?xpacket begin='\ufeff' id='W5M0MpCehiHzreSzNTczkc9d'?>\n"
    "<x:xmpmeta xmlns:x='adobe:ns:meta/' key='value' />\n<?xpacket end='w'?>"
).encode()


def test_an_empty_xmpmeta_gets_its_rdf_and_keeps_its_attributes():
    text = xmp_packet_edit(EMPTY_XMPMETA, [xmp_edit("XMP-dc:Title", "First")]).decode()

    document = minidom.parseString(text)
    [meta] = document.getElementsByTagName("x:xmpmeta")
    assert meta.getAttribute("key") == "value"
    assert [item.firstChild.data for item in document.getElementsByTagName("rdf:li")] == ["First"]


def test_an_xmpmeta_holding_something_else_than_rdf_is_refused():
    packet = b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><other/></x:xmpmeta>"
    with pytest.raises(XmpPacketError, match="no rdf:RDF element"):
        xmp_packet_edit(packet, [xmp_edit("XMP-dc:Title", "x")])
