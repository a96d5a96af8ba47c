"""The relevance benchmark's queries and graded judgements (2 = about it, 1 = related, absent = not).

Each query names its class (the classes of the issue: metadata words, paraphrase, place names,
vocabulary, spoken content, mixed kinds, typos, quoted phrases, exclusions, unanswerable) and
judges assets by their labels in ``benchmarks.relevance.library``. Spoken queries also name the
sentence (its time span) that answers them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from benchmarks.relevance.library import PLACES, LibraryAsset

# Subjects a person looking for one would also be glad to see (grade 1).
RELATED = {
    "harbour": ["sailing", "lighthouse"],
    "sailing": ["harbour"],
    "lighthouse": ["harbour"],
    "tram": ["car", "bicycle"],
    "bicycle": ["car", "tram"],
    "car": ["tram", "bicycle"],
    "orchard": ["market", "vineyard"],
    "vineyard": ["orchard"],
    "market": ["orchard", "bakery"],
    "bakery": ["market"],
    "choir": ["violin"],
    "violin": ["choir"],
    "football": ["marathon"],
    "marathon": ["football"],
    "owl": ["forest"],
}


@dataclass
class Query:
    category: str
    text: str
    grades: dict[str, int] = field(default_factory=dict)
    sentence: int | None = None  # spoken: the sentence (index into the recording's spans) that answers it


def _subject(assets, key: str, grade: int = 2, related: bool = True, skip=()) -> dict[str, int]:
    grades = {a.label: grade for a in assets if a.subject == key and a.kind == "image" and a.label not in skip}
    if related:
        for other in RELATED.get(key, []):
            grades.update({a.label: 1 for a in assets if a.subject == other and a.kind == "image"})
        grades.update({a.label: 1 for a in assets if a.subject == key and a.kind == "audio"})
    return grades


METADATA = [
    ("fishing boats", "harbour"),
    ("sailing regatta", "sailing"),
    ("lighthouse", "lighthouse"),
    ("tram in the old town", "tram"),
    ("bicycle with a basket", "bicycle"),
    ("vintage car rally", "car"),
    ("beekeeper honeycomb", "bees"),
    ("apple orchard harvest", "orchard"),
    ("vineyard on a hillside", "vineyard"),
    ("fruit stall", "market"),
    ("bread in a bakery", "bakery"),
    ("children's choir", "choir"),
    ("violinist on stage", "violin"),
    ("football stadium", "football"),
    ("camel caravan", "desert"),
    ("barn owl", "owl"),
    ("cat asleep", "cat"),
    ("library reading room", "library"),
    ("wedding couple", "wedding"),
]
PERSONS = [("Ana Ruiz", "violin"), ("Kofi Mensah", "marathon"), ("Lena Vogel", "protest")]
PARAPHRASES = [
    ("vessels docked by the pier", "harbour"),
    ("beacon warning mariners on rocky shores", "lighthouse"),
    ("insects producing sweet nectar", "bees"),
    ("collecting ripe produce on a farm", "orchard"),
    ("people gliding down alpine pistes", "snow"),
    ("dromedaries trekking through an arid wasteland", "desert"),
    ("haze among coniferous woods", "forest"),
    ("a sleeping kitty", "cat"),
    ("bride and groom celebrating their marriage", "wedding"),
    ("soccer game under floodlights", "football"),
    ("scholars studying among bookshelves", "library"),
    ("activists marching for the environment", "protest"),
    ("cascade tumbling down a ravine", "waterfall"),
]
PLACE_QUERIES = [
    "Genève",
    "Geneve",
    "Zurich",
    "Sao Paulo",
    "Krakow",
    "Reykjavik",
    "Malaga",
    "Bogota",
    "Montreal",
    "Düsseldorf",
]
VOCABULARY = [
    ("bike", ["bicycle"]),
    ("automobile", ["car"]),
    ("streetcar", ["tram"]),
    ("harbor", ["harbour"]),
    ("vehicles", ["bicycle", "car", "tram"]),
    ("birds", ["owl"]),
    ("music", ["choir", "violin"]),
    ("fiddle", ["violin"]),
    ("chorus", ["choir"]),
]
# (query, recording, the sentence that answers it: 1 and 2 are the two said between greeting and goodbye)
SPOKEN = [
    ("how many worker bees live in a hive", "bees", 1),
    ("magma rising through cracks in the crust", "volcano", 1),
    ("windy with heavy showers along the coast", "weather", 1),
    ("knead the dough with flour and yeast", "bread", 1),
    ("control the centre of the board with pawns", "chess", 1),
    ("astronauts walked on the moon", "moon", 1),
    ("steam locomotives pulling coal wagons", "trains", 1),
    ("beans that taste of cherries and chocolate", "coffee", 1),
    ("how long did dinosaurs live on earth", "dinosaurs", 1),
    ("deadline for the income tax return", "taxes", 1),
    ("practise scales slowly with both hands", "piano", 1),
    ("what to do when someone is not breathing", "first_aid", 1),
    ("the sun is a medium sized yellow star", "stars", 2),
    ("milk curdled with rennet", "cheese", 1),
    ("thin air above eight thousand metres", "mountains", 2),
    ("herds led by the oldest female", "elephants", 1),
    ("compare interest rates of savings accounts", "banking", 1),
]
MIXED = [
    ("fishing boats in the harbour", "harbour", "harbour"),
    ("tram climbing a steep hill", "tram", "tram"),
    ("bees and honey", "bees", "bees"),
    ("football match in the stadium", "football", "football"),
    ("baking bread", "bakery", "bread"),
    ("climbing a snowy mountain", "snow", "mountains"),
]
TYPOS = [
    ("lighthose", "lighthouse"),
    ("bicylce", "bicycle"),
    ("vinyard", "vineyard"),
    ("waterfal", "waterfall"),
    ("footbal stadium", "football"),
    ("beekeper", "bees"),
    ("orchrd apples", "orchard"),
    ("weding couple", "wedding"),
]
QUOTED = [
    ('"red tram"', "tram"),
    ('"fishing boat"', "harbour"),
    ('"pine forest"', "forest"),
    ('"white sails"', "sailing"),
    ('"wood oven"', "bakery"),
    ('"ginger cat"', "cat"),
]
EXCLUSIONS = [
    ("boats -sailing", "harbour", None),
    ("harbour -winter", "harbour", "in winter"),
    ("tram -rain", "tram", "in the rain"),
    ("owl -dusk", "owl", "at dusk"),
    ("vineyard -noon", "vineyard", "at noon"),
]
UNANSWERABLE = [
    "quantum chromodynamics lecture",
    "submarine periscope",
    "kangaroo boxing",
    "blockchain ledger audit",
    "origami paper folding",
    "ice hockey penalty shootout",
    "saxophone jazz solo",
    "tulip fields in Holland",
]


def queries_for(assets: list[LibraryAsset]) -> list[Query]:
    """The queries and their judgements, over the labels present in ``assets``."""
    labels = {asset.label for asset in assets}
    queries: list[Query] = []

    def add(category, text, grades, sentence=None):
        grades = {label: grade for label, grade in grades.items() if label in labels}
        if grades or category == "unanswerable":
            queries.append(Query(category, text, grades, sentence))

    for text, key in METADATA:
        add("metadata", text, _subject(assets, key))
    for name, key in PERSONS:
        shown = {a.label: 2 for a in assets if name in a.metadata.get("persons_shown", [])}
        add("metadata", name, {**{label: 1 for label in _subject(assets, key, related=False)}, **shown})
    for text, key in PARAPHRASES:
        add("paraphrase", text, _subject(assets, key))
    for text in PLACE_QUERIES:
        city = next(city for city, _ in PLACES if _plain(city) == _plain(text))
        add("place", text, {a.label: 2 for a in assets if a.metadata.get("city") == city})
    for text, keys in VOCABULARY:
        grades = {}
        for key in keys:
            grades.update(_subject(assets, key, related=False))
        add("vocabulary", text, grades)
    for text, key, sentence in SPOKEN:
        grades = {f"talk:{key}": 2, **{label: 1 for label in _subject(assets, key, related=False)}}
        add("spoken", text, grades, sentence)
    for text, picture, talk in MIXED:
        add("mixed", text, {**_subject(assets, picture), f"talk:{talk}": 2})
    for text, key in TYPOS:
        add("typo", text, _subject(assets, key))
    for text, key in QUOTED:
        phrase = text.strip('"')
        grades = {
            a.label: 2
            for a in assets
            if a.kind == "image"
            and phrase in " ".join([a.metadata["title"], a.metadata["description"], *a.metadata["keywords"]]).casefold()
        }
        grades.update({label: 1 for label in _subject(assets, key, related=False) if label not in grades})
        add("quoted", text, grades)
    for text, key, modifier in EXCLUSIONS:
        excluded = {a.label for a in assets if modifier and a.metadata["title"].endswith(modifier)}
        add("exclusion", text, _subject(assets, key, related=False, skip=excluded))
    for text in UNANSWERABLE:
        add("unanswerable", text, {})
    return queries


def _plain(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


def shared_words(query: str, metadata_texts: list[str]) -> set[str]:
    """The query's words (crudely stemmed) that also appear in the metadata: a paraphrase has none."""

    def words(text):
        return {re.sub(r"(ing|es|s)$", "", w) for w in re.findall(r"[a-z]{3,}", _plain(text))}

    ignored = {"the", "and", "for", "their", "among", "down", "through", "under", "with", "from"}
    return (words(query) - ignored) & set().union(*(words(text) for text in metadata_texts))
