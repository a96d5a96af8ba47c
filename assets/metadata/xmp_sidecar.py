"""XMP sidecars that come with media at folder ingest: pairing, and reading them by the MWG rules.

``IMG_0001.CR2`` is paired with ``IMG_0001.CR2.xmp`` (as darktable names them) or, failing that,
``IMG_0001.xmp`` (as Lightroom and Capture One do), in any letter case; each sidecar goes with one
file (``IMG_0001.xmp`` beside ``IMG_0001.CR2`` and ``IMG_0001.JPG`` with the raw). A sidecar with
no media beside it is an orphan, reported as such. The MWG guidance makes the sidecar the master copy of
XMP where one exists: its XMP replaces the file's own, and for camera raw files (which editors
never write) it also outranks the camera's EXIF description, artist and copyright, each where
the sidecar holds that field.
"""

from __future__ import annotations

from pathlib import Path

from assets.fields import FIELDS

SIDECAR_EXTENSION = ".xmp"
# EXIF tags a raw file's sidecar outranks (the camera wrote them; a librarian's edits are in XMP),
# each with the XMP properties of its field (description, creators, copyright) that outrank it.
_RAW_EXIF_OUTRANKED = {exif: field.xmp for field in FIELDS if field.xmp for exif in field.exif}


def is_sidecar(path: Path) -> bool:
    return path.suffix.lower() == SIDECAR_EXTENSION


def sidecar_for(media: Path) -> Path | None:
    """The sidecar beside ``media``, if there is one that belongs to it: ``IMG_0001.CR2.xmp``, or
    ``IMG_0001.xmp`` where ``sidecar_media`` gives it to this file and not to a sibling of the
    same name (``IMG_0001.JPG`` beside ``IMG_0001.CR2``)."""
    full = (media.name + SIDECAR_EXTENSION).lower()
    wanted = {full, (media.stem + SIDECAR_EXTENSION).lower()}
    try:
        siblings = sorted(p for p in media.parent.iterdir() if p.name.lower() in wanted and p.is_file())
    except OSError:
        return None
    # darktable's full-name form first: it cannot belong to a sibling with another extension.
    siblings.sort(key=lambda p: p.name.lower() != full)
    return next((p for p in siblings if p.name.lower() == full or sidecar_media(p) == media), None)


def sidecar_media(sidecar: Path) -> Path | None:
    """The one media file beside ``sidecar`` that it belongs to, or None (an orphan): the full
    name (``IMG_0001.CR2.xmp``), else of the files with its stem a camera raw (the MWG guidance
    makes the sidecar a raw file's place for XMP, and Lightroom writes one for the raw of a
    RAW+JPEG pair), then one named like a type dam takes (XMP.jpg before XMP.inx), then by name."""
    from assets.detection import FORMATS

    extensions = {
        extension: media_format.raw for media_format in FORMATS.values() for extension in media_format.extensions
    }
    stem = sidecar.name[: -len(SIDECAR_EXTENSION)].lower()
    try:
        siblings = sorted(p for p in sidecar.parent.iterdir() if p.is_file() and not is_sidecar(p))
    except OSError:
        return None

    def preference(path: Path) -> tuple[bool, bool, bool]:
        extension = path.suffix.lower().lstrip(".")
        return path.name.lower() != stem, not extensions.get(extension, False), extension not in extensions

    siblings.sort(key=preference)
    return next((p for p in siblings if p.name.lower() == stem or p.stem.lower() == stem), None)


def sidecar_tags_merge(embedded: dict, sidecar: dict, raw: bool) -> dict:
    """ExifTool tags of a file with its sidecar's XMP in place of its own (see the docstring)."""
    merged = {key: value for key, value in embedded.items() if not key.startswith("XMP-")}
    if raw:  # where the sidecar says nothing of a field, the camera's EXIF value still stands
        for key, properties in _RAW_EXIF_OUTRANKED.items():
            if any(sidecar.get(name) not in (None, "", []) for name in properties):
                merged.pop(key, None)
    merged.update({key: value for key, value in sidecar.items() if key.startswith("XMP-")})
    return merged
