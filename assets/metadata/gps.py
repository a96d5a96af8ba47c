"""GPS coordinates from EXIF and XMP, validated.

EXIF stores unsigned degrees with N/S and E/W reference tags; XMP stores signed decimals. dam
keeps signed decimals and checks them by the same rule as every edit (``position_problem`` in
the field table): a position out of range is ignored (the next source may have a good one), and
0,0 ("null island", written by devices without a fix) is no location at all, with a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assets.fields import position_is_placeholder, position_problem


@dataclass
class Position:
    latitude: float | None = None
    longitude: float | None = None
    altitude: float | None = None
    warnings: list[str] = field(default_factory=list)


# (latitude, latitude ref, longitude, longitude ref, altitude, altitude ref), best first.
_SOURCES = (
    (
        "GPS:GPSLatitude",
        "GPS:GPSLatitudeRef",
        "GPS:GPSLongitude",
        "GPS:GPSLongitudeRef",
        "GPS:GPSAltitude",
        "GPS:GPSAltitudeRef",
        "EXIF GPS",
    ),
    (
        "XMP-exif:GPSLatitude",
        None,
        "XMP-exif:GPSLongitude",
        None,
        "XMP-exif:GPSAltitude",
        "XMP-exif:GPSAltitudeRef",
        "XMP GPS",
    ),
    (
        "XMP-iptcExt:LocationCreatedGPSLatitude",
        None,
        "XMP-iptcExt:LocationCreatedGPSLongitude",
        None,
        "XMP-iptcExt:LocationCreatedGPSAltitude",
        "XMP-iptcExt:LocationCreatedGPSAltitudeRef",
        "IPTC location created",
    ),
)


def _number(value) -> float | None:
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    if value is None:
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def _signed(value: float, ref, negative_refs: tuple[str, ...]) -> float:
    """Apply a hemisphere reference; a ref contradicting an already-signed value wins."""
    if ref is None:
        return value
    text = str(ref).strip().upper()
    if text[:1] in negative_refs or text in negative_refs:
        return -abs(value)
    return abs(value)


def position_from_tags(tags: dict) -> Position:
    position = Position()
    for lat_key, lat_ref, lon_key, lon_ref, alt_key, alt_ref, label in _SOURCES:
        raw_lat, raw_lon = tags.get(lat_key), tags.get(lon_key)
        if raw_lat is None and raw_lon is None:
            continue
        latitude, longitude = _number(raw_lat), _number(raw_lon)
        if latitude is None or longitude is None:
            position.warnings.append(
                f"{label} position is incomplete or not a number ({raw_lat!r}, {raw_lon!r}); ignored"
            )
            continue
        latitude = _signed(latitude, tags.get(lat_ref) if lat_ref else None, ("S",))
        longitude = _signed(longitude, tags.get(lon_ref) if lon_ref else None, ("W",))
        problem = position_problem(latitude, longitude)
        if problem and position_is_placeholder(latitude, longitude):
            position.warnings.append(f"{label} position: {problem}; treated as missing")
            return position
        if problem:
            position.warnings.append(f"{label} position {latitude}, {longitude}: {problem}; ignored")
            continue
        position.latitude, position.longitude = round(latitude, 7), round(longitude, 7)
        altitude = _number(tags.get(alt_key))
        if altitude is not None:
            # Altitude ref 1 means below sea level (EXIF and XMP alike).
            below = str(tags.get(alt_ref, "0")).strip() in ("1", "Below Sea Level")
            position.altitude = round(-abs(altitude) if below else altitude, 2)
        return position
    return position
