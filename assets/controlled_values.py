"""The controlled vocabularies of the fields whose values are URIs: PLUS release statuses and
IPTC's digital source types. The URI is what files hold and dam stores; the label is what a
librarian reads and picks.

A file may hold a value that is not in the vocabulary (an old code, a short form such as
``MR-NAP``, a typo): dam keeps it as it is and shows it as it is; ``controlled_label`` names the
short forms too.
"""

from __future__ import annotations

PLUS = "http://ns.useplus.org/ldf/vocab/"
DIGITAL_SOURCE_TYPE = "http://cv.iptc.org/newscodes/digitalsourcetype/"

MODEL_RELEASE_STATUS: tuple[tuple[str, str], ...] = (
    (f"{PLUS}MR-NON", "None (no model release)"),
    (f"{PLUS}MR-NAP", "Not applicable (no people shown)"),
    (f"{PLUS}MR-UMR", "Unlimited model releases"),
    (f"{PLUS}MR-LMR", "Limited or incomplete model releases"),
)

PROPERTY_RELEASE_STATUS: tuple[tuple[str, str], ...] = (
    (f"{PLUS}PR-NON", "None (no property release)"),
    (f"{PLUS}PR-NAP", "Not applicable (no property shown)"),
    (f"{PLUS}PR-UPR", "Unlimited property releases"),
    (f"{PLUS}PR-LPR", "Limited or incomplete property releases"),
)

# IPTC NewsCodes "Digital Source Type" (2025 edition), current terms first, then retired ones
# that older files still carry.
DIGITAL_SOURCE_TYPES: tuple[tuple[str, str], ...] = tuple(
    (DIGITAL_SOURCE_TYPE + code, label)
    for code, label in (
        ("digitalCapture", "Original digital capture of a real scene"),
        ("computationalCapture", "Computational capture (e.g. a phone's merged exposures)"),
        ("negativeFilm", "Digitised from a negative on film"),
        ("positiveFilm", "Digitised from a positive on film (a slide)"),
        ("print", "Digitised from a print"),
        ("humanEdits", "Human-edited media"),
        ("compositeCapture", "Composite of captured elements"),
        ("algorithmicallyEnhanced", "Algorithmically enhanced"),
        ("digitalCreation", "Digital creation (made by a person with software)"),
        ("dataDrivenMedia", "Data-driven media (e.g. a chart)"),
        ("screenCapture", "Screen capture"),
        ("virtualRecording", "Virtual recording"),
        ("composite", "Composite"),
        ("compositeSynthetic", "Composite with synthetic elements"),
        ("trainedAlgorithmicMedia", "Created using generative AI"),
        ("compositeWithTrainedAlgorithmicMedia", "Edited using generative AI"),
        ("algorithmicMedia", "Pure algorithmic media (no training data)"),
        ("minorHumanEdits", "Minor human edits (retired term)"),
        ("softwareImage", "Software image (retired term)"),
        ("digitalArt", "Digital art (retired term)"),
    )
)


def controlled_label(vocabulary: tuple[tuple[str, str], ...], value: str) -> str:
    """The label of ``value`` (a URI, or the code at its end: ``MR-NAP``), else the value itself."""
    if not value:
        return ""
    for uri, label in vocabulary:
        if value == uri or value == uri.rsplit("/", 1)[-1]:
            return label
    return value
