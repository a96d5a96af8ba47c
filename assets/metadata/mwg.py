"""Metadata Working Group reconciliation of EXIF, IPTC-IIM and XMP.

The same rules ExifTool's MWG composite tags apply (MWG Guidelines 2.0), for every field of the
field table, not just the handful MWG names:

1. EXIF wins where it holds a non-blank value (description, creator, copyright, dates).
2. With no IPTC-IIM block in the file, XMP is the answer.
3. XMP wins when it has a value and the IPTC digest says the IIM block is the one XMP was synced
   with (no stored digest, or a stored digest equal to the digest of the IIM block now).
4. Otherwise the IIM block was edited by a tool that did not update XMP (a stale digest), or XMP
   lacks the value: IIM wins, except where IIM's length limit truncated a longer XMP value.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IptcState:
    present: bool  # the file has an IPTC-IIM block (ExifTool computed CurrentIPTCDigest)
    in_sync: bool  # no stored digest, or the stored digest matches the current one

    @property
    def stale(self) -> bool:
        return self.present and not self.in_sync


def iptc_state(tags: dict) -> IptcState:
    current = tags.get("File:CurrentIPTCDigest")
    stored = tags.get("Photoshop:IPTCDigest")
    return IptcState(present=current is not None, in_sync=stored is None or str(stored) == str(current))


def _blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, (list, tuple)):
        return all(_blank(item) for item in value)
    return str(value).strip() == ""


def reconcile(exif, iptc, xmp, state: IptcState, iptc_limit: int | None = None):
    """The value MWG says a reader should take, given each source's value (None if absent)."""
    if not _blank(exif):
        return exif
    if not state.present or (not _blank(xmp) and state.in_sync):
        return None if _blank(xmp) else xmp
    if _blank(iptc):
        return None if _blank(xmp) else xmp
    return _recover_truncated(iptc, xmp, iptc_limit)


def _recover_truncated(iptc, xmp, limit: int | None):
    """IIM caps lengths (32, 64, 2000 characters...); a capped IIM value that begins an XMP
    value is the XMP value, truncated on its way into IIM."""
    if _blank(xmp) or limit is None:
        return iptc
    if isinstance(iptc, (list, tuple)):
        xmp_list = list(xmp) if isinstance(xmp, (list, tuple)) else [xmp]
        return [
            _recover_truncated(item, xmp_list[i] if i < len(xmp_list) else None, limit) for i, item in enumerate(iptc)
        ]
    if isinstance(xmp, (list, tuple)):
        xmp = xmp[0] if xmp else None
    iptc_text, xmp_text = str(iptc), str(xmp) if xmp is not None else ""
    if len(iptc_text) == limit and len(xmp_text) > limit and xmp_text.startswith(iptc_text):
        return xmp
    return iptc
