"""Clean text from tags: what a damaged or hostile tag must never put into a canonical value.

What a caller may rely on: ``text_clean`` removes control characters (NUL included; tabs and line
breaks stay, a CR LF becomes one line break) and nothing else. ``id3_frame_spill`` finds the
header of another ID3 frame inside a frame's text, where a frame that declared a size larger than
it is made the reader swallow what follows it (the title "Tester" read as ``"TesterTALB"``, then
the size bytes, then the album), and cuts the text there. ``tags_clean`` applies both to a
reader's {tag: value} dictionary and says, tag by tag, what was dropped; readers turn that into a
warning for the librarian and keep the original values in the raw dump.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

# Tabs and line breaks are text (a description has paragraphs); every other control character is not.
_KEPT_CONTROLS = frozenset("\t\n")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# A frame ID, then a 4-byte size whose first byte is 0 (no text frame needs 16 MB), 2 flag bytes,
# and a text encoding byte (0-3): the start of an ID3v2.3/2.4 frame, seen as text.
_FRAME_HEADER = re.compile(r"([A-Z][A-Z0-9]{3})\x00([\x00-\x7f]{3})[\x00-\xff]{2}[\x00-\x03]")


def text_clean(text: str) -> str:
    """``text`` without control characters (tabs and line breaks kept; CR LF and CR become LF)."""
    if not _CONTROL.search(text):
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in _KEPT_CONTROLS or unicodedata.category(ch) != "Cc")


@cache
def _id3_frame_ids() -> frozenset[str]:
    from mutagen.id3 import Frames

    return frozenset(Frames)


def id3_frame_spill(texts: list[str]) -> tuple[list[str], str | None]:
    """One ID3 frame's texts (mutagen splits them at NUL), cut before the header of another frame
    the frame swallowed; and that frame's ID, or None when there is none."""
    joined = "\x00".join(texts)
    for match in _FRAME_HEADER.finditer(joined):
        if match.group(1) not in _id3_frame_ids():
            continue
        size_bytes = b"\x00" + match.group(2).encode("latin-1")
        rest = len(joined[match.end() - 1 :].encode("utf-8"))
        syncsafe = sum(byte << (7 * (3 - index)) for index, byte in enumerate(size_bytes))
        plain = int.from_bytes(size_bytes, "big")
        # A real header declares at most what follows it (the rest of the swallowed tag).
        if 0 < min(syncsafe, plain) <= rest:
            return joined[: match.start()].split("\x00"), match.group(1)
    return texts, None


def tags_clean(tags: dict, keys: set[str] | None = None, id3: bool = False) -> tuple[dict, dict[str, str]]:
    """``tags`` ({tag: text or list of texts}) with clean texts, and {tag: what was dropped} for
    each tag of ``keys`` (in any case; every tag when None) that changed; other tags are left.
    ``id3``: values are ID3 frames' texts, checked for a swallowed frame too. ``tags`` itself is
    left as it was (it is the raw dump)."""
    cleaned: dict = {}
    problems: dict[str, str] = {}
    wanted = {key.casefold() for key in keys} if keys is not None else None
    for key, value in tags.items():
        if wanted is not None and key.casefold() not in wanted:
            cleaned[key] = value
            continue
        spilled = None
        if id3 and isinstance(value, list) and all(isinstance(item, str) for item in value):
            value, spilled = id3_frame_spill(value)
        new = _value_clean(value)
        if spilled or new != _value_clean(tags[key], _line_breaks):
            problems[key] = _dropped(spilled, tags[key])
        cleaned[key] = new
    return cleaned, problems


def _line_breaks(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _value_clean(value, clean=text_clean):
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [_value_clean(item, clean) for item in value]
    return value


def _dropped(spilled: str | None, original) -> str:
    parts = []
    if spilled:
        parts.append(f"the text ran into a {spilled} frame (a damaged frame size), which was cut off")
    texts = original if isinstance(original, list) else [original]
    controls = sorted(
        {f"U+{ord(ch):04X}" for text in texts if isinstance(text, str) for ch in _CONTROL.findall(text) if ch != "\r"}
    )
    if controls and not spilled:
        parts.append(f"control characters were removed ({', '.join(controls[:6])}{'…' if len(controls) > 6 else ''})")
    return "; ".join(parts) or "control characters were removed"


def tag_warnings(problems: dict[str, str], family: str = "") -> list[str]:
    """One warning per damaged tag, naming it (``family``: "ID3", where the key does not say it)."""
    kind = f"{family} tag" if family else "tag"
    return [
        f"the {kind} {key} held damaged text: {problem}; the raw dump keeps the original"
        for key, problem in problems.items()
    ]
