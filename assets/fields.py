"""The field table: every field of an asset that a person reads or edits, declared once.

Each row names the field's type, where a librarian finds it (``group``), where it is read from
in priority order (ExifTool tags for images and audio fallbacks, mutagen keys for audio tags),
its schema.org property, and how a value is checked and edited (bounds, choices, widget, the
permission it needs). Rows marked ``database_only`` (rights and restrictions no standard tag
holds) are kept by dam alone: never read from or written into files.

The Asset model's columns, the metadata readers and writers, the editing service, the API
serializers, the admin forms and the search text walk this table; adding a field or a
restriction is one row here plus a schema migration.

Image sources follow the Metadata Working Group's reconciliation (see ``assets/metadata/mwg.py``):
EXIF wins where it has a value, then XMP, unless the IPTC digest shows that IPTC-IIM was edited
by a tool that left XMP behind, in which case IIM wins.

Tag keys are ExifTool names with their family-1 group, as ``exiftool -G1 -n`` reports them.
"""

from __future__ import annotations

import decimal
import enum
import math
import numbers
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from assets.controlled_values import DIGITAL_SOURCE_TYPES, MODEL_RELEASE_STATUS, PROPERTY_RELEASE_STATUS


class FieldType(enum.Enum):
    TEXT = "text"
    LIST = "list"  # list of strings
    FLOAT = "float"
    INT = "int"
    BOOL = "bool"
    DATETIME = "datetime"  # ISO 8601 text, as precise as the file says (date only, or with offset)
    TIMESTAMP = "timestamp"  # a moment (timezone-aware datetime) dam decides on: embargo, expiry
    GROUPS = "groups"  # user groups (auth.Group), many-to-many


class Group(enum.Enum):
    """Where a librarian finds a field (the admin's sections, in this order)."""

    DESCRIPTION = "Description"
    PEOPLE_RIGHTS = "People and rights"
    LOCATION = "Location"
    AUDIO = "Audio"
    TECHNICAL = "Technical"
    RESTRICTIONS = "Restrictions"


class Widget(enum.Enum):
    """How a field is edited, where its type alone does not say it."""

    DEFAULT = "default"  # by type: one line of text, one item per line, a number, a checkbox...
    LONG_TEXT = "long_text"  # several lines of text
    KEYWORDS = "keywords"  # picked from the controlled vocabulary
    CODES = "codes"  # short codes separated by commas (e.g. ISO country codes)
    URL = "url"  # a web address


EDIT_METADATA = "assets.edit_metadata"
EDIT_RIGHTS = "assets.edit_rights"


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    type: FieldType
    group: Group
    # Image metadata (ExifTool keys), reconciled by the MWG rules.
    exif: tuple[str, ...] = ()
    iptc: tuple[str, ...] = ()
    xmp: tuple[str, ...] = ()
    iptc_limit: int | None = None  # IIM's length limit, to recover values IIM truncated
    # Audio tags (mutagen keys, case-insensitive for Vorbis and APE).
    id3: tuple[str, ...] = ()
    vorbis: tuple[str, ...] = ()
    mp4: tuple[str, ...] = ()
    ape: tuple[str, ...] = ()
    asf: tuple[str, ...] = ()  # Windows Media attributes (WMA)
    # ExifTool keys read for audio when mutagen finds nothing (RIFF INFO, AIFF text chunks).
    exiftool_audio: tuple[str, ...] = ()
    # schema.org JSON-LD: property paths in the asset's document ("contentLocation.geo.latitude";
    # the types along a path are in assets/jsonld.py) and how a value is shaped there.
    jsonld: tuple[str, ...] = ()
    jsonld_as: str = "text"  # text | person | organization | creative_work | pixels | duration
    editable: bool = True
    # Fields whose value comes from a dedicated reader (GPS, dates, technical facts).
    derived: bool = False
    # Rights metadata and restrictions: edited by rights managers (assets.edit_rights), not by librarians.
    rights: bool = False
    # Kept by dam only: no file tag holds it, so it is never read from or written into a file.
    database_only: bool = False
    help_text: str = ""
    # What a value may be; every edit is checked against these (``field_value_clean``).
    choices: tuple[tuple[str, str], ...] = ()  # (stored value, label)
    # A controlled vocabulary (URI stored, label shown; assets/controlled_values.py): offered as
    # choices, while a value a file brings from outside it is kept as it is.
    controlled: tuple[tuple[str, str], ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None  # of a text, or of each item of a list
    normalise: Callable | None = None  # value -> value as stored; ValueError says why it is refused
    default: object = None  # the empty value, where it is not the type's (a checkbox: False)
    widget: Widget = Widget.DEFAULT
    related_name: str = ""  # GROUPS: the name a group gives its assets (group.<related_name>)
    # The line of the search text (the asset_text role) the value goes on: fields on one line are
    # joined with commas; earlier lines weigh more (a text model reads from the start and may cut
    # the end). None: not in the search text.
    search_line: int | None = None

    @property
    def is_list(self) -> bool:
        return self.type is FieldType.LIST

    @property
    def permission(self) -> str:
        """The permission an editor needs to change the field."""
        return EDIT_RIGHTS if self.rights else EDIT_METADATA


def territory_codes_normalise(codes) -> list[str]:
    """ISO 3166-1 alpha-2 codes, upper case, sorted, each once; an alpha-3 code is taken as the
    country it names ("NOR": NO); ValueError names anything else (names included: a restriction
    is given by code, so that a misspelt name never widens or narrows it by surprise)."""
    from assets.geo.countries import country_alpha2, country_from_code

    codes = [str(code).strip() for code in (codes or []) if str(code).strip()]
    bad = [code for code in codes if not (code.isalpha() and len(code) in (2, 3) and country_from_code(code))]
    if bad:
        raise ValueError(f"not ISO 3166-1 country codes (give alpha-2 codes such as NO): {', '.join(bad)}")
    return sorted({country_alpha2(code) for code in codes})


ALL_FIELDS: tuple[Field, ...] = (
    # --- Description -------------------------------------------------------------------------
    Field(
        "title",
        "Title",
        FieldType.TEXT,
        Group.DESCRIPTION,
        iptc=("IPTC:ObjectName",),
        xmp=("XMP-dc:Title",),
        iptc_limit=64,
        id3=("TIT2",),
        vorbis=("title",),
        asf=("Title",),
        mp4=("©nam",),
        ape=("Title",),
        exiftool_audio=("RIFF:Title", "AIFF:Name", "QuickTime:Title"),
        jsonld=("name",),
        search_line=1,
    ),
    Field(
        "headline",
        "Headline",
        FieldType.TEXT,
        Group.DESCRIPTION,
        iptc=("IPTC:Headline",),
        xmp=("XMP-photoshop:Headline",),
        iptc_limit=256,
        jsonld=("headline",),
        search_line=2,
    ),
    Field(
        "description",
        "Description (caption)",
        FieldType.TEXT,
        Group.DESCRIPTION,
        exif=("IFD0:ImageDescription",),
        iptc=("IPTC:Caption-Abstract",),
        xmp=("XMP-dc:Description",),
        iptc_limit=2000,
        id3=("TXXX:DESCRIPTION",),
        vorbis=("description",),
        asf=("Description",),
        mp4=("desc",),
        ape=("Description",),
        exiftool_audio=("RIFF:Subject",),
        jsonld=("description",),
        widget=Widget.LONG_TEXT,
        search_line=3,
    ),
    Field(
        "alt_text",
        "Alt text (accessibility)",
        FieldType.TEXT,
        Group.DESCRIPTION,
        xmp=("XMP-iptcCore:AltTextAccessibility",),
        jsonld=("caption",),
        widget=Widget.LONG_TEXT,
        search_line=4,
    ),
    Field(
        "extended_description",
        "Extended description (accessibility)",
        FieldType.TEXT,
        Group.DESCRIPTION,
        xmp=("XMP-iptcCore:ExtDescrAccessibility",),
        jsonld=("abstract",),
        widget=Widget.LONG_TEXT,
        search_line=5,
    ),
    Field(
        "keywords",
        "Keywords",
        FieldType.LIST,
        Group.DESCRIPTION,
        iptc=("IPTC:Keywords",),
        xmp=("XMP-dc:Subject",),
        iptc_limit=64,
        id3=("TXXX:KEYWORDS",),
        vorbis=("keywords",),
        mp4=("keyw",),
        ape=("Keywords",),
        exiftool_audio=("RIFF:Keywords",),
        jsonld=("keywords",),
        widget=Widget.KEYWORDS,
        search_line=6,
    ),
    Field(
        "genre",
        "Genre",
        FieldType.TEXT,
        Group.DESCRIPTION,
        xmp=("XMP-iptcCore:IntellectualGenre",),
        id3=("TCON",),
        vorbis=("genre",),
        asf=("WM/Genre",),
        mp4=("©gen",),
        ape=("Genre",),
        exiftool_audio=("RIFF:Genre",),
        jsonld=("genre",),
    ),
    Field("event", "Event", FieldType.TEXT, Group.DESCRIPTION, xmp=("XMP-iptcExt:Event",), jsonld=("recordedAt.name",)),
    Field("date_created", "Date created", FieldType.DATETIME, Group.DESCRIPTION, derived=True, jsonld=("dateCreated",)),
    Field(
        "instructions",
        "Instructions",
        FieldType.TEXT,
        Group.DESCRIPTION,
        iptc=("IPTC:SpecialInstructions",),
        xmp=("XMP-photoshop:Instructions",),
        iptc_limit=256,
        widget=Widget.LONG_TEXT,
    ),
    Field(
        "job_id",
        "Job ID",
        FieldType.TEXT,
        Group.DESCRIPTION,
        iptc=("IPTC:OriginalTransmissionReference",),
        xmp=("XMP-photoshop:TransmissionReference",),
        iptc_limit=32,
    ),
    Field(
        "digital_source_type",
        "Digital source type",
        FieldType.TEXT,
        Group.DESCRIPTION,
        xmp=("XMP-iptcExt:DigitalSourceType",),
        controlled=DIGITAL_SOURCE_TYPES,
    ),
    Field(
        "comment",
        "Comment",
        FieldType.TEXT,
        Group.DESCRIPTION,
        id3=("COMM",),
        vorbis=("comment",),
        mp4=("©cmt",),
        ape=("Comment",),
        exiftool_audio=("RIFF:Comment", "AIFF:Comment"),
        widget=Widget.LONG_TEXT,
    ),
    # --- People and rights -------------------------------------------------------------------
    Field(
        "creators",
        "Creators",
        FieldType.LIST,
        Group.PEOPLE_RIGHTS,
        exif=("IFD0:Artist",),
        iptc=("IPTC:By-line",),
        xmp=("XMP-dc:Creator",),
        iptc_limit=32,
        id3=("TPE1",),
        vorbis=("artist",),
        asf=("Author",),
        mp4=("©ART",),
        ape=("Artist",),
        exiftool_audio=("RIFF:Artist", "AIFF:Author"),
        jsonld=("creator", "encodesCreativeWork.byArtist"),
        jsonld_as="person",
    ),
    Field(
        "creator_job_title",
        "Creator's job title",
        FieldType.TEXT,
        Group.PEOPLE_RIGHTS,
        iptc=("IPTC:By-lineTitle",),
        xmp=("XMP-photoshop:AuthorsPosition",),
        iptc_limit=32,
    ),
    Field(
        "credit_line",
        "Credit line",
        FieldType.TEXT,
        Group.PEOPLE_RIGHTS,
        iptc=("IPTC:Credit",),
        xmp=("XMP-photoshop:Credit",),
        iptc_limit=32,
        jsonld=("creditText",),
    ),
    Field(
        "source",
        "Source",
        FieldType.TEXT,
        Group.PEOPLE_RIGHTS,
        iptc=("IPTC:Source",),
        xmp=("XMP-photoshop:Source",),
        iptc_limit=32,
    ),
    Field(
        "copyright_notice",
        "Copyright notice",
        FieldType.TEXT,
        Group.PEOPLE_RIGHTS,
        exif=("IFD0:Copyright",),
        iptc=("IPTC:CopyrightNotice",),
        xmp=("XMP-dc:Rights",),
        iptc_limit=128,
        id3=("TCOP",),
        vorbis=("copyright",),
        asf=("Copyright",),
        mp4=("cprt",),
        ape=("Copyright",),
        exiftool_audio=("RIFF:Copyright", "AIFF:Copyright"),
        jsonld=("copyrightNotice",),
        rights=True,
    ),
    Field(
        "copyright_owners",
        "Copyright owners",
        FieldType.LIST,
        Group.PEOPLE_RIGHTS,
        xmp=("XMP-plus:CopyrightOwnerName",),
        jsonld=("copyrightHolder",),
        jsonld_as="organization",
        rights=True,
    ),
    Field(
        "usage_terms",
        "Rights usage terms",
        FieldType.TEXT,
        Group.PEOPLE_RIGHTS,
        xmp=("XMP-xmpRights:UsageTerms",),
        jsonld=("usageInfo",),
        jsonld_as="creative_work",
        rights=True,
        widget=Widget.LONG_TEXT,
    ),
    Field(
        "web_statement_url",
        "Licence (web statement of rights)",
        FieldType.TEXT,
        Group.PEOPLE_RIGHTS,
        xmp=("XMP-xmpRights:WebStatement",),
        id3=("WCOP",),
        vorbis=("license",),
        jsonld=("license",),
        rights=True,
        widget=Widget.URL,
    ),
    Field(
        "licensor_url",
        "Licensor URL (acquire a licence)",
        FieldType.TEXT,
        Group.PEOPLE_RIGHTS,
        xmp=("XMP-plus:LicensorURL",),
        jsonld=("acquireLicensePage",),
        rights=True,
    ),
    Field("persons_shown", "Persons shown", FieldType.LIST, Group.PEOPLE_RIGHTS, xmp=("XMP-iptcExt:PersonInImage",)),
    Field(
        "model_release_status",
        "Model release status",
        FieldType.TEXT,
        Group.PEOPLE_RIGHTS,
        xmp=("XMP-plus:ModelReleaseStatus",),
        rights=True,
        controlled=MODEL_RELEASE_STATUS,
    ),
    Field(
        "property_release_status",
        "Property release status",
        FieldType.TEXT,
        Group.PEOPLE_RIGHTS,
        xmp=("XMP-plus:PropertyReleaseStatus",),
        rights=True,
        controlled=PROPERTY_RELEASE_STATUS,
    ),
    Field(
        "publisher",
        "Publisher / label",
        FieldType.TEXT,
        Group.PEOPLE_RIGHTS,
        id3=("TPUB",),
        vorbis=("organization", "label", "publisher"),
        asf=("WM/Publisher",),
        mp4=("----:com.apple.iTunes:LABEL",),
        ape=("Publisher", "Label"),
        jsonld=("publisher",),
        jsonld_as="organization",
    ),
    Field(
        "composer",
        "Composer",
        FieldType.TEXT,
        Group.PEOPLE_RIGHTS,
        id3=("TCOM",),
        vorbis=("composer",),
        asf=("WM/Composer",),
        mp4=("©wrt",),
        ape=("Composer",),
    ),
    # --- Location ----------------------------------------------------------------------------
    Field(
        "sublocation",
        "Sublocation",
        FieldType.TEXT,
        Group.LOCATION,
        iptc=("IPTC:Sub-location",),
        xmp=("XMP-iptcCore:Location", "XMP-iptcExt:LocationShownSublocation"),
        iptc_limit=32,
        jsonld=("contentLocation.name",),
        search_line=7,
    ),
    Field(
        "city",
        "City",
        FieldType.TEXT,
        Group.LOCATION,
        iptc=("IPTC:City",),
        xmp=("XMP-photoshop:City", "XMP-iptcExt:LocationShownCity"),
        iptc_limit=32,
        jsonld=("contentLocation.address.addressLocality",),
        search_line=7,
    ),
    Field(
        "province_state",
        "Province / state",
        FieldType.TEXT,
        Group.LOCATION,
        iptc=("IPTC:Province-State",),
        xmp=("XMP-photoshop:State", "XMP-iptcExt:LocationShownProvinceState"),
        iptc_limit=32,
        jsonld=("contentLocation.address.addressRegion",),
    ),
    Field(
        "country",
        "Country",
        FieldType.TEXT,
        Group.LOCATION,
        iptc=("IPTC:Country-PrimaryLocationName",),
        xmp=("XMP-photoshop:Country", "XMP-iptcExt:LocationShownCountryName"),
        iptc_limit=64,
        jsonld=("contentLocation.address.addressCountry",),
        search_line=7,
    ),
    Field(
        "country_code",
        "Country code",
        FieldType.TEXT,
        Group.LOCATION,
        iptc=("IPTC:Country-PrimaryLocationCode",),
        xmp=("XMP-iptcCore:CountryCode", "XMP-iptcExt:LocationShownCountryCode"),
        iptc_limit=3,
        jsonld=("contentLocation.address.addressCountry",),
        help_text="ISO 3166 code, e.g. NOR",
    ),
    # Checked together with the other coordinate by ``position_problem`` (see RULES).
    Field(
        "latitude",
        "Latitude",
        FieldType.FLOAT,
        Group.LOCATION,
        derived=True,
        jsonld=("contentLocation.geo.latitude",),
        minimum=-90,
        maximum=90,
    ),
    Field(
        "longitude",
        "Longitude",
        FieldType.FLOAT,
        Group.LOCATION,
        derived=True,
        jsonld=("contentLocation.geo.longitude",),
        minimum=-180,
        maximum=180,
    ),
    Field(
        "altitude",
        "Altitude (m)",
        FieldType.FLOAT,
        Group.LOCATION,
        derived=True,
        jsonld=("contentLocation.geo.elevation",),
    ),
    # --- Audio -------------------------------------------------------------------------------
    Field(
        "album",
        "Album",
        FieldType.TEXT,
        Group.AUDIO,
        id3=("TALB",),
        vorbis=("album",),
        asf=("WM/AlbumTitle",),
        mp4=("©alb",),
        ape=("Album",),
        exiftool_audio=("RIFF:Product",),
        jsonld=("encodesCreativeWork.inAlbum.name",),
    ),
    Field(
        "track_number",
        "Track number",
        FieldType.INT,
        Group.AUDIO,
        id3=("TRCK",),
        vorbis=("tracknumber",),
        asf=("WM/TrackNumber",),
        mp4=("trkn",),
        ape=("Track",),
        exiftool_audio=("RIFF:TrackNumber",),
    ),
    Field(
        "disc_number",
        "Disc number",
        FieldType.INT,
        Group.AUDIO,
        id3=("TPOS",),
        vorbis=("discnumber",),
        asf=("WM/PartOfSet",),
        mp4=("disk",),
        ape=("Disc",),
    ),
    Field(
        "bpm",
        "Beats per minute",
        FieldType.FLOAT,
        Group.AUDIO,
        id3=("TBPM",),
        vorbis=("bpm",),
        asf=("WM/BeatsPerMinute",),
        mp4=("tmpo",),
        ape=("BPM",),
    ),
    Field(
        "isrc",
        "ISRC",
        FieldType.TEXT,
        Group.AUDIO,
        id3=("TSRC",),
        vorbis=("isrc",),
        asf=("WM/ISRC",),
        mp4=("----:com.apple.iTunes:ISRC",),
        ape=("ISRC",),
        jsonld=("encodesCreativeWork.isrcCode",),
    ),
    Field("has_cover_art", "Has cover art", FieldType.BOOL, Group.AUDIO, derived=True),
    # --- Technical (read from the file, never edited) ----------------------------------------
    Field(
        "mime_type",
        "MIME type",
        FieldType.TEXT,
        Group.TECHNICAL,
        derived=True,
        editable=False,
        jsonld=("encodingFormat",),
    ),
    Field(
        "width",
        "Width (px)",
        FieldType.INT,
        Group.TECHNICAL,
        derived=True,
        editable=False,
        jsonld=("width",),
        jsonld_as="pixels",
    ),
    Field(
        "height",
        "Height (px)",
        FieldType.INT,
        Group.TECHNICAL,
        derived=True,
        editable=False,
        jsonld=("height",),
        jsonld_as="pixels",
    ),
    Field(
        "duration_seconds",
        "Duration (s)",
        FieldType.FLOAT,
        Group.TECHNICAL,
        derived=True,
        editable=False,
        jsonld=("duration",),
        jsonld_as="duration",
    ),
    Field("sample_rate", "Sample rate (Hz)", FieldType.INT, Group.TECHNICAL, derived=True, editable=False),
    Field("channels", "Channels", FieldType.INT, Group.TECHNICAL, derived=True, editable=False),
    # --- Restrictions (kept in dam only; enforced by assets.selectors on every read path) -------
    Field(
        "embargo_until",
        "Embargo until",
        FieldType.TIMESTAMP,
        Group.RESTRICTIONS,
        rights=True,
        database_only=True,
        help_text="Hidden from API users before this moment.",
    ),
    Field(
        "expires_at",
        "Expires at",
        FieldType.TIMESTAMP,
        Group.RESTRICTIONS,
        rights=True,
        database_only=True,
        help_text="Hidden from API users from this moment on.",
    ),
    Field(
        "allowed_territories",
        "Allowed territories",
        FieldType.LIST,
        Group.RESTRICTIONS,
        rights=True,
        database_only=True,
        help_text="ISO 3166-1 alpha-2 codes where the asset may be shown; empty means everywhere.",
        max_length=2,
        normalise=territory_codes_normalise,
        widget=Widget.CODES,
    ),
    Field(
        "restricted_to_groups",
        "Restricted to groups",
        FieldType.GROUPS,
        Group.RESTRICTIONS,
        rights=True,
        database_only=True,
        help_text="Only members of these groups see the asset; empty means every API user.",
        related_name="restricted_assets",
    ),
    Field(
        "location_sensitive",
        "Location sensitive",
        FieldType.BOOL,
        Group.RESTRICTIONS,
        rights=True,
        database_only=True,
        help_text="Strip GPS from delivery copies (e.g. protected species, private homes).",
        default=False,
    ),
    Field(
        "consent_status",
        "Consent status",
        FieldType.TEXT,
        Group.RESTRICTIONS,
        rights=True,
        database_only=True,
        help_text="Consent of the people shown (kept in dam only: no standard tag holds it).",
        choices=(
            ("", "Unknown"),
            ("obtained", "Obtained"),
            ("not_required", "Not required"),
            ("refused", "Refused"),
            ("withdrawn", "Withdrawn"),
        ),
        max_length=12,
    ),
    Field(
        "withdrawn_at",
        "Withdrawn at",
        FieldType.TIMESTAMP,
        Group.RESTRICTIONS,
        rights=True,
        database_only=True,
        help_text="Withdrawn assets are hidden everywhere and reported to feeds as deleted.",
    ),
)

ALL_FIELDS_BY_NAME: dict[str, Field] = {field.name: field for field in ALL_FIELDS}
# The canonical metadata: what files hold, and what readers, writers, JSON-LD and the API's
# ``metadata`` walk.
FIELDS: tuple[Field, ...] = tuple(field for field in ALL_FIELDS if not field.database_only)
FIELDS_BY_NAME: dict[str, Field] = {field.name: field for field in FIELDS}
FIELD_NAMES: tuple[str, ...] = tuple(FIELDS_BY_NAME)
# Kept by dam alone (rights and restrictions no standard tag holds).
DATABASE_FIELDS: tuple[Field, ...] = tuple(field for field in ALL_FIELDS if field.database_only)


def empty_value(field: Field):
    """The value a field holds when the file (or the editor) says nothing."""
    if field.default is not None:
        return field.default
    if field.type in (FieldType.LIST, FieldType.GROUPS):
        return []
    if field.type in (FieldType.TEXT, FieldType.DATETIME):
        return ""
    return None


def empty_metadata() -> dict:
    return {field.name: empty_value(field) for field in FIELDS}


def coerce(field: Field, raw):
    """A raw tag value (string, number, list) as the field's type; the empty value if unusable."""
    if raw is None:
        return empty_value(field)
    if field.type is FieldType.LIST:
        items = raw if isinstance(raw, (list, tuple)) else [raw]
        values = [str(item).strip() for item in items if item is not None]
        return list(dict.fromkeys(value for value in values if value))  # drop blanks and repeats, keep order
    if isinstance(raw, (list, tuple)):
        raw = next((item for item in raw if item not in (None, "")), None)
        if raw is None:
            return empty_value(field)
    if field.type in (FieldType.TEXT, FieldType.DATETIME):
        return str(raw).strip()
    if field.type is FieldType.BOOL:
        return bool(raw)
    text = str(raw).strip()
    try:
        if field.type is FieldType.FLOAT:
            number = float(text)
            return number if number == number and abs(number) != float("inf") else None
        # Integers as tags write them: "3", "3/12" (track 3 of 12), "03".
        return int(text.split("/")[0].strip())
    except ValueError:
        return None


def bounds_problem(field: Field, value) -> str | None:
    """Why a number is outside the field's bounds, or None (also for no value, or no bounds)."""
    if value is None or (field.minimum is None and field.maximum is None):
        return None
    low = field.minimum if field.minimum is not None else float("-inf")
    high = field.maximum if field.maximum is not None else float("inf")
    if low <= value <= high:
        return None
    return f"{field.name} {value:g} is outside the valid range ({low:g} to {high:g})"


# What an edit may give, beyond each row's own bounds: the column types' ranges, and text sizes
# the database's indexes (B-tree and GIN entries hold about 2,700 bytes) and readers can take.
INT_RANGE = (-(2**63), 2**63 - 1)  # a bigint column
LINE_MAX_BYTES = 2_000  # one line of text, or one item of a list, in UTF-8
TEXT_MAX_BYTES = 64 * 1024  # several lines of text (Widget.LONG_TEXT), in UTF-8
LIST_MAX_ITEMS = 1_000
# All items of a list together, in UTF-8: PostgreSQL's tsvector holds at most 1 MB, and the
# search trigger (migration 0008) indexes three lists, three long texts and eleven lines of
# each asset; distinct short words take up to three times their text's size there.
LIST_MAX_BYTES = 32 * 1024
# ISO 8601 as precise as a file says: a year, a month, a day, or a day and time with an optional offset.
_ISO_DATE = re.compile(
    r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})(?:T(?P<hour>\d{2}):(?P<minute>\d{2})"
    r"(?::(?P<second>\d{2})(?:\.\d{1,9})?)?(?:Z|(?P<sign>[+-])(?P<offset_hours>\d{2}):(?P<offset_minutes>\d{2}))?)?)?)?$"
)


def _kind_of(value) -> str:
    return {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list", dict: "an object"}.get(
        type(value), type(value).__name__
    )


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def _text_problem(field: Field, text: str) -> str | None:
    """Why ``text`` cannot be stored as (an item of) the field's value, or None."""
    control = sorted(
        {f"U+{ord(ch):04X}" for ch in text if ord(ch) < 32 and ch not in "\t\n\r"}
        | ({"U+007F"} if "\x7f" in text else set())
    )
    if control:
        return f"contains control characters ({', '.join(control[:5])}), which text cannot hold"
    size = len(text.encode("utf-8", errors="surrogatepass"))
    limit = TEXT_MAX_BYTES if field.widget is Widget.LONG_TEXT and not field.is_list else LINE_MAX_BYTES
    if size > limit:
        what = "an item is" if field.is_list else "the text is"
        return f"{what} {size:,} bytes long (UTF-8); at most {limit:,} are accepted"
    return None


def iso_date_problem(text: str) -> str | None:
    """Why ``text`` is not an ISO 8601 date as dam keeps them (``2026``, ``2026-01``,
    ``2026-01-31``, ``2026-01-31T12:00[:00[.5]]`` with ``Z`` or ``±hh:mm`` optional), or None."""
    match = _ISO_DATE.match(text)
    expected = "an ISO 8601 date such as 2026-01-31 or 2026-01-31T12:00:00+01:00"
    if not match:
        return f"{_shown(text)} is not {expected}"
    parts = {key: int(value) for key, value in match.groupdict().items() if value and key != "sign"}
    try:
        datetime(
            parts["year"],
            parts.get("month", 1),
            parts.get("day", 1),
            parts.get("hour", 0),
            parts.get("minute", 0),
            parts.get("second", 0),
        )
    except ValueError as error:
        return f"{_shown(text)} is not a real date and time ({error})"
    if parts["year"] == 0:
        return f"{_shown(text)} is not a real date and time (year 0)"
    if parts.get("offset_hours", 0) > 14 or parts.get("offset_minutes", 0) > 59:
        return f"{_shown(text)} has a time zone offset beyond ±14:00"
    return None


def _type_problem(field: Field, value) -> str | None:
    """Why ``value`` is not of the field's type (as an edit gives it), or None. None clears a field."""
    if value is None:
        return None
    if field.type in (FieldType.TEXT, FieldType.DATETIME):
        return None if isinstance(value, str) else f"must be text, not {_kind_of(value)}"
    if field.type is FieldType.LIST:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)) or not all(isinstance(item, str) for item in items):
            return f"must be a list of texts, not {_kind_of(value)}"
        if len(items) > LIST_MAX_ITEMS:
            return f"has {len(items):,} items; at most {LIST_MAX_ITEMS:,} are accepted"
        return None
    if field.type is FieldType.BOOL:
        return None if isinstance(value, bool) else f"must be true or false, not {_kind_of(value)}"
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, decimal.Decimal, str)):
        return f"must be a number, not {_kind_of(value)}"
    if field.type is FieldType.INT:
        if not isinstance(value, (int, str)):
            if not math.isfinite(value) or value != int(value):
                return f"must be a whole number, not {_shown(value)}"
            value = int(value)
        if isinstance(value, str) and not re.fullmatch(r"\s*[+-]?\d{1,30}\s*", value):
            return f"must be a whole number, not {_shown(value)}"
        number = int(value)
        low, high = INT_RANGE
        if not low <= number <= high:
            return f"{_shown(number)} is outside the range a whole number can hold ({low:,} to {high:,})"
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return f"must be a number, not {_shown(value)}"
    if not math.isfinite(number):
        return f"must be a finite number, not {_shown(value)}"
    return None


def _text_cut(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` bytes of UTF-8, at a character boundary."""
    return text.encode("utf-8", errors="surrogatepass")[:limit].decode("utf-8", errors="ignore")


def _list_cut(items: list) -> list:
    """The first items of a list that fit ``LIST_MAX_ITEMS`` and ``LIST_MAX_BYTES``, each cut to
    ``LINE_MAX_BYTES``."""
    fitted, size = [], 0
    for item in items[:LIST_MAX_ITEMS]:
        if isinstance(item, str):
            item = _text_cut(item, LINE_MAX_BYTES)
            size += len(item.encode("utf-8", errors="surrogatepass"))
            if size > LIST_MAX_BYTES:
                break
        fitted.append(item)
    return fitted


def values_fit(values: dict) -> list[str]:
    """Cut, in place, the texts a file gave that are larger than dam keeps (``LINE_MAX_BYTES``,
    ``TEXT_MAX_BYTES``, ``LIST_MAX_ITEMS``, ``LIST_MAX_BYTES``: what the database's indexes hold), so a file with an
    absurd tag is ingested rather than refused; returns a warning per field cut. The version's
    raw tags keep the file's own bytes."""
    warnings = []
    for field in FIELDS:
        value = values.get(field.name)
        if field.type is FieldType.LIST and isinstance(value, list):
            fitted = _list_cut(value)
            if fitted != value:
                values[field.name] = fitted
                warnings.append(
                    f"{field.label}: the file holds items longer than {LINE_MAX_BYTES:,} bytes, more than "
                    f"{LIST_MAX_ITEMS:,} items or more than {LIST_MAX_BYTES:,} bytes in all; they were cut to fit"
                )
        elif field.type in (FieldType.TEXT, FieldType.DATETIME) and isinstance(value, str):
            limit = TEXT_MAX_BYTES if field.widget is Widget.LONG_TEXT else LINE_MAX_BYTES
            fitted = _text_cut(value, limit)
            if fitted != value:
                values[field.name] = fitted
                warnings.append(f"{field.label}: the file's value is longer than {limit:,} bytes; it was cut to fit")
    return warnings


def field_value_clean(field: Field, value):
    """``value`` as the field stores it: typed, normalised, and checked against its column's
    type and range, the row's bounds, choices and length, and the sizes of text dam takes.
    Raises ValueError saying why a value is refused. (Groups are looked up by the editing
    service, which can reach the database.)"""
    if field.type is FieldType.TIMESTAMP:
        if value in (None, ""):
            return None
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value.strip())
            except ValueError:
                raise ValueError(f"{_shown(value)} is not a date and time (ISO 8601)") from None
        if not isinstance(value, datetime):
            raise ValueError(f"{_shown(value)} is not a date and time")
        return value
    problem = _type_problem(field, value)
    if problem:
        raise ValueError(problem)
    if field.type is FieldType.INT and value is not None:
        value = int(value)  # "3", 3.0 and Decimal("3") alike (checked above)
    cleaned = coerce(field, value)
    if field.type in (FieldType.TEXT, FieldType.DATETIME, FieldType.LIST):
        for item in cleaned if field.is_list else [cleaned]:
            problem = _text_problem(field, item)
            if problem:
                raise ValueError(problem)
    if field.is_list and cleaned:
        size = sum(len(item.encode("utf-8", errors="surrogatepass")) for item in cleaned)
        if size > LIST_MAX_BYTES:
            raise ValueError(f"has {size:,} bytes of text in all (UTF-8); at most {LIST_MAX_BYTES:,} are accepted")
    if field.type is FieldType.DATETIME and cleaned:
        problem = iso_date_problem(cleaned)
        if problem:
            raise ValueError(problem)
    if field.normalise is not None:
        cleaned = field.normalise(cleaned)
    problem = bounds_problem(field, cleaned)
    if problem:
        raise ValueError(problem)
    if field.choices and cleaned not in {choice for choice, _ in field.choices}:
        raise ValueError(f"{cleaned!r} is not one of: {', '.join(repr(choice) for choice, _ in field.choices)}")
    if field.max_length is not None:
        items = cleaned if field.is_list else [cleaned]
        long = [item for item in items if len(item) > field.max_length]
        if long:
            raise ValueError(f"longer than {field.max_length} characters: {', '.join(map(_shown, long))}")
    return cleaned


# --- Rules across fields -------------------------------------------------------------------------
PLACEHOLDER_POSITION = "0, 0 is the placeholder written by devices without a GPS fix, not a position"


def position_is_placeholder(latitude, longitude) -> bool:
    """0, 0 ("null island"): what devices without a GPS fix write."""
    return latitude == 0 and longitude == 0


def position_problem(latitude, longitude) -> str | None:
    """Why (latitude, longitude) is not a position dam keeps, or None when it is one (or when
    both are None: no position). The one rule for every caller: editing, forms, file readers."""
    if (latitude is None) != (longitude is None):
        return "latitude and longitude go together: give both, or clear both"
    if latitude is None:
        return None
    problem = bounds_problem(FIELDS_BY_NAME["latitude"], latitude) or bounds_problem(
        FIELDS_BY_NAME["longitude"], longitude
    )
    if problem:
        return problem
    if position_is_placeholder(latitude, longitude):
        return PLACEHOLDER_POSITION
    return None


@dataclass(frozen=True)
class Rule:
    """A check across fields: ``check(*values)`` (in the order of ``fields``) says why the
    values do not go together, or returns None."""

    fields: tuple[str, ...]
    check: Callable[..., str | None]


# Applied by the editing service to every change that touches one of the fields, and by the forms.
RULES: tuple[Rule, ...] = (Rule(("latitude", "longitude"), position_problem),)
