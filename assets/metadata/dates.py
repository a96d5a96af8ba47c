"""Dates as files write them (EXIF, IPTC, XMP, ID3, Vorbis) turned into ISO 8601 text."""

from __future__ import annotations

import re

_DATE_TIME = re.compile(
    r"^(?P<year>\d{4})(?:[:\-](?P<month>\d{2})(?:[:\-](?P<day>\d{2})"
    r"(?:[ T](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?P<fraction>\.\d+)?)?"
    r"(?P<offset>Z|[+\-]\d{2}:?\d{2})?)?)?)?$"
)
_TIME = re.compile(r"^(?P<hour>\d{2}):?(?P<minute>\d{2})(?::?(?P<second>\d{2}))?(?P<offset>[+\-]\d{2}:?\d{2})?$")


def iso_datetime(value, offset: str | None = None) -> str:
    """ISO 8601 text for an EXIF/XMP/ID3 date, as precise as the value is; "" if it is not a date.

    ``offset`` (EXIF's OffsetTime tags) applies when the value itself has none.
    """
    if value is None:
        return ""
    text = str(value).strip()
    match = _DATE_TIME.match(text)
    if not match or match["year"] == "0000" or match["month"] == "00" or match["day"] == "00":
        return ""
    parts = match.groupdict()
    result = parts["year"]
    if parts["month"]:
        result += f"-{parts['month']}"
    if parts["day"]:
        result += f"-{parts['day']}"
    if parts["hour"]:
        result += f"T{parts['hour']}:{parts['minute']}:{parts['second'] or '00'}{parts['fraction'] or ''}"
        zone = parts["offset"] or _offset(offset)
        if zone:
            result += "Z" if zone == "Z" else _offset(zone)
    return result


def iso_from_iptc(date, time) -> str:
    """ISO 8601 text from IPTC-IIM's separate DateCreated and TimeCreated."""
    day = iso_datetime(date)
    if not day or time in (None, ""):
        return day
    match = _TIME.match(str(time).strip())
    if not match:
        return day
    return iso_datetime(f"{day} {match['hour']}:{match['minute']}:{match['second'] or '00'}", match["offset"])


def _offset(value) -> str:
    if not value:
        return ""
    text = str(value).strip()
    match = re.match(r"^([+\-])(\d{2}):?(\d{2})$", text)
    return f"{match[1]}{match[2]}:{match[3]}" if match else ""
