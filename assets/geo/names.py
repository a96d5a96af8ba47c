"""How place and country names are compared: casefolded, without accents or punctuation."""

from __future__ import annotations

import re
import unicodedata

# Letters that Unicode does not decompose into a base letter and an accent, so NFKD alone would keep them.
_UNDECOMPOSED_LETTERS = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i", "ħ": "h", "ŧ": "t"}
)
_PUNCTUATION = re.compile(r"[\s\-‐‑–—_.,'’`/()]+")
# The generic combining accents (U+0300 to U+036F and their extensions); marks that belong to a script, such as
# Devanagari vowel signs, are part of the spelling and stay.
_COMBINING_ACCENTS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def normalize_name(name: str) -> str:
    """A place name as matching compares it: casefolded, accents and punctuation gone ("Zürich" -> "zurich")."""
    folded = name.casefold()
    if not folded.isascii():  # most names are plain ASCII: the decomposition is the slow part
        folded = _COMBINING_ACCENTS.sub("", unicodedata.normalize("NFKD", folded)).translate(_UNDECOMPOSED_LETTERS)
    return _PUNCTUATION.sub(" ", folded).strip()
