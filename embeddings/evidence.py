"""Search evidence in words, for people: "title and keywords match; said at 0:12–0:19: '…'"."""

from __future__ import annotations

FIELD_NAMES = {
    "title": "title",
    "headline": "headline",
    "keywords": "keywords",
    "persons_shown": "persons shown",
    "sublocation": "place",
    "city": "city",
    "province_state": "region",
    "country": "country",
    "description": "description",
    "alt_text": "alt text",
    "extended_description": "extended description",
}


def clock(milliseconds: int | None) -> str:
    """0:07, 1:02:03: a time in a recording as players show it."""
    seconds = int((milliseconds or 0) // 1000)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def evidence_in_words(evidence: dict) -> str:
    """One line per kind of evidence, joined by "; ", strongest kinds first."""
    parts = []
    for kind, entry in sorted(evidence.items(), key=lambda item: -item[1].get("score", 0)):
        if kind == "metadata":
            fields = [FIELD_NAMES.get(name, name) for name in entry.get("fields", [])]
            if fields:
                verb = "matches" if len(fields) == 1 else "match"
                parts.append(f"{_listed(fields)} {verb}")
            else:
                parts.append("the description means much the same")
        elif kind == "spoken":
            said = f"said at {clock(entry.get('start_ms'))}–{clock(entry.get('end_ms'))}"
            text = entry.get("text", "")
            parts.append(f"{said}: '{text[:120]}{'…' if len(text) > 120 else ''}'" if text else said)
        elif kind == "visual":
            parts.append("looks like it")
        elif kind == "acoustic":
            parts.append(f"sounds like it at {clock(entry.get('start_ms'))}–{clock(entry.get('end_ms'))}")
    return "; ".join(parts)
