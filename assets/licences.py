"""Common licences and rights statements by name: what a librarian reads instead of a web
statement URL.

A web statement (``web_statement_url``, XMP ``xmpRights:WebStatement``) is a URL; the same licence
arrives written in many ways (http or https, with or without ``www.``, ``legalcode`` or a
``deed.xx`` page, a national port of a Creative Commons licence). ``licence_name`` reads them all
as one name; a URL it does not know is shown shortened, never guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Licence:
    name: str
    url: str  # the canonical form
    free: bool  # may be reused without asking (with the licence's conditions)


_CC_KINDS = ("by", "by-sa", "by-nd", "by-nc", "by-nc-sa", "by-nc-nd")
_CC_VERSIONS = ("1.0", "2.0", "2.5", "3.0", "4.0")
# rightsstatements.org: the statements cultural heritage institutions use.
_RIGHTS_STATEMENTS = {
    "InC": "In Copyright (all rights reserved)",
    "InC-OW-EU": "In Copyright, EU orphan work",
    "InC-EDU": "In Copyright, educational use permitted",
    "InC-NC": "In Copyright, non-commercial use permitted",
    "InC-RUU": "In Copyright, rights-holder(s) unlocatable",
    "NoC-CR": "No Copyright, contractual restrictions",
    "NoC-NC": "No Copyright, non-commercial use only",
    "NoC-OKLR": "No Copyright, other known legal restrictions",
    "NoC-US": "No Copyright, United States",
    "CNE": "Copyright not evaluated",
    "UND": "Copyright undetermined",
    "NKC": "No known copyright",
}

LICENCES: tuple[Licence, ...] = (
    *(
        Licence(f"CC {kind.upper()} {version}", f"https://creativecommons.org/licenses/{kind}/{version}/", True)
        for kind in _CC_KINDS
        for version in _CC_VERSIONS
    ),
    Licence("CC0 1.0", "https://creativecommons.org/publicdomain/zero/1.0/", True),
    Licence("Public Domain Mark 1.0", "https://creativecommons.org/publicdomain/mark/1.0/", True),
    *(
        Licence(name, f"https://rightsstatements.org/vocab/{code}/1.0/", code.startswith("NoC") or code == "NKC")
        for code, name in _RIGHTS_STATEMENTS.items()
    ),
)
_BY_KEY = {}  # filled below: a URL reduced to its key -> licence

ALL_RIGHTS_RESERVED = "All rights reserved"


def _key(url: str) -> str:
    """A URL as the part that names the licence: no scheme, ``www.``, page name or language."""
    text = url.strip().lower()
    text = re.sub(r"^[a-z]+://", "", text)
    text = re.sub(r"^www\.", "", text)
    text = re.sub(r"[?#].*$", "", text)
    text = re.sub(r"/(legalcode|deed)(\.[a-z_-]+)?$", "", text.rstrip("/"))
    text = re.sub(r"/(legalcode|deed)(\.[a-z_-]+)?$", "", text)
    # A national port of a CC licence ("licenses/by/3.0/de") is the same licence, for a name.
    text = re.sub(r"^(creativecommons\.org/licenses/[a-z-]+/[0-9.]+)/[a-z]{2}(-[a-z]{2})?$", r"\1", text)
    # rightsstatements.org's pages (/page/InC/1.0/) name the same statement as its vocabulary URIs.
    text = re.sub(r"^rightsstatements\.org/page/", "rightsstatements.org/vocab/", text)
    return text.rstrip("/")


for _licence in LICENCES:
    _BY_KEY[_key(_licence.url)] = _licence


def licence_for(url: str) -> Licence | None:
    """The known licence a web statement URL names, or None."""
    return _BY_KEY.get(_key(url)) if url else None


def licence_name(url: str, notices: tuple[str, ...] = ()) -> str:
    """What to call an asset's licence: the licence's name, "All rights reserved" where there is no
    URL but a notice says so, the URL shortened (host and path) where dam does not know it, or ""."""
    if not url:
        reserved = any("all rights reserved" in (notice or "").casefold() for notice in notices)
        return ALL_RIGHTS_RESERVED if reserved else ""
    licence = licence_for(url)
    if licence is not None:
        return licence.name
    return re.sub(r"^[a-z]+://(www\.)?", "", url.strip(), flags=re.IGNORECASE).rstrip("/")
