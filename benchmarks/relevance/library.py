"""The relevance benchmark's library: a deterministic, labelled set of assets on many subjects.

Pictures are database rows with real metadata (their pixels play no part: no image model with real
weights is installed here); recordings are spoken by espeak-ng, sentence by sentence, so the span of
each sentence is known, and transcribed by the real ``asr`` role (Whisper tiny.en). The speech and
its transcripts are cached under the state directory, so a second build takes seconds.

Every asset has a label (``pic:harbour:3``, ``talk:bees``, ``tone:4``, ``blank:7``) that the
judgements (``benchmarks.relevance.judgements``) refer to.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy
from django.conf import settings

# (key, title, keywords, description, persons shown). Seven pictures each, told apart by a modifier.
SUBJECTS = [
    (
        "harbour",
        "Fishing boats in the harbour",
        ["harbour", "fishing boat", "boats"],
        "Trawlers moored at the quay.",
        [],
    ),
    ("sailing", "Sailing regatta on the bay", ["sailing", "yacht", "regatta"], "White sails racing past a buoy.", []),
    ("lighthouse", "Lighthouse on the cliff", ["lighthouse", "coast"], "A white tower with a red lantern.", []),
    ("tram", "Red tram in the old town", ["tram", "public transport"], "A red tram climbing a cobbled street.", []),
    ("bicycle", "Bicycle leaning on a fence", ["bicycle", "cycling"], "A blue bicycle with a wicker basket.", []),
    ("car", "Vintage car at a rally", ["car", "classic car"], "A polished convertible with chrome bumpers.", []),
    ("bees", "Beekeeper with a frame of honeycomb", ["bees", "beekeeping", "honey"], "Bees crawl over wax cells.", []),
    ("orchard", "Apple orchard at harvest", ["orchard", "apples", "harvest"], "Pickers fill crates under trees.", []),
    ("vineyard", "Vineyard rows on a hillside", ["vineyard", "grapes", "wine"], "Vines in terraces above a river.", []),
    ("market", "Fruit stall at the market", ["market", "fruit", "stall"], "Oranges and lemons stacked in crates.", []),
    ("bakery", "Bread cooling in a bakery", ["bakery", "bread"], "Loaves fresh from a wood oven.", []),
    ("choir", "Children's choir in a church", ["choir", "singing"], "Young singers in white robes.", []),
    ("violin", "Violinist on stage", ["violin", "concert"], "A soloist under a spotlight.", ["Ana Ruiz"]),
    ("football", "Football match in the stadium", ["football", "stadium"], "Players chase the ball at night.", []),
    (
        "marathon",
        "Runners in the city marathon",
        ["marathon", "running"],
        "Crowds cheer along the route.",
        ["Kofi Mensah"],
    ),
    ("snow", "Skiers on a snowy slope", ["skiing", "snow", "mountain"], "Fresh powder under a blue sky.", []),
    ("desert", "Camel caravan in the desert", ["desert", "camel", "dunes"], "Long shadows on the sand dunes.", []),
    ("forest", "Mist in a pine forest", ["forest", "pine trees", "mist"], "Morning fog between tall trunks.", []),
    ("waterfall", "Waterfall in a gorge", ["waterfall", "river"], "Water plunges into a green pool.", []),
    ("owl", "Barn owl on a post", ["owl", "bird", "wildlife"], "A pale owl watching the meadow.", []),
    ("cat", "Cat asleep on a windowsill", ["cat", "pet"], "A ginger cat curled in the sun.", []),
    ("library", "Reading room of the library", ["library", "books"], "Students at long oak tables.", []),
    (
        "protest",
        "Climate protest in the square",
        ["protest", "climate", "demonstration"],
        "Banners raised by a crowd.",
        ["Lena Vogel"],
    ),
    ("wedding", "Wedding couple under an arch", ["wedding", "couple"], "Confetti falls on the newlyweds.", []),
]
MODIFIERS = ["at dawn", "at noon", "in the rain", "at dusk", "in winter", "seen from above", "close up"]
# Pictures 5 and 6 of these subjects are described in French and German instead.
FOREIGN = {
    "harbour": [
        ("Bateaux de pêche dans le port", ["port", "bateau de pêche"], "Chalutiers amarrés au quai."),
        ("Fischerboote im Hafen", ["Hafen", "Fischerboot"], "Trawler am Kai festgemacht."),
    ],
    "bicycle": [
        ("Vélo contre une clôture", ["vélo"], "Un vélo bleu avec un panier."),
        ("Fahrrad am Zaun", ["Fahrrad"], "Ein blaues Fahrrad mit Korb."),
    ],
    "bakery": [
        ("Pain dans une boulangerie", ["boulangerie", "pain"], "Des miches sorties du four."),
        ("Brot in der Bäckerei", ["Bäckerei", "Brot"], "Brote frisch aus dem Holzofen."),
    ],
}
# (city, country): picture i of subject s is in PLACES[(7 s + i) % len]. Accents on purpose.
PLACES = [
    ("Genève", "Switzerland"),
    ("Zürich", "Switzerland"),
    ("São Paulo", "Brazil"),
    ("Kraków", "Poland"),
    ("Reykjavík", "Iceland"),
    ("Málaga", "Spain"),
    ("Montréal", "Canada"),
    ("Bergen", "Norway"),
    ("Bogotá", "Colombia"),
    ("Düsseldorf", "Germany"),
    ("Lima", "Peru"),
    ("Osaka", "Japan"),
]
# The controlled vocabulary: (preferred label, aliases, broader label).
TERMS = [
    ("vehicle", ["vehicles"], None),
    ("bicycle", ["bike", "cycle", "vélo", "Fahrrad"], "vehicle"),
    ("car", ["automobile", "motorcar"], "vehicle"),
    ("tram", ["streetcar", "trolley"], "vehicle"),
    ("harbour", ["harbor", "port", "Hafen"], None),
    ("bakery", ["boulangerie", "Bäckerei"], None),
    ("bird", ["birds"], None),
    ("owl", ["strigiformes"], "bird"),
    ("music", [], None),
    ("choir", ["chorus"], "music"),
    ("violin", ["fiddle"], "music"),
]
# Recordings: (key, title, what is said between a greeting and a goodbye). Titles
# of the second half are vague on purpose: only what is said tells what they are about.
TALKS = [
    (
        "bees",
        "Talk about beekeeping",
        "The hive holds about forty thousand workers in summer. "
        "Each bee visits hundreds of flowers to make a spoonful of honey.",
    ),
    (
        "volcano",
        "Lecture on volcanoes",
        "Magma rises through cracks in the crust. When the pressure is released the mountain erupts with ash and lava.",
    ),
    (
        "weather",
        "Weather forecast",
        "Tomorrow will be windy along the coast with heavy showers. Temperatures fall to five degrees overnight.",
    ),
    (
        "bread",
        "How to bake bread",
        "Mix flour, water, salt and yeast, then knead the dough for ten minutes. Let it rise until it doubles in size.",
    ),
    (
        "chess",
        "Chess lesson",
        "Control the centre of the board with your pawns early. Castle your king before you attack.",
    ),
    (
        "moon",
        "The moon landing",
        "In nineteen sixty nine two astronauts walked on the surface of the moon. "
        "They collected rocks and planted a flag.",
    ),
    (
        "trains",
        "Railway history",
        "The first steam locomotives pulled coal wagons from the mines. Soon passenger trains linked the great cities.",
    ),
    (
        "coffee",
        "Coffee tasting notes",
        "These beans were roasted lightly and taste of cherries and chocolate. Grind them just before you brew.",
    ),
    (
        "sleep",
        "Advice on sleep",
        "Adults need seven to nine hours of sleep each night. Avoid bright screens before going to bed.",
    ),
    (
        "recycling",
        "Recycling guide",
        "Rinse plastic bottles and put them in the yellow bin. Glass jars go to the bottle bank.",
    ),
    (
        "ocean",
        "Ocean currents explained",
        "Warm water flows from the tropics towards the poles. The gulf stream keeps western europe mild in winter.",
    ),
    (
        "garden",
        "Gardening tips",
        "Plant tomatoes after the last frost in a sunny spot. Water them deeply twice a week.",
    ),
    (
        "football",
        "Football commentary",
        "The striker shoots from outside the box and scores. The crowd in the stadium goes wild.",
    ),
    (
        "dinosaurs",
        "Recording 14",
        "Dinosaurs lived on earth for more than one hundred and sixty million years. "
        "A huge asteroid ended their reign.",
    ),
    (
        "taxes",
        "Interview, side B",
        "You must file your income tax return before the end of april. Keep every receipt for deductible expenses.",
    ),
    (
        "piano",
        "Voice memo 3",
        "Practise scales slowly with both hands every morning. Use the pedal sparingly in fast passages.",
    ),
    (
        "first_aid",
        "Recording 22",
        "If someone is not breathing call an ambulance at once. Press hard and fast on the centre of the chest.",
    ),
    ("stars", "Untitled session", "A star is a giant ball of burning hydrogen. Our sun is a medium sized yellow star."),
    (
        "cheese",
        "Episode 9",
        "Milk is warmed and curdled with rennet to make cheese. The wheels age in cool caves for months.",
    ),
    (
        "mountains",
        "Part two",
        "Climbers set out before sunrise to reach the summit. "
        "Thin air above eight thousand metres makes every step hard.",
    ),
    (
        "elephants",
        "Field notes",
        "Elephants live in herds led by the oldest female. They can smell water from miles away.",
    ),
    (
        "banking",
        "Memo",
        "Compare the interest rates of savings accounts before opening one. Never share your card number on the phone.",
    ),
    (
        "harbour",
        "Audio walk, stop 4",
        "Here the fishing boats unload their catch at dawn. Gulls circle over the harbour waiting for scraps.",
    ),
    (
        "tram",
        "Track 7",
        "The tram line opened a century ago and still climbs the steep hill. Drivers ring the bell at every crossing.",
    ),
]
INTRO = "Hello and welcome to this recording."
OUTRO = "Thank you for listening."
TONES = 20
BLANKS = 90


@dataclass
class LibraryAsset:
    label: str
    kind: str
    metadata: dict
    sentences: list[str] = field(default_factory=list)
    spans_ms: list[tuple[int, int]] = field(default_factory=list)  # each sentence, as spoken
    subject: str = ""
    language: str = "en"


def library_describe(scale: float = 1.0) -> list[LibraryAsset]:
    """The library's assets, in a fixed order; ``scale`` < 1 keeps fewer pictures per subject,
    recordings, tones and blank files (for a smoke test)."""
    assets: list[LibraryAsset] = []
    per_subject = max(2, round(len(MODIFIERS) * scale))
    for index, (key, title, keywords, description, persons) in enumerate(SUBJECTS):
        for number in range(per_subject):
            city, country = PLACES[(7 * index + number) % len(PLACES)]
            modifier = MODIFIERS[number % len(MODIFIERS)]
            metadata = {
                "title": f"{title} {modifier}",
                "keywords": list(keywords),
                "description": f"{description} Photographed {modifier} in {city}.",
                "persons_shown": list(persons) if number % 2 == 0 else [],
                "city": city,
                "country": country,
            }
            language = "en"
            if key in FOREIGN and number >= 5:
                language = "fr" if number == 5 else "de"
                foreign_title, foreign_keywords, foreign_description = FOREIGN[key][number - 5]
                metadata.update(title=foreign_title, keywords=foreign_keywords, description=foreign_description)
            assets.append(LibraryAsset(f"pic:{key}:{number}", "image", metadata, subject=key, language=language))
    talks = TALKS if scale >= 1 else TALKS[:: max(1, round(1 / scale))]
    for key, title, text in talks:
        topic = [part.strip().rstrip(".") + "." for part in text.split(". ") if part.strip()]
        assets.append(
            LibraryAsset(
                f"talk:{key}",
                "audio",
                {"title": title, "keywords": [], "description": ""},
                sentences=[INTRO, *topic, OUTRO],
                subject=key,
            )
        )
    for number in range(max(2, round(TONES * scale))):
        title = f"Test tone {220 + 40 * number} Hz" if number % 2 == 0 else ""
        assets.append(LibraryAsset(f"tone:{number}", "audio", {"title": title, "keywords": [], "description": ""}))
    for number in range(max(2, round(BLANKS * scale))):
        assets.append(LibraryAsset(f"blank:{number}", "image", {"title": "", "keywords": [], "description": ""}))
    return assets


# --- speech ------------------------------------------------------------------------------------
RATE = 16000
GAP_MS = 800


def _cache_dir() -> Path:
    folder = Path(settings.STATE_DIR) / "benchmark-relevance"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _espeak(sentence: str, folder: Path) -> numpy.ndarray:
    path = folder / (hashlib.sha256(sentence.encode()).hexdigest()[:16] + ".wav")
    if not path.exists():
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "160", "-w", str(path), sentence], check=True)
    with wave.open(str(path)) as clip:
        samples = numpy.frombuffer(clip.readframes(clip.getnframes()), dtype=numpy.int16)
        rate = clip.getframerate()
    if rate != RATE:
        positions = numpy.linspace(0, len(samples) - 1, int(len(samples) * RATE / rate))
        samples = numpy.interp(positions, numpy.arange(len(samples)), samples).astype(numpy.int16)
    return samples


def recording_make(asset: LibraryAsset, folder: Path) -> Path:
    """The asset's WAV (speech sentence by sentence, or a tone), made once; sets the spoken span."""
    gap = numpy.zeros(RATE * GAP_MS // 1000, dtype=numpy.int16)
    if asset.sentences:
        parts, position = [gap], len(gap)
        for sentence in asset.sentences:
            spoken = _espeak(sentence, folder)
            asset.spans_ms.append((position * 1000 // RATE, (position + len(spoken)) * 1000 // RATE))
            parts += [spoken, gap]
            position += len(spoken) + len(gap)
        samples = numpy.concatenate(parts)
    else:
        number = int(asset.label.split(":")[1])
        seconds = numpy.arange(RATE * 4) / RATE
        samples = (8000 * numpy.sin(2 * numpy.pi * (220 + 40 * number) * seconds)).astype(numpy.int16)
    digest = hashlib.sha256(samples.tobytes()).hexdigest()[:16]
    path = folder / f"{digest}.rec.wav"
    if not path.exists():
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(RATE)
            out.writeframes(samples.tobytes())
    return path


def transcript_cached(path: Path, recogniser) -> list[tuple[int, int, str]]:
    """What the recogniser hears in ``path`` (cached beside it, keyed by the file's bytes)."""
    cached = path.with_suffix(".transcript.json")
    if cached.exists():
        return [tuple(segment) for segment in json.loads(cached.read_text())]
    heard = recogniser.transcribe(path)
    cached.write_text(json.dumps(heard))
    return heard


def speech_folder() -> Path:
    folder = _cache_dir() / "speech"
    folder.mkdir(exist_ok=True)
    return folder
