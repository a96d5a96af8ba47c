"""Writing canonical field values into image files, the way MWG asks writers to.

Each field is written to every place the reader looks first: EXIF (where EXIF has a field for it
and the file has an EXIF block), XMP always, and IPTC-IIM only when the file already has an IIM
block (MWG: do not add IIM to files without it). GPS goes to EXIF (degrees with N/S and E/W
references) and XMP; dates to EXIF (with the time zone offset), IIM and XMP.

What a caller may rely on, beyond the edited values:

- **Nothing else changes.** EXIF and IIM are written by ExifTool, which copies everything else
  through. XMP is edited by dam itself (``xmp_write``): ExifTool would rebuild the packet and merge
  a JPEG's extended XMP into it. Only the standard-location IIM block (a JPEG's APP13, a TIFF's
  IFD0) is written: MWG reads only that one, so a second IIM block elsewhere (ExifTool's
  ``IPTC2``) is left as it was.
- **The IIM character set is kept.** IIM marked UTF-8 (``CodedCharacterSet`` ESC % G) is written
  in UTF-8. IIM with no ``CodedCharacterSet``, or one naming ISO 8859-1, is read by ExifTool (and
  dam) as Latin-1 (Windows-1252), and edited values are written in that character set, so the
  unedited values keep meaning what they meant. When an edited value has a character Latin-1
  lacks, the whole block is re-encoded to UTF-8: every IIM value is rewritten in UTF-8 and
  ``CodedCharacterSet`` is set (with ``EnvelopeRecordVersion``, which record 1 requires). IIM in
  any other declared character set is not written: ``ImageWriteError`` says so.
- **IIM bookkeeping only where IIM is written.** A file without IIM never gets IIM (nor
  ``EnvelopeRecordVersion``, ``ApplicationRecordVersion`` or ``CodedCharacterSet``). A file with
  IIM may get ``ApplicationRecordVersion`` (record 2's mandatory first dataset) if it lacked it,
  and gets record 1's two datasets only on the switch to UTF-8 described above.
- **The IPTC digest:** when IIM is written and its digest was in sync (or absent), the stored digest
  is brought up to date, so readers keep trusting XMP; a stale digest stays stale, so the values an
  IIM-only tool set keep their precedence.
"""

from __future__ import annotations

from pathlib import Path

from assets.fields import FIELDS_BY_NAME, Field
from assets.metadata.exiftool import exiftool_session
from assets.metadata.mwg import IptcState, iptc_state
from assets.metadata.xmp_write import ImageWriteError, XmpEdit, image_xmp_write, xmp_edit, xmp_gps_edits

GPS_FIELDS = {"latitude", "longitude", "altitude"}
IIM_UTF8 = "\x1b%G"  # ISO 2022 escape for UTF-8, as ExifTool reports CodedCharacterSet with -n
# ISO 2022 designations of ISO 8859-1 (G0..G3): ExifTool reads these, like no declaration at all, as Latin.
_IIM_LATIN1 = {"\x1b,A", "\x1b-A", "\x1b.A", "\x1b/A"}


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


def _field_args(field: Field, value, has_iptc: bool, has_exif: bool, with_xmp: bool = True) -> list[str]:
    args = []
    for tag in _targets(field, has_iptc, has_exif):
        if tag.startswith("XMP") and not with_xmp:
            continue
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


def iim_charset(tags: dict) -> str | None:
    """The character set of the file's IIM block as ExifTool names it: "UTF8", "Latin" (no
    ``CodedCharacterSet``, or ISO 8859-1: ExifTool reads both as Windows-1252), or None for any
    other declared character set."""
    declared = tags.get("IPTC:CodedCharacterSet")
    if declared in (None, ""):
        return "Latin"
    if declared in (IIM_UTF8, "UTF8"):
        return "UTF8"
    return "Latin" if declared in _IIM_LATIN1 else None


def _iim_args(changes: dict, tags: dict, has_exif: bool) -> list[str]:
    """ExifTool arguments for EXIF and IIM (XMP is written separately), in the file's IIM charset."""
    state = iptc_state(tags)
    args = []
    for name, value in changes.items():
        if name in GPS_FIELDS or name == "date_created":
            continue
        field = FIELDS_BY_NAME[name]
        args += _field_args(field, value, state.present, has_exif, with_xmp=False)
    if "date_created" in changes:
        args += [arg for arg in _date_args(changes["date_created"] or "", state.present, has_exif) if "-XMP" not in arg]
    iim = [arg for arg in args if arg.startswith("-IPTC:")]
    if not iim:
        return args
    charset = iim_charset(tags)
    if charset is None:
        declared = ascii(tags.get("IPTC:CodedCharacterSet"))
        raise ImageWriteError(
            f"this file's IPTC-IIM declares the character set {declared}, which dam cannot write without "
            "corrupting the values it does not edit; convert the IIM to UTF-8 (e.g. exiftool -tagsFromFile @ "
            "-iptc:all -codedcharacterset=utf8) and upload the file again"
        )
    values = [arg.partition("=")[2] for arg in iim]
    if charset == "Latin" and not all(_latin_encodable(value) for value in values):
        # Re-encode every IIM value to UTF-8 at once, so old and new values share one character set.
        return ["-tagsFromFile", "@", "-IPTC:all", f"-IPTC:CodedCharacterSet={IIM_UTF8}", *args]
    return ["-charset", f"iptc={charset}", *args]


def _latin_encodable(text: str) -> bool:
    try:
        text.encode("cp1252")  # ExifTool's "Latin" is Windows-1252
    except UnicodeEncodeError:
        return False
    return True


def _xmp_edits(changes: dict, values: dict) -> list[XmpEdit]:
    edits = []
    for name, value in changes.items():
        if name in GPS_FIELDS or name == "date_created":
            continue
        field = FIELDS_BY_NAME[name]
        if field.xmp:
            edits.append(xmp_edit(field.xmp[0], value))
    if "date_created" in changes:
        edits.append(xmp_edit("XMP-photoshop:DateCreated", _xmp_date(changes["date_created"] or "")))
    if GPS_FIELDS & set(changes) and "latitude" in values:
        edits += xmp_gps_edits(values.get("latitude"), values.get("longitude"), values.get("altitude"))
    return edits


def _xmp_date(iso: str) -> str | None:
    """XMP's date form (ISO 8601) without fractions of a second, as the EXIF and IIM copies."""
    if not iso:
        return None
    day, _, clock = iso.partition("T")
    if not clock:
        return day
    zone = ""
    for sign in ("+", "-", "Z"):
        if sign in clock:
            clock, _, rest = clock.partition(sign)
            zone = "+00:00" if sign == "Z" else f"{sign}{rest}"
            break
    return f"{day}T{clock.split('.')[0]}{zone}"


def image_tags_write(path: Path, changes: dict, values: dict, tags: dict) -> None:
    """Write ``changes`` into the image at ``path`` in place; ``tags`` are ExifTool's reading of the
    file before (``-G1 -n``). Raises ExifToolWriteError (``ImageWriteError`` for changes dam
    refuses to make, with the reason)."""
    state = iptc_state(tags)
    has_exif = has_exif_block(tags)
    args = _iim_args(changes, tags, has_exif)
    if GPS_FIELDS & set(changes) and "latitude" in values:  # (a derived position is not written)
        args += [
            arg
            for arg in _gps_args(values.get("latitude"), values.get("longitude"), values.get("altitude"))
            if not arg.startswith("-XMP")
        ]
    writes_iim = any(arg.startswith("-IPTC:") for arg in args)
    if writes_iim and state.in_sync:
        args.append("-Photoshop:IPTCDigest=new")
    session = exiftool_session()
    edits = _xmp_edits(changes, values)  # checked before the file is touched
    if args:
        outside = _iim_outside_standard_place(path, tags, args, session)
        session.write(path, ["-n", *args])
        if outside:
            _iim_block_restore(path, outside, session)
    image_xmp_write(path, edits, session)
    if writes_iim and state.in_sync:
        # ExifTool 12.57 digests TIFF IIM before padding it: store the digest it reads back.
        after = session.read([path])[str(path)]
        current = after.get("File:CurrentIPTCDigest")
        if current and after.get("Photoshop:IPTCDigest") != current:
            session.write(path, [f"-Photoshop:IPTCDigest={current}"])


def _iim_outside_standard_place(path: Path, tags: dict, args: list[str], session) -> bytes:
    """A JPEG's IIM block inside its EXIF IFD0 (ExifTool's ``IPTC2``), which ExifTool edits along
    with the standard APP13 block whenever it rewrites IFD0. MWG reads only the standard block, so
    dam keeps the other as it was (b"" when there is none, or EXIF is not rewritten)."""
    if tags.get("File:FileType") == "TIFF" or not any(arg.startswith(("-IFD0:", "-ExifIFD:", "-GPS:")) for arg in args):
        return b""
    return session.read_block(path, "IFD0:IPTC-NAA")


def _iim_block_restore(path: Path, block: bytes, session) -> None:
    staged = path.with_name(f"{path.name}.iim-block")
    staged.write_bytes(block)
    try:
        session.write(path, [f"-IFD0:IPTC-NAA<={staged}"])
    finally:
        staged.unlink(missing_ok=True)
