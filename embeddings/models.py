"""The model registry and the vectors.

A model version is pinned and immutable once it has vectors: family, name, where its weights
come from (hub repo and pinned revision, a local directory, or a Python package that ships
them), the SHA-256 of the weights actually loaded, output dimension, metric, modalities, the
full preprocessing spec and its hash, the prompt template and the library versions. Two
sources that load the same weights with the same preprocessing are the same version.

Roles (``image``, ``audio``, ``asset_text``, ``transcript``, ``asr``; what each is for is its row
in ``embeddings.roles``) point each at one active version, and switching a role is one transaction.

Vectors live in one table with an untyped pgvector column; each model version gets its own
partial HNSW index over ``embedding::vector(D)`` (see ``embeddings.storage``).
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from pgvector.django import VectorField

from assets.models import Asset, FileVersion
from embeddings.encoders import encoder_family_choices


class ModelVersion(models.Model):
    class SourceKind(models.TextChoices):
        HUB = "hub", "Hub repository at a pinned revision"
        DIRECTORY = "directory", "Local directory"
        PACKAGE = "package", "Python package that ships the weights"

    class Status(models.TextChoices):
        CANDIDATE = "candidate", "Candidate"
        ACTIVE = "active", "Active"
        RETIRED = "retired", "Retired"

    # The registered encoder families (embeddings.encoders), in their registration order.
    family = models.CharField(max_length=20, choices=encoder_family_choices())
    name = models.CharField(max_length=200, help_text="e.g. ViT-B-32, laion/clap-htsat-unfused, all-MiniLM-L6-v2")
    source_kind = models.CharField(max_length=10, choices=SourceKind.choices)
    source = models.CharField(max_length=500, help_text="Repository ID, directory path, or package name")
    revision = models.CharField(max_length=100, blank=True, default="", help_text="Pinned hub revision (commit)")
    files = ArrayField(
        models.CharField(max_length=200),
        default=list,
        blank=True,
        help_text="For hub sources: the files (glob patterns) to fetch; a repository often holds several formats",
    )
    weights_sha256 = models.CharField(max_length=64, help_text="SHA-256 over the weight files actually loaded")
    dimension = models.PositiveIntegerField(help_text="Vector size; 0 for speech recognition, which makes text")
    metric = models.CharField(max_length=10, default="cosine", choices=[("cosine", "Cosine")])
    modalities = ArrayField(models.CharField(max_length=10), help_text="What it embeds: image, audio, text")
    preprocessing = models.JSONField(help_text="The full, deterministic preprocessing spec")
    preprocessor_sha256 = models.CharField(max_length=64)
    prompt_template = models.CharField(max_length=200, blank=True, default="", help_text="e.g. 'a photo of {}'")
    library_versions = models.JSONField(default=dict)
    licence = models.CharField(max_length=200, blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CANDIDATE, db_index=True)
    device = models.CharField(
        max_length=4,
        choices=[("cpu", "CPU"), ("gpu", "GPU")],
        default="cpu",
        help_text="Where it runs: its embedding tasks go to the embed_cpu or embed_gpu queue",
    )
    relevance_floor = models.FloatField(
        null=True,
        blank=True,
        help_text="Cosine similarity that unrelated pairs of this version's own vectors seldom reach "
        "(their DAM_SEARCH_FLOOR_QUANTILE); search ignores neighbours below it. Calibrated from the "
        "stored vectors (`models calibrate`)",
    )
    relevance_floor_pairs = models.PositiveIntegerField(default=0, help_text="Pairs the floor was calibrated on")
    relevance_floor_segments = models.PositiveIntegerField(
        default=0, help_text="Stored segments the floor's sample held (at most the calibration's sample size)"
    )
    deprecation_date = models.DateField(null=True, blank=True, help_text="When the vendor stops supporting it")
    successor = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="predecessors",
        help_text="The version that replaces it when it is deprecated (a migration is planned to it)",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["family", "name", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["weights_sha256", "preprocessor_sha256"], name="model_version_identity_unique"
            ),
            models.CheckConstraint(
                condition=Q(dimension__gt=0) | Q(family="asr"), name="model_version_dimension_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.family}:{self.name} ({self.weights_sha256[:8]}/{self.preprocessor_sha256[:8]})"

    @property
    def index_name(self) -> str:
        return f"embedding_hnsw_v{self.pk}"


class Role(models.Model):
    """What search uses for one purpose; points at the active model version."""

    name = models.CharField(max_length=30, unique=True)
    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="roles")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} → {self.model_version}"


class Embedding(models.Model):
    """One vector of one asset (or one segment of it) by one model version."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="embeddings")
    file_version = models.ForeignKey(FileVersion, on_delete=models.CASCADE, related_name="embeddings")
    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="embeddings")
    segment_start_ms = models.PositiveIntegerField(default=0)
    segment_end_ms = models.PositiveIntegerField(null=True, blank=True)
    text = models.TextField(blank=True, default="", help_text="The text embedded, for transcript segments")
    # Untyped: one table serves every dimension; each version's HNSW index casts to its own.
    embedding = VectorField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # The upsert key: a retried or duplicated task never creates a second vector.
            models.UniqueConstraint(
                fields=["asset", "model_version", "segment_start_ms"], name="embedding_segment_unique"
            ),
            models.CheckConstraint(
                condition=Q(segment_end_ms__isnull=True) | Q(segment_end_ms__gte=models.F("segment_start_ms")),
                name="embedding_segment_ordered",
            ),
        ]
        indexes = [models.Index(fields=["model_version", "asset"], name="embedding_version_asset")]

    def __str__(self) -> str:
        return f"{self.asset_id} @{self.segment_start_ms} ms by {self.model_version_id}"


class TranscriptSegment(models.Model):
    """What was said in an audio file version, and when, by one speech recognition version."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="transcript_segments")
    file_version = models.ForeignKey(FileVersion, on_delete=models.CASCADE, related_name="transcript_segments")
    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="transcript_segments")
    start_ms = models.PositiveIntegerField()
    end_ms = models.PositiveIntegerField()
    text = models.TextField()

    class Meta:
        ordering = ["asset", "start_ms"]
        constraints = [
            models.UniqueConstraint(
                fields=["file_version", "model_version", "start_ms"], name="transcript_segment_unique"
            ),
            models.CheckConstraint(condition=Q(end_ms__gte=models.F("start_ms")), name="transcript_segment_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.start_ms / 1000:.1f}–{self.end_ms / 1000:.1f} s: {self.text[:40]}"


class Transcription(models.Model):
    """That one speech recognition version has listened to a file version, and how many segments
    it heard: zero for music and tones, which are then never transcribed again."""

    file_version = models.ForeignKey(FileVersion, on_delete=models.CASCADE, related_name="transcriptions")
    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="transcriptions")
    segment_count = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["file_version", "model_version"], name="transcription_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.file_version_id} by {self.model_version_id}: {self.segment_count} segments"


class Migration(models.Model):
    """Re-embedding a role's assets with a new model version, in stages, while search keeps
    serving the old one; see ``embeddings.reembedding.states`` for the state machine."""

    class State(models.TextChoices):
        PLANNED = "planned", "Planned"
        BACKFILLING = "backfilling", "Backfilling"
        PAUSED = "paused", "Paused"
        VALIDATING = "validating", "Validating"
        READY = "ready", "Ready"
        CUT_OVER = "cut_over", "Cut over"
        ROLLED_BACK = "rolled_back", "Rolled back"
        RETIRED = "retired", "Retired"
        FAILED = "failed", "Failed"

    class Source(models.TextChoices):
        ORIGINAL = "original", "The original file version"
        CURRENT = "current", "The current file version"

    role = models.CharField(max_length=30)
    from_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="migrations_from")
    to_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="migrations_to")
    state = models.CharField(max_length=12, choices=State.choices, default=State.PLANNED, db_index=True)
    paused_from = models.CharField(max_length=12, blank=True, default="")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.CURRENT)
    batch_size = models.PositiveIntegerField(default=32)
    total_assets = models.PositiveIntegerField(default=0)
    done_assets = models.PositiveIntegerField(default=0)
    failed_assets = models.PositiveIntegerField(default=0)
    validation = models.JSONField(default=dict, blank=True, help_text="Figures and thresholds of the last validation")
    forced_reason = models.TextField(blank=True, default="", help_text="Why it was made ready despite failing checks")
    started_at = models.DateTimeField(null=True, blank=True)
    backfilled_at = models.DateTimeField(null=True, blank=True)
    cut_over_at = models.DateTimeField(null=True, blank=True)
    retire_after = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    OPEN = (State.PLANNED, State.BACKFILLING, State.PAUSED, State.VALIDATING, State.READY, State.CUT_OVER)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["role"],
                condition=Q(state__in=["planned", "backfilling", "paused", "validating", "ready", "cut_over"]),
                name="one_open_migration_per_role",
            )
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.from_version_id} → {self.to_version_id} ({self.state})"


class MigrationBatch(models.Model):
    """A slice of the backfill: done once, recorded, so a restart continues where it stopped."""

    migration = models.ForeignKey(Migration, on_delete=models.CASCADE, related_name="batches")
    number = models.PositiveIntegerField()
    asset_ids = ArrayField(models.CharField(max_length=32))
    done = models.BooleanField(default=False, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["migration", "number"]
        constraints = [models.UniqueConstraint(fields=["migration", "number"], name="migration_batch_unique")]


class MigrationFailure(models.Model):
    """An asset the new version could not embed, and why (retried from the admin or the command)."""

    migration = models.ForeignKey(Migration, on_delete=models.CASCADE, related_name="failures")
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField()
    at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["migration", "asset"], name="migration_failure_unique")]

    def __str__(self) -> str:
        return f"{self.asset_id}: {self.reason}"


class MigrationEvent(models.Model):
    """The audit trail: every transition, who made it, when and why."""

    migration = models.ForeignKey(Migration, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=12)
    to_state = models.CharField(max_length=12)
    user = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Who, in words: a user's name, "command line: <login>" or "dam (automatic)" (a worker, the schedule).
    actor = models.CharField(max_length=150, blank=True, default="")
    reason = models.TextField(blank=True, default="")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_state or 'new'} → {self.to_state}"


class ModelAlert(models.Model):
    """Something a person must act on, e.g. a deprecated model with no successor registered."""

    role = models.CharField(max_length=30)
    version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="alerts")
    message = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
