"""Writing canonical field values into image files with ExifTool, the way MWG asks writers to.

Each field is written to every place the reader looks first: EXIF (where EXIF has a field for it),
XMP always, and IPTC-IIM only when the file already has an IIM block (MWG: do not add IIM to
files without it). When IIM is written and its digest was in sync (or absent), the stored
IPTC digest is brought up to date, so readers keep trusting XMP; a stale digest stays stale, so
the values an IIM-only tool set keep their precedence. GPS goes to EXIF (degrees with N/S and E/W
references) and XMP; dates to EXIF (with the time zone offset), IIM and XMP.
"""

from __future__ import annotations

from pathlib import Path

from assets.fields import FIELDS_BY_NAME, Field
from assets.metadata.exiftool import exiftool_session
from assets.metadata.mwg import IptcState, iptc_state

GPS_FIELDS = {"latitude", "longitude", "altitude"}


def image_writable_fields() -> set[str]:
    return {f.name for f in FIELDS_BY_NAME.values() if f.exif or f.iptc or f.xmp} | {"date_created"} | GPS_FIELDS


def _targets(field: Field, has_iptc: bool, has_exif: bool) -> list[str]:
    targets = [field.exif[0]] if field.exif and has_exif else []
    if field.iptc and has_iptc:
        targets.append(field.iptc[0])
    if field.xmp:
        targets.append(field.xmp[0])
    return targets


def _assign(tag: str, value, is_list: bool) -> list[str]:
    if value in (None, "", []):
        return [f"-{tag}="]
    if is_list:
        # Clear first, then add each item: ExifTool accumulates list assignments.
        return [f"-{tag}=", *[f"-{tag}={item}" for item in value]]
    return [f"-{tag}={value}"]


def _field_args(field: Field, value, has_iptc: bool, has_exif: bool) -> list[str]:
    args = []
    for tag in _targets(field, has_iptc, has_exif):
        if tag == "IFD0:Artist" and value:
            # EXIF Artist is one string; MWG stores several creators separated by "; ".
            args += [f"-{tag}={'; '.join(value)}"]
        else:
            args += _assign(tag, value, field.is_list and tag != "IFD0:Artist")
    return args


def _date_args(iso: str, has_iptc: bool, has_exif: bool) -> list[str]:
    tags = ["XMP-photoshop:DateCreated"]
    if has_exif:
        tags += ["ExifIFD:DateTimeOriginal", "ExifIFD:OffsetTimeOriginal"]
    if has_iptc:
        tags += ["IPTC:DateCreated", "IPTC:TimeCreated"]
    if not iso:
        return [f"-{tag}=" for tag in tags]
    day, _, clock = iso.partition("T")
    exif_day = day.replace("-", ":")
    offset = ""
    if clock:
        for sign in ("+", "-", "Z"):
            if sign in clock:
                clock, _, rest = clock.partition(sign)
                offset = "+00:00" if sign == "Z" else f"{sign}{rest}"
                break
        clock = clock.split(".")[0]
    args = [f"-XMP-photoshop:DateCreated={exif_day}{' ' + clock if clock else ''}{offset}"]
    if has_exif and clock and len(exif_day) == 10:
        args += [f"-ExifIFD:DateTimeOriginal={exif_day} {clock}", f"-ExifIFD:OffsetTimeOriginal={offset}"]
    if has_iptc and len(exif_day) == 10:
        args += [f"-IPTC:DateCreated={exif_day}"]
        args += [f"-IPTC:TimeCreated={clock}{offset}"] if clock else ["-IPTC:TimeCreated="]
    return args


def _gps_args(latitude, longitude, altitude) -> list[str]:
    if latitude is None or longitude is None:
        return [
            "-GPS:all=",
            "-XMP-exif:GPSLatitude=",
            "-XMP-exif:GPSLongitude=",
            "-XMP-exif:GPSAltitude=",
            "-XMP-exif:GPSAltitudeRef=",
        ]
    args = [
        f"-GPS:GPSLatitude={abs(latitude)}",
        f"-GPS:GPSLatitudeRef={'S' if latitude < 0 else 'N'}",
        f"-GPS:GPSLongitude={abs(longitude)}",
        f"-GPS:GPSLongitudeRef={'W' if longitude < 0 else 'E'}",
        f"-XMP-exif:GPSLatitude={latitude}",
        f"-XMP-exif:GPSLongitude={longitude}",
    ]
    if altitude is None:
        args += ["-GPS:GPSAltitude=", "-GPS:GPSAltitudeRef=", "-XMP-exif:GPSAltitude=", "-XMP-exif:GPSAltitudeRef="]
    else:
        reference = 1 if altitude < 0 else 0  # 1: below sea level
        args += [
            f"-GPS:GPSAltitude={abs(altitude)}",
            f"-GPS:GPSAltitudeRef={reference}",
            f"-XMP-exif:GPSAltitude={abs(altitude)}",
            f"-XMP-exif:GPSAltitudeRef={reference}",
        ]
    return args


def has_exif_block(tags: dict) -> bool:
    return any(key.startswith(("IFD0:", "ExifIFD:")) for key in tags)


def image_write_arguments(changes: dict, values: dict, state: IptcState, has_exif: bool) -> list[str]:
    """ExifTool arguments that write ``changes`` ({field: new value}); ``values`` are all the
    asset's values (GPS is written as a whole position). EXIF is written only into files that
    have it (creating an EXIF block adds tags of its own), except GPS, which lives there."""
    args = ["-n", "-charset", "iptc=UTF8"]
    if state.present:
        args.append("-IPTC:CodedCharacterSet=\x1b%G")  # ISO 2022 escape for UTF-8 (raw, as -n writes)
    for name, value in changes.items():
        if name in GPS_FIELDS or name == "date_created":
            continue
        args += _field_args(FIELDS_BY_NAME[name], value, state.present, has_exif)
    if "date_created" in changes:
        args += _date_args(changes["date_created"] or "", state.present, has_exif)
    if GPS_FIELDS & set(changes) and "latitude" in values:  # (a derived position is not written)
        args += _gps_args(values.get("latitude"), values.get("longitude"), values.get("altitude"))
    if state.present and state.in_sync:
        args.append("-Photoshop:IPTCDigest=new")
    return args


def image_tags_write(path: Path, changes: dict, values: dict, tags: dict) -> None:
    """Write ``changes`` into the image at ``path`` in place; ``tags`` are ExifTool's reading of the
    file before (raises ExifToolWriteError)."""
    state = iptc_state(tags)
    session = exiftool_session()
    session.write(path, image_write_arguments(changes, values, state, has_exif_block(tags)))
    if state.present and state.in_sync:
        # ExifTool 12.57 digests TIFF IIM before padding it: store the digest it reads back.
        after = session.read([path])[str(path)]
        current = after.get("File:CurrentIPTCDigest")
        if current and after.get("Photoshop:IPTCDigest") != current:
            session.write(path, [f"-Photoshop:IPTCDigest={current}"])
