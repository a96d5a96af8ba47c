"""The asset registry: assets, their immutable file versions, names they arrived under, ingests."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q

from assets.fields import ALL_FIELDS, FIELDS, Field, FieldType
from assets.geo.countries import country_alpha2

ASSET_ID_LENGTH = 32


def asset_id_for(sha256: str) -> str:
    """An asset's ID: the first 128 bits of the SHA-256 of its original bytes, in hex.

    Derived from content only, so the same bytes get the same ID on every machine, forever.
    """
    return sha256[:ASSET_ID_LENGTH]


def asset_id_well_formed(text) -> bool:
    """Whether ``text`` could be an asset ID (32 lower-case hex digits). Checked before an ID
    from a request reaches the database: anything else is answered as an ID that does not exist."""
    return isinstance(text, str) and len(text) == ASSET_ID_LENGTH and all(ch in "0123456789abcdef" for ch in text)


def _bounds_condition(field: Field) -> Q:
    bounds = {}
    if field.minimum is not None:
        bounds[f"{field.name}__gte"] = field.minimum
    if field.maximum is not None:
        bounds[f"{field.name}__lte"] = field.maximum
    return Q(**{f"{field.name}__isnull": True}) | Q(**bounds)


class Kind(models.TextChoices):
    IMAGE = "image", "Image"
    AUDIO = "audio", "Audio"


class Asset(models.Model):
    """One piece of media. Its metadata, rights and restriction columns come from the field table
    (``assets.fields``); restrictions are enforced by assets.selectors on every read path."""

    id = models.CharField(primary_key=True, max_length=ASSET_ID_LENGTH, editable=False)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    original_sha256 = models.CharField(max_length=64, unique=True, editable=False)
    current_version = models.ForeignKey(
        "FileVersion", null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    warnings = models.JSONField(
        default=list, blank=True, help_text="Problems found in the file that did not stop ingest."
    )
    derived_fields = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="Values suggested by dam and accepted by a librarian, not read from the file: "
        "{field: {source, by, at}}. They stay out of the file until someone edits them by hand.",
    )
    # What filters, search, GEO suggestions and territories compare: the country as ISO 3166-1
    # alpha-2, whatever form the file gave it in (the file's own value stays in country and
    # country_code, and is what write-back writes).
    country_iso2 = models.CharField(
        "Country (ISO 3166-1 alpha-2)",
        max_length=2,
        blank=True,
        default="",
        editable=False,
        db_index=True,
        help_text="Derived by dam from the country code or, failing that, the country name.",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    # Weighted full-text of the metadata, written by a database trigger whenever the row is
    # (``assets.fulltext`` says what goes in and how it is searched).
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["-created_at", "id"]
        permissions = [
            ("view_all_assets", "Can see assets whatever their rights and restrictions"),
            ("edit_metadata", "Can edit descriptive metadata (and have it written into the files)"),
            ("edit_rights", "Can edit rights, restrictions and rights metadata"),
            ("view_exact_location", "Can see the exact position of location-sensitive assets"),
        ]
        indexes = [
            GinIndex(fields=["keywords"], name="asset_keywords_gin"),
            GinIndex(fields=["search_vector"], name="asset_search_vector_gin"),
            models.Index(fields=["kind", "-created_at"], name="asset_kind_created"),
            models.Index(fields=["country_code"], name="asset_country_code"),
            models.Index(fields=["city"], name="asset_city"),
        ]
        constraints = [
            # The bounds of the field table's rows, enforced by the database as well.
            *(
                models.CheckConstraint(condition=_bounds_condition(field), name=f"asset_{field.name}_range")
                for field in ALL_FIELDS
                if field.minimum is not None or field.maximum is not None
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="asset_coordinates_paired",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.id

    def save(self, *args, **kwargs):
        if getattr(self, "_position_withheld", False):  # see assets.locations.asset_position_withhold
            raise RuntimeError("this asset's position was withheld for display: load it again to save it")
        self.country_iso2 = asset_country_iso2(self.country_code, self.country)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"country", "country_code"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "country_iso2"}
        super().save(*args, **kwargs)

    @property
    def has_gps(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def metadata(self) -> dict:
        """The canonical metadata fields (those files hold) as a plain dict, in field-table order."""
        return {field.name: getattr(self, field.name) for field in FIELDS}


def asset_country_iso2(country_code: str, country: str) -> str:
    """The ISO 3166-1 alpha-2 code of an asset's country: from its code (alpha-2 or alpha-3),
    else from its name; "" when neither names a country."""
    return country_alpha2(country_code or "") or country_alpha2(country or "") or ""


def asset_column(field: Field) -> models.Field:
    """The Asset column a row of the field table gets (a many-to-many relation for groups). A row
    with ``max_length`` gets a bounded text column; rows of file metadata set none (files may hold
    any length)."""
    options = {"verbose_name": field.label, "blank": True, "editable": field.editable}
    if field.help_text:
        options["help_text"] = field.help_text
    if field.choices:
        options["choices"] = list(field.choices)
    if field.type is FieldType.GROUPS:
        return models.ManyToManyField("auth.Group", related_name=field.related_name or "+", **options)
    if field.type is FieldType.LIST:
        items = models.CharField(max_length=field.max_length) if field.max_length else models.TextField()
        return ArrayField(items, default=list, **options)
    if field.type in (FieldType.TEXT, FieldType.DATETIME):
        if field.max_length:
            return models.CharField(max_length=field.max_length, default="", **options)
        return models.TextField(default="", **options)
    if field.type is FieldType.TIMESTAMP:
        return models.DateTimeField(null=True, **options)
    if field.type is FieldType.FLOAT:
        return models.FloatField(null=True, **options)
    if field.type is FieldType.INT:
        return models.BigIntegerField(null=True, **options)
    if field.type is FieldType.BOOL:
        if field.default is not None:
            return models.BooleanField(default=field.default, **options)
        return models.BooleanField(null=True, **options)
    raise ValueError(f"no column type for {field.type}")


for _field in ALL_FIELDS:
    Asset.add_to_class(_field.name, asset_column(_field))


class FileVersion(models.Model):
    """One immutable, content-addressed file of an asset. Version 1 is the original upload."""

    class Origin(models.TextChoices):
        INGEST = "ingest", "Ingested"
        WRITEBACK = "writeback", "Metadata written back"

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    # Unique per asset, not globally: two assets' files may converge to the same bytes by edits.
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.BigIntegerField()
    mime_type = models.CharField(max_length=100)
    storage_name = models.CharField(max_length=255, help_text="Key of the stored object (content-addressed).")
    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.INGEST)
    metadata = models.JSONField(default=dict, help_text="Canonical fields as read from this file.")
    raw_tags = models.JSONField(default=dict, help_text="Every tag ExifTool and mutagen reported, grouped.")
    thumbnail_name = models.CharField(max_length=255, blank=True, default="")
    # The XMP sidecar that came with the file (folder ingest), stored as it was: part of the version.
    sidecar_name = models.CharField(
        max_length=255, blank=True, default="", help_text="Key of the stored XMP sidecar that came with the file."
    )
    sidecar_sha256 = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["asset", "number"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "number"], name="file_version_number_unique"),
            models.UniqueConstraint(fields=["asset", "sha256"], name="file_version_sha256_unique_per_asset"),
        ]

    def __str__(self) -> str:
        return f"{self.asset_id} v{self.number}"


class OriginalName(models.Model):
    """A name an asset's bytes arrived under. Stored as metadata only; it never decides a path."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="original_names")
    name = models.TextField()
    first_seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["first_seen_at", "id"]
        constraints = [models.UniqueConstraint(fields=["asset", "name"], name="original_name_unique")]

    def __str__(self) -> str:
        return self.name


class IngestRecord(models.Model):
    """One attempt to ingest one file, whatever came of it."""

    class Status(models.TextChoices):
        CREATED = "created", "Created"
        EXISTS = "exists", "Already in dam"
        FAILED = "failed", "Failed"

    status = models.CharField(max_length=8, choices=Status.choices, db_index=True)
    original_name = models.TextField(blank=True, default="")
    sha256 = models.CharField(max_length=64, blank=True, default="")
    size = models.BigIntegerField(null=True)
    asset = models.ForeignKey(Asset, null=True, blank=True, on_delete=models.SET_NULL, related_name="ingests")
    error = models.TextField(blank=True, default="")
    warnings = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(status="failed") | ~Q(error=""), name="ingest_failure_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()}: {self.original_name}"


class AssetTombstone(models.Model):
    """An asset deleted for good, kept so that feeds can tell their readers to remove it."""

    asset_id = models.CharField(max_length=ASSET_ID_LENGTH, unique=True)
    deleted_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # The restrictions the asset had when it was deleted: its tombstone reaches only the callers
    # who could see it then (``assets.selectors.tombstone_rights_q``).
    allowed_territories = ArrayField(models.CharField(max_length=2), default=list, blank=True)
    restricted_group_ids = ArrayField(models.IntegerField(), default=list, blank=True)
    embargoed = models.BooleanField(default=False, help_text="Deleted before its embargo lifted.")

    def __str__(self) -> str:
        return f"{self.asset_id} (deleted {self.deleted_at:%Y-%m-%d})"


class AccessProfile(models.Model):
    """Defaults for an API user (a CMS): the territory its audience is in."""

    user = models.OneToOneField("auth.User", on_delete=models.CASCADE, related_name="access_profile")
    default_territory = models.CharField(
        max_length=2, blank=True, default="", help_text="ISO 3166-1 alpha-2 code used when a request names none."
    )
    territories = ArrayField(
        models.CharField(max_length=2),
        default=list,
        blank=True,
        help_text="Further ISO 3166-1 alpha-2 codes the user may name with ?territory= (the default is always "
        "granted). A request naming any other territory sees no territory-restricted asset.",
    )

    def save(self, *args, **kwargs):
        self.default_territory = self.default_territory.strip().upper()
        self.territories = sorted({code.strip().upper() for code in self.territories if code.strip()})
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.user} ({self.default_territory or 'no territory'})"


def keyword_key(text: str) -> str:
    """How keywords are compared: case- and whitespace-insensitively."""
    return " ".join(text.casefold().split())


def keyword_key_sql(column: str) -> str:
    """keyword_key in SQL, for queries that match keywords against terms' match_keys."""
    return f"lower(regexp_replace(btrim({column}), '\\s+', ' ', 'g'))"


def keyword_unmapped_sql(keyword: str) -> str:
    """SQL that is true when no vocabulary term claims ``keyword`` (an SQL expression)."""
    return f"NOT EXISTS (SELECT 1 FROM assets_term t WHERE {keyword_key_sql(keyword)} = ANY(t.match_keys))"


class Term(models.Model):
    """A concept of the controlled vocabulary: one preferred label per language, its aliases,
    an optional broader term and an optional external URI (IPTC NewsCodes, Wikidata...)."""

    preferred_label = models.CharField(max_length=200)
    language = models.CharField(max_length=8, default="en")
    aliases = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    uri = models.URLField(blank=True, default="", max_length=500)
    broader = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="narrower")
    # keyword_key of the label and every alias, for matching keywords in one indexed query.
    match_keys = ArrayField(models.CharField(max_length=200), default=list, editable=False)

    class Meta:
        ordering = ["preferred_label"]
        indexes = [GinIndex(fields=["match_keys"], name="term_match_keys_gin")]
        constraints = [
            models.UniqueConstraint(
                models.functions.Lower("preferred_label"), "language", name="term_label_unique_per_language"
            )
        ]

    def __str__(self) -> str:
        return self.preferred_label

    def save(self, *args, **kwargs):
        self.match_keys = sorted({keyword_key(label) for label in [self.preferred_label, *self.aliases] if label})
        super().save(*args, **kwargs)


class TitleWord(models.Model):
    """A word of some asset's title, as typo corrections look for it (``assets.fulltext``):
    unaccented, lower case, 3 to 100 letters and digits, not a number. Kept by triggers in the
    statement that writes a title (migration ``assets.0011``); the words of titles since changed or
    deleted stay, and a correction is offered only where an asset searched holds the word."""

    word = models.TextField()

    class Meta:
        db_table = "assets_title_word"
        indexes = [
            models.Index(fields=["word"], name="title_word"),
            GinIndex(fields=["word"], opclasses=["gin_trgm_ops"], name="title_word_trigram"),
        ]

    def __str__(self) -> str:
        return self.word


class MetadataChange(models.Model):
    """One audited change to one asset: who changed which fields from what to what, and the file
    version the write-back produced (or why it could not)."""

    class Source(models.TextChoices):
        ADMIN = "admin", "Admin edit"
        API = "api", "API"
        BULK = "bulk", "Bulk action"
        VOCABULARY = "vocabulary", "Vocabulary merge"
        GEO = "geo", "Accepted GEO suggestion"

    class Status(models.TextChoices):
        PENDING = "pending", "Writing into the file"
        WRITTEN = "written", "Written into the file"
        RECORDED = "recorded", "Recorded (nothing to write into the file)"
        FAILED = "failed", "File update failed"

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="changes")
    user = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source = models.CharField(max_length=12, choices=Source.choices)
    note = models.CharField(max_length=200, blank=True, default="", help_text="e.g. the bulk action")
    # {"field": {"from": old, "to": new}, ...}
    changes = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    error = models.TextField(blank=True, default="")
    file_version = models.ForeignKey(
        FileVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="metadata_changes"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    written_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["asset", "-created_at"], name="change_asset_created")]
        constraints = [
            models.CheckConstraint(condition=~Q(status="failed") | ~Q(error=""), name="change_failure_has_reason")
        ]

    def __str__(self) -> str:
        return f"{self.asset_id}: {', '.join(self.changes)} ({self.get_status_display()})"


class GeoSuggestion(models.Model):
    """A place suggested from GPS coordinates, or coordinates suggested from a place name, from
    GeoNames data shipped with dam (offline). A librarian accepts or rejects it."""

    class Kind(models.TextChoices):
        PLACE = "place", "Place names from GPS"
        COORDINATES = "coordinates", "Coordinates from the place name"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="geo_suggestions")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    values = models.JSONField(help_text="The suggested canonical field values.")
    source = models.CharField(max_length=200)
    distance_km = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    decided_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "kind"], condition=Q(status="open"), name="geo_suggestion_one_open_per_kind"
            )
        ]

    def __str__(self) -> str:
        # Without the values: the name shows where values may not (positions of sensitive assets).
        return f"{self.get_kind_display()} for {self.asset_id}: {', '.join(self.values)}"
