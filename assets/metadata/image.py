"""Canonical metadata of an image from ExifTool's tags, reconciled by the MWG rules."""

from __future__ import annotations

from assets.fields import FIELDS, coerce, empty_metadata
from assets.metadata.clean_text import tag_warnings, tags_clean
from assets.metadata.dates import iso_datetime, iso_from_iptc
from assets.metadata.gps import position_from_tags
from assets.metadata.mwg import IptcState, iptc_state, reconcile
from assets.metadata.result import MetadataRead


def _first(tags: dict, keys: tuple[str, ...]):
    for key in keys:
        value = tags.get(key)
        if value is not None and value != "" and value != []:
            return value
    return None


def _exif_list(value):
    """EXIF Artist is one string; MWG stores several creators in it separated by '; '."""
    if isinstance(value, str) and ";" in value:
        return [part.strip().strip('"') for part in value.split(";")]
    return value


def date_created(tags: dict, state: IptcState) -> str:
    """MWG's DateTimeOriginal: EXIF (with sub-seconds and offset), then XMP or IPTC by digest."""
    exif = iso_datetime(tags.get("Composite:SubSecDateTimeOriginal")) or iso_datetime(
        tags.get("ExifIFD:DateTimeOriginal"), tags.get("ExifIFD:OffsetTimeOriginal")
    )
    xmp = iso_datetime(tags.get("XMP-photoshop:DateCreated")) or iso_datetime(tags.get("XMP-exif:DateTimeOriginal"))
    iptc = iso_from_iptc(tags.get("IPTC:DateCreated"), tags.get("IPTC:TimeCreated"))
    return reconcile(exif or None, iptc or None, xmp or None, state) or ""


# The tags canonical values are read from (and only those: other tags may hold binary data as text).
_TEXT_KEYS = {key for field in FIELDS for key in field.exif + field.iptc + field.xmp} | {
    "ExifIFD:DateTimeOriginal",
    "ExifIFD:OffsetTimeOriginal",
    "XMP-photoshop:DateCreated",
    "XMP-exif:DateTimeOriginal",
    "IPTC:DateCreated",
    "IPTC:TimeCreated",
}


def image_metadata(tags: dict) -> MetadataRead:
    dump = tags
    values = empty_metadata()
    tags, problems = tags_clean(tags, _TEXT_KEYS)
    warnings: list[str] = tag_warnings(problems)
    state = iptc_state(tags)
    if state.stale:
        warnings.append(
            "IPTC-IIM was changed by software that did not update XMP (stale IPTC digest); "
            "IIM values were preferred where the two disagree"
        )
    for field in FIELDS:
        if field.derived or not (field.exif or field.iptc or field.xmp):
            continue
        exif = _exif_list(_first(tags, field.exif)) if field.is_list else _first(tags, field.exif)
        raw = reconcile(exif, _first(tags, field.iptc), _first(tags, field.xmp), state, field.iptc_limit)
        values[field.name] = coerce(field, raw)
    values["date_created"] = date_created(tags, state)
    position = position_from_tags(tags)
    values["latitude"], values["longitude"], values["altitude"] = (
        position.latitude,
        position.longitude,
        position.altitude,
    )
    warnings.extend(position.warnings)
    if tags.get("ExifTool:Warning") and "IPTCDigest is not current" not in str(tags["ExifTool:Warning"]):
        warnings.append(f"ExifTool: {tags['ExifTool:Warning']}")  # (a stale digest is reported above)
    return MetadataRead(values=values, warnings=warnings, raw={"exiftool": dump})
