"""The field table: every canonical metadata field, declared once.

Each row names the field's type, where a librarian finds it (``group``), where it is read from
in priority order (ExifTool tags for images and audio fallbacks, mutagen keys for audio tags),
and its schema.org property. The Asset model's columns, the metadata readers, the API and the
admin walk this table; adding a field is one row here plus a migration.

Image sources follow the Metadata Working Group's reconciliation (see ``assets/metadata/mwg.py``):
EXIF wins where it has a value, then XMP, unless the IPTC digest shows that IPTC-IIM was edited
by a tool that left XMP behind, in which case IIM wins.

Tag keys are ExifTool names with their family-1 group, as ``exiftool -G1 -n`` reports them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class FieldType(enum.Enum):
    TEXT = "text"
    LIST = "list"  # list of strings
    FLOAT = "float"
    INT = "int"
    BOOL = "bool"
    DATETIME = "datetime"  # ISO 8601 text, as precise as the file says (date only, or with offset)


class Group(enum.Enum):
    DESCRIPTION = "Description"
    PEOPLE_RIGHTS = "People and rights"
    LOCATION = "Location"
    AUDIO = "Audio"
    TECHNICAL = "Technical"


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
    # ExifTool keys read for audio when mutagen finds nothing (RIFF INFO, AIFF text chunks).
    exiftool_audio: tuple[str, ...] = ()
    # schema.org JSON-LD: property paths in the asset's document ("contentLocation.geo.latitude";
    # the types along a path are in assets/jsonld.py) and how a value is shaped there.
    jsonld: tuple[str, ...] = ()
    jsonld_as: str = "text"  # text | person | organization | creative_work | pixels | duration
    editable: bool = True
    # Fields whose value comes from a dedicated reader (GPS, dates, technical facts).
    derived: bool = False
    # Rights metadata: edited by rights managers (assets.edit_rights), not by librarians.
    rights: bool = False

    @property
    def is_list(self) -> bool:
        return self.type is FieldType.LIST


FIELDS: tuple[Field, ...] = (
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
        mp4=("©nam",),
        ape=("Title",),
        exiftool_audio=("RIFF:Title", "AIFF:Name", "QuickTime:Title"),
        jsonld=("name",),
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
        mp4=("desc",),
        ape=("Description",),
        exiftool_audio=("RIFF:Subject",),
        jsonld=("description",),
    ),
    Field(
        "alt_text",
        "Alt text (accessibility)",
        FieldType.TEXT,
        Group.DESCRIPTION,
        xmp=("XMP-iptcCore:AltTextAccessibility",),
        jsonld=("caption",),
    ),
    Field(
        "extended_description",
        "Extended description (accessibility)",
        FieldType.TEXT,
        Group.DESCRIPTION,
        xmp=("XMP-iptcCore:ExtDescrAccessibility",),
        jsonld=("abstract",),
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
    ),
    Field(
        "genre",
        "Genre",
        FieldType.TEXT,
        Group.DESCRIPTION,
        xmp=("XMP-iptcCore:IntellectualGenre",),
        id3=("TCON",),
        vorbis=("genre",),
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
    ),
    Field(
        "property_release_status",
        "Property release status",
        FieldType.TEXT,
        Group.PEOPLE_RIGHTS,
        xmp=("XMP-plus:PropertyReleaseStatus",),
        rights=True,
    ),
    Field(
        "publisher",
        "Publisher / label",
        FieldType.TEXT,
        Group.PEOPLE_RIGHTS,
        id3=("TPUB",),
        vorbis=("organization", "label", "publisher"),
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
    ),
    Field(
        "latitude", "Latitude", FieldType.FLOAT, Group.LOCATION, derived=True, jsonld=("contentLocation.geo.latitude",)
    ),
    Field(
        "longitude",
        "Longitude",
        FieldType.FLOAT,
        Group.LOCATION,
        derived=True,
        jsonld=("contentLocation.geo.longitude",),
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
)

FIELDS_BY_NAME: dict[str, Field] = {field.name: field for field in FIELDS}
FIELD_NAMES: tuple[str, ...] = tuple(FIELDS_BY_NAME)


def empty_value(field: Field):
    """The value a field holds when the file says nothing."""
    if field.type is FieldType.LIST:
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


RIGHTS_FIELD_NAMES: frozenset[str] = frozenset(field.name for field in FIELDS if field.rights)
