"""Editing an XMP packet in place: the named properties change, everything else stays as written.

ExifTool rebuilds the whole XMP packet whenever it writes one XMP property: it merges a JPEG's
several XMP segments and its extended XMP into one packet, keeps one value of a property that
appears twice, drops ``xmpNote:HasExtendedXMP`` and rewrites ``x:xmptk``. An archive must keep
what it was given, so dam edits the packet's XML itself, with the standard library's DOM (which
keeps prefixes, attributes, comments and the ``xpacket`` processing instructions as they were).

What a caller may rely on: ``xmp_packet_edit`` removes every occurrence of each edited property
(element or attribute form, in any ``rdf:Description``) and writes the new value once, in the
description that held it first (or the first description); properties it is not asked to edit,
and their namespace declarations, come out unchanged. Language alternatives other than
``x-default`` are kept, as ExifTool keeps them; structures keep their other fields.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from xml.dom import Node, minidom
from xml.parsers.expat import ExpatError

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XML = "http://www.w3.org/XML/1998/namespace"
XMLNS = "http://www.w3.org/2000/xmlns/"
_XMPMETA = "adobe:ns:meta/"
_EMPTY_PACKET = (
    "<?xpacket begin='\ufeff' id='W5M0MpCehiHzreSzNTczkc9d'?>\n"
    "<x:xmpmeta xmlns:x='adobe:ns:meta/'>\n"
    f"<rdf:RDF xmlns:rdf='{RDF}'>\n"
    "<rdf:Description rdf:about=''/>\n"
    "</rdf:RDF>\n"
    "</x:xmpmeta>\n"
    "<?xpacket end='w'?>"
)


class XmpPacketError(ValueError):
    """The packet is not XML that dam can edit; the message says why."""


class Shape(enum.Enum):
    SIMPLE = "simple"  # one text
    ALT = "alt"  # language alternatives: dam writes x-default
    BAG = "bag"  # unordered list
    SEQ = "seq"  # ordered list
    STRUCT_SEQ = "struct_seq"  # an ordered list of structures; dam writes one field of each


@dataclass(frozen=True)
class XmpProperty:
    namespace: str
    prefix: str  # the usual prefix, used when the packet does not declare the namespace yet
    name: str
    shape: Shape
    field: str = ""  # for STRUCT_SEQ: the structure field dam writes (same namespace)


@dataclass(frozen=True)
class XmpEdit:
    prop: XmpProperty
    value: object  # str, list[str], or None / "" / [] to remove the property


def xmp_packet_edit(packet: bytes | None, edits: list[XmpEdit]) -> bytes:
    """The packet with ``edits`` applied (a new packet when ``packet`` is empty), as UTF-8."""
    document = _parse(packet)
    descriptions = _descriptions(document)
    for edit in edits:
        _apply(document, descriptions, edit)
    return _serialised(document)


def xmp_packet_remove(packet: bytes, props: list[XmpProperty]) -> bytes:
    """The packet without the given properties (for a second packet of the same file)."""
    return xmp_packet_edit(packet, [XmpEdit(prop, None) for prop in props])


# --- Parsing and writing --------------------------------------------------------------------


def _parse(packet: bytes | None) -> minidom.Document:
    text = packet if packet and packet.strip(b"\x00 \t\r\n") else _EMPTY_PACKET.encode("utf-8")
    try:
        # expat (Python >= 3.11 bundles 2.5) refuses entity expansion attacks and never fetches
        # external entities, so a hostile packet cannot expand or reach out.
        document = minidom.parseString(text.rstrip(b"\x00"))
    except ExpatError as error:
        raise XmpPacketError(f"the XMP packet is not well-formed XML ({error})") from None
    if not _rdf_root(document):
        meta = document.getElementsByTagNameNS(_XMPMETA, "xmpmeta")
        if not meta or _elements(meta[0]):
            raise XmpPacketError("the XMP packet has no rdf:RDF element")
        # An empty x:xmpmeta (a packet written with nothing in it yet) gets its rdf:RDF.
        root = document.createElementNS(RDF, "rdf:RDF")
        root.setAttribute("xmlns:rdf", RDF)
        meta[0].appendChild(root)
    return document


def _serialised(document: minidom.Document) -> bytes:
    # Document.toxml() would add an XML declaration, which an XMP packet must not have.
    return "".join(node.toxml() for node in document.childNodes).encode("utf-8")


def _rdf_root(document: minidom.Document):
    found = document.getElementsByTagNameNS(RDF, "RDF")
    return found[0] if found else None


def _descriptions(document: minidom.Document) -> list:
    root = _rdf_root(document)
    descriptions = [node for node in _elements(root) if _is(node, RDF, "Description")]
    if not descriptions:
        description = document.createElementNS(RDF, f"{root.prefix or 'rdf'}:Description")
        description.setAttributeNS(RDF, f"{root.prefix or 'rdf'}:about", "")
        root.appendChild(description)
        descriptions.append(description)
    return descriptions


def _elements(node) -> list:
    return [child for child in node.childNodes if child.nodeType == Node.ELEMENT_NODE]


def _is(node, namespace: str, name: str) -> bool:
    return node.namespaceURI == namespace and node.localName == name


def _blank(value) -> bool:
    return value is None or value == "" or value == []


# --- Applying one edit ----------------------------------------------------------------------


def _apply(document, descriptions: list, edit: XmpEdit) -> None:
    prop = edit.prop
    home, old = None, None
    for description in descriptions:
        for attribute in list(description.attributes.values()):
            if attribute.namespaceURI == prop.namespace and attribute.localName == prop.name:
                if home is None:
                    home, old = description, _element_from_attribute(document, attribute)
                description.removeAttributeNode(attribute)
        for child in _elements(description):
            if _is(child, prop.namespace, prop.name):
                if home is None:
                    home, old = description, child
                _remove(child)
    home = home or descriptions[0]
    if prop.shape is Shape.ALT:
        new = _alt(document, home, prop, old, edit.value)
    elif prop.shape is Shape.STRUCT_SEQ:
        new = _struct_seq(document, home, prop, old, edit.value)
    elif _blank(edit.value):
        new = None
    elif prop.shape is Shape.SIMPLE:
        new = _element(document, home, prop.namespace, prop.prefix, prop.name)
        new.appendChild(document.createTextNode(str(edit.value)))
    else:
        new = _list(document, home, prop, edit.value)
    if new is not None:
        _append(home, new)


def _remove(node) -> None:
    """Remove an element and the indentation before it, so the packet does not fill with blank lines."""
    parent, previous = node.parentNode, node.previousSibling
    if previous is not None and previous.nodeType == Node.TEXT_NODE and not previous.data.strip():
        parent.removeChild(previous)
    parent.removeChild(node)


def _append(description, element) -> None:
    indent = "\n  "
    last = description.lastChild
    if last is not None and last.nodeType == Node.TEXT_NODE and not last.data.strip():
        description.insertBefore(description.ownerDocument.createTextNode(indent), last)
        description.insertBefore(element, last)
    else:
        description.appendChild(description.ownerDocument.createTextNode(indent))
        description.appendChild(element)
        description.appendChild(description.ownerDocument.createTextNode("\n "))


def _element_from_attribute(document, attribute):
    """A simple property written as an attribute (RDF shorthand), as the element it stands for."""
    element = document.createElementNS(attribute.namespaceURI, attribute.name)
    element.appendChild(document.createTextNode(attribute.value))
    return element


def _prefix(home, namespace: str, wanted: str) -> str:
    """The prefix the packet uses for ``namespace`` in scope at ``home``, declaring it if needed."""
    node, taken = home, set()
    while node is not None and node.nodeType == Node.ELEMENT_NODE:
        for attribute in node.attributes.values():
            if attribute.name.startswith("xmlns:"):
                if attribute.value == namespace:
                    return attribute.localName
                taken.add(attribute.localName)
        node = node.parentNode
    prefix, number = wanted, 1
    while prefix in taken:
        prefix, number = f"{wanted}{number}", number + 1
    home.setAttributeNS(XMLNS, f"xmlns:{prefix}", namespace)
    return prefix


def _rdf(home) -> str:
    return _prefix(home, RDF, "rdf")


def _element(document, home, namespace: str, wanted_prefix: str, name: str):
    return document.createElementNS(namespace, f"{_prefix(home, namespace, wanted_prefix)}:{name}")


def _list(document, home, prop: XmpProperty, values) -> object:
    rdf = _rdf(home)
    element = _element(document, home, prop.namespace, prop.prefix, prop.name)
    container = document.createElementNS(RDF, f"{rdf}:{'Bag' if prop.shape is Shape.BAG else 'Seq'}")
    for value in [values] if isinstance(values, str) else values:
        item = document.createElementNS(RDF, f"{rdf}:li")
        item.appendChild(document.createTextNode(str(value)))
        container.appendChild(item)
    element.appendChild(container)
    return element


def _alt(document, home, prop: XmpProperty, old, value):
    """Replace the x-default alternative; other languages stay (ExifTool does the same)."""
    rdf = _rdf(home)
    kept = []
    if old is not None:
        container = next((node for node in _elements(old) if _is(node, RDF, "Alt")), None)
        items = _elements(container) if container is not None else []
        kept = [item for item in items if item.getAttributeNS(XML, "lang") not in ("", "x-default")]
    if _blank(value) and not kept:
        return None
    element = _element(document, home, prop.namespace, prop.prefix, prop.name)
    container = document.createElementNS(RDF, f"{rdf}:Alt")
    if not _blank(value):
        item = document.createElementNS(RDF, f"{rdf}:li")
        item.setAttributeNS(XML, "xml:lang", "x-default")
        item.appendChild(document.createTextNode(str(value)))
        container.appendChild(item)
    for item in kept:
        container.appendChild(item)
    element.appendChild(container)
    return element


def _struct_seq(document, home, prop: XmpProperty, old, values):
    """Set one field in each structure of a list, keeping the structures' other fields."""
    values = [] if _blank(values) else ([values] if isinstance(values, str) else list(values))
    rdf = _rdf(home)
    items = []
    if old is not None:
        container = next((node for node in _elements(old) if node.namespaceURI == RDF), None)
        items = _elements(container) if container is not None else []
    result = []
    for index in range(max(len(items), len(values))):
        item = items[index] if index < len(items) else None
        if item is None:
            item = document.createElementNS(RDF, f"{rdf}:li")
            item.setAttributeNS(RDF, f"{rdf}:parseType", "Resource")
        holder = _struct_holder(item)
        for attribute in list(holder.attributes.values()):
            if attribute.namespaceURI == prop.namespace and attribute.localName == prop.field:
                holder.removeAttributeNode(attribute)
        for child in _elements(holder):
            if _is(child, prop.namespace, prop.field):
                _remove(child)
        if index < len(values):
            field = _element(document, home, prop.namespace, prop.prefix, prop.field)
            field.appendChild(document.createTextNode(str(values[index])))
            holder.appendChild(field)
        if _elements(holder) or _struct_attributes(holder):
            result.append(item)
    if not result:
        return None
    element = _element(document, home, prop.namespace, prop.prefix, prop.name)
    container = document.createElementNS(RDF, f"{rdf}:Seq")
    for item in result:
        container.appendChild(item)
    element.appendChild(container)
    return element


def _struct_holder(item):
    """The element that holds a structure's fields: the rdf:li itself, or its rdf:Description."""
    inner = next((node for node in _elements(item) if _is(node, RDF, "Description")), None)
    return inner if inner is not None else item


def _struct_attributes(holder) -> list:
    return [
        attribute
        for attribute in holder.attributes.values()
        if attribute.namespaceURI not in (RDF, XMLNS, XML) and not attribute.name.startswith("xmlns")
    ]
