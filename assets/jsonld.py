"""schema.org JSON-LD for an asset: ImageObject or AudioObject, built by walking the field table.

Each field names its property path (``contentLocation.geo.latitude``) and how its value is shaped
(``person``, ``pixels``...); the types of the nodes along a path are declared here, once. What
the field table does not hold (identifiers, URLs, dates of the record, vocabulary terms) is added
around it. Every property used is checked against the schema.org vocabulary by the tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings

from assets.fields import FIELDS, Field
from assets.locations import value_shown
from assets.models import Asset, Term, keyword_key
from assets.vocabulary.keywords import terms_for

CONTEXT = "https://schema.org"
DOCUMENT_TYPES = {"image": "ImageObject", "audio": "AudioObject"}
# The type of the node at each intermediate path.
PATH_TYPES = {
    "contentLocation": "Place",
    "contentLocation.address": "PostalAddress",
    "contentLocation.geo": "GeoCoordinates",
    "encodesCreativeWork": "MusicRecording",
    "encodesCreativeWork.inAlbum": "MusicAlbum",
    "recordedAt": "Event",
}
# Paths that describe a recording, not a picture.
AUDIO_ONLY_ROOTS = {"encodesCreativeWork"}
# What another app adds to a document when a caller asks for it by name (``?include=moments``):
# name -> function(asset) -> properties. The app that owns the data registers its function when it
# starts (embeddings registers "moments"), so assets never imports it.
DOCUMENT_INCLUDES: dict[str, Callable[[Asset], dict]] = {}


def document_include_register(name: str, properties: Callable[[Asset], dict]) -> None:
    DOCUMENT_INCLUDES[name] = properties


def document_includes_parse(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """The includes a request names (``"moments"``, ``"moments,other"`` or a list), or ValueError
    naming the unknown one and those dam knows."""
    names = value.split(",") if isinstance(value, str) else list(value or ())
    names = [str(name).strip() for name in names if str(name).strip()]
    for name in names:
        if name not in DOCUMENT_INCLUDES:
            known = ", ".join(sorted(DOCUMENT_INCLUDES)) or "none"
            raise ValueError(f"unknown include {name!r}: documents can include {known}")
    return tuple(dict.fromkeys(names))


def asset_iri(asset_id: str) -> str:
    """The stable IRI of an asset: from its content-derived ID only, never from a host name."""
    return f"{settings.DAM_ASSET_IRI_BASE}{asset_id}"


def iso_duration(seconds: float) -> str:
    """ISO 8601 duration: 95.5 -> "PT1M35.5S"."""
    whole_minutes, rest = divmod(round(float(seconds), 3), 60)
    hours, minutes = divmod(int(whole_minutes), 60)
    text = "PT"
    if hours:
        text += f"{hours}H"
    if minutes:
        text += f"{minutes}M"
    if rest or text == "PT":
        text += f"{rest:.3f}".rstrip("0").rstrip(".") + "S"
    return text


def _shaped(field: Field, value):
    if field.jsonld_as == "person":
        return [{"@type": "Person", "name": name} for name in value]
    if field.jsonld_as == "organization":
        names = value if isinstance(value, list) else [value]
        return [{"@type": "Organization", "name": name} for name in names]
    if field.jsonld_as == "creative_work":
        return {"@type": "CreativeWork", "text": value}
    if field.jsonld_as == "pixels":
        return {"@type": "QuantitativeValue", "value": value, "unitCode": "E37"}
    if field.jsonld_as == "duration":
        return iso_duration(value)
    return value


def _place(document: dict, path: str, value) -> None:
    """Put ``value`` at a dotted path, creating typed nodes; the first field to fill a path wins."""
    *parents, leaf = path.split(".")
    node = document
    for depth, key in enumerate(parents):
        node = node.setdefault(key, {"@type": PATH_TYPES[".".join(parents[: depth + 1])]})
    node.setdefault(leaf, value)


def _empty(value) -> bool:
    return value is None or value == "" or value == []


def asset_jsonld(
    asset: Asset,
    url_for: Callable[[str, Asset], str | None],
    *,
    with_context: bool = True,
    terms: dict[str, Term] | None = None,
    include: Iterable[str] = (),
    exact_location: bool = False,
) -> dict:
    """The schema.org document of ``asset``. ``url_for(kind, asset)`` gives absolute URLs for
    ``content`` (the delivery copy) and ``thumbnail``; ``terms`` may be passed in by callers that
    looked up many assets' terms at once; ``include`` names registered additions
    (``document_includes_parse``), which never replace a property the document already has.
    ``exact_location``: the caller may see the exact position of a location-sensitive asset
    (``assets.locations.exact_location_allowed``); otherwise it is coarsened or left out."""
    document: dict = {}
    if with_context:
        document["@context"] = CONTEXT
    document["@type"] = DOCUMENT_TYPES[asset.kind]
    document["@id"] = asset_iri(asset.id)
    version = asset.current_version
    document["identifier"] = [
        asset.id,
        {"@type": "PropertyValue", "propertyID": "SHA-256", "value": asset.original_sha256},
    ]
    document["contentUrl"] = url_for("content", asset)
    if version is not None:
        document["sha256"] = version.sha256
    for field in FIELDS:
        value = value_shown(asset, field.name, getattr(asset, field.name), exact_location)
        if _empty(value) or not field.jsonld:
            continue
        for path in field.jsonld:
            if path.split(".")[0] in AUDIO_ONLY_ROOTS and asset.kind != "audio":
                continue
            _place(document, path, _shaped(field, value))
    if asset.keywords:
        terms = terms if terms is not None else terms_for(asset.keywords)
        # Sets beside the lists: a file may carry tens of thousands of keywords, and a scan of the
        # list per keyword once took a feed page minutes (gunicorn killed the worker mid-stream).
        labels, about, seen_labels, seen_uris = [], [], set(), set()
        for keyword in asset.keywords:
            term = terms.get(keyword_key(keyword))
            label = term.preferred_label if term else keyword
            if label not in seen_labels:
                seen_labels.add(label)
                labels.append(label)
            if term and term.uri and term.uri not in seen_uris:
                seen_uris.add(term.uri)
                about.append({"@type": "DefinedTerm", "@id": term.uri, "name": term.preferred_label})
        document["keywords"] = labels
        if about:
            document["about"] = about
    document["uploadDate"] = asset.created_at.isoformat()
    document["dateModified"] = asset.updated_at.isoformat()
    if asset.kind == "image":
        thumbnail = url_for("thumbnail", asset)
        if thumbnail:
            document["thumbnail"] = {"@type": "ImageObject", "contentUrl": thumbnail, "encodingFormat": "image/jpeg"}
    for name in include:
        for key, value in DOCUMENT_INCLUDES[name](asset).items():
            if not _empty(value):
                document.setdefault(key, value)
    return document
