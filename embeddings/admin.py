"""Admin: the model registry, and a semantic search box over what the user may see."""

from django.contrib import admin, messages
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from assets.admin.inlines import ReadOnlyTabularInline
from assets.selectors import related_to_visible
from embeddings.encoders import EncoderError
from embeddings.evidence_kinds import (
    IN_THE_BACKGROUND,
    evidence_kinds_status,
    file_search_refusal,
    text_search_refusal,
)
from embeddings.models import (
    Migration,
    MigrationEvent,
    MigrationFailure,
    ModelAlert,
    ModelVersion,
    Role,
    TranscriptSegment,
)
from embeddings.reembedding import states, validation
from embeddings.search import SearchError, search_file, search_similar, search_text


def _upload_modality(upload) -> str | None:
    """``image`` or ``audio`` by the upload's content; None for a file search_file will refuse."""
    from assets.detection import HEAD_BYTES, detect_format

    media_format = detect_format(upload.read(HEAD_BYTES))
    upload.seek(0)
    return media_format.kind if media_format is not None else None


def _player_start_seconds(start_ms: int) -> float:
    return round(start_ms / 1000, 2)


def _best_moment(result) -> int:
    """Where a player starts: the span that was said or heard, else the best segment's start."""
    for kind in ("spoken", "acoustic"):
        if "start_ms" in result.evidence.get(kind, {}):
            return result.evidence[kind]["start_ms"]
    return result.segments[0]["start_ms"] if result.segments else 0


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "family",
        "status",
        "dimension",
        "source_kind",
        "short_weights",
        "roles_text",
        "deprecation_date",
        "created_at",
    ]
    list_filter = ["family", "status"]
    readonly_fields = [
        "family",
        "name",
        "source_kind",
        "source",
        "revision",
        "weights_sha256",
        "dimension",
        "metric",
        "modalities",
        "preprocessing",
        "preprocessor_sha256",
        "prompt_template",
        "library_versions",
        "licence",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False  # versions come from `manage.py models register`, with their weights hashed

    @admin.display(description="Weights")
    def short_weights(self, version):
        return version.weights_sha256[:12]

    @admin.display(description="Roles")
    def roles_text(self, version):
        return ", ".join(version.roles.values_list("name", flat=True))

    def get_urls(self):
        search = path("search/", self.admin_site.admin_view(self.search_view), name="embeddings_search")
        return [search, *super().get_urls()]

    def search_view(self, request):
        """Semantic search with thumbnails, players and the time spans that matched."""
        params = request.POST if request.method == "POST" else request.GET
        query, kind, results, error = params.get("q", "").strip(), params.get("kind") or None, [], ""
        like, upload = request.GET.get("like", "").strip(), request.FILES.get("file")
        searched = ""
        try:
            modality = _upload_modality(upload) if upload is not None else None
            refusal = file_search_refusal(modality) if modality else None
            if refusal:
                error = refusal
            elif upload is not None:
                searched = f"like the uploaded {upload.name}"
                results = search_file(request.user, upload, k=20)
            elif like:
                searched = f"more like asset {like}"
                results = search_similar(request.user, like, k=20, kind=kind)
            elif query and text_search_refusal():
                error = text_search_refusal()
            elif query:
                searched = query
                results = search_text(request.user, query, k=20, kind=kind)
        except (SearchError, EncoderError) as problem:
            error = str(problem)
        kinds = evidence_kinds_status()
        rows = [
            {
                **result.as_json(),
                "change_url": reverse("admin:assets_asset_change", args=[result.asset_id]),
                "thumbnail_url": reverse("asset-thumbnail", kwargs={"pk": result.asset_id}),
                "audio_url": reverse("asset-file-download", kwargs={"pk": result.asset_id, "number": 1}),
                "start_seconds": _player_start_seconds(_best_moment(result)),
                "strength": f"{result.score:.0%}",
                "like_url": f"?like={result.asset_id}",
            }
            for result in results
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": "Semantic search",
            "query": query,
            "searched": searched,
            "kind": kind,
            "rows": rows,
            "error": error,
            "evidence_kinds": kinds,
            "in_the_background": IN_THE_BACKGROUND if not all(kind["on"] for kind in kinds) else "",
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/embeddings/search.html", context)


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["name", "model_version", "updated_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TranscriptSegment)
class TranscriptSegmentAdmin(admin.ModelAdmin):
    list_display = ["asset", "start_ms", "end_ms", "text"]
    search_fields = ["text", "asset__id", "asset__title"]
    show_full_result_count = False

    def get_queryset(self, request):
        return related_to_visible(super().get_queryset(request), request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MigrationFailureInline(ReadOnlyTabularInline):
    model = MigrationFailure
    fields = ["asset", "reason", "at"]
    verbose_name_plural = "Failures (retry them with the “Retry failed assets” action)"

    def get_queryset(self, request):
        return related_to_visible(super().get_queryset(request), request.user)


class MigrationEventInline(ReadOnlyTabularInline):
    model = MigrationEvent
    fields = ["at", "from_state", "to_state", "who", "reason"]
    verbose_name_plural = "Audit trail"

    @admin.display(description="Who")
    def who(self, event):
        return event.actor or (event.user.username if event.user else "—")


# The transitions the change page offers as buttons, each through the audited service, shown
# where states.ALLOWED says the migration's state permits it: (label, call, needs confirmation).
TRANSITIONS = {
    "start": ("Start the backfill", lambda m, u, r: states.migration_start(m, user=u, reason=r), False),
    "pause": ("Pause the backfill", lambda m, u, r: states.migration_pause(m, user=u, reason=r), False),
    "resume": ("Resume the backfill", lambda m, u, r: states.migration_resume(m, user=u, reason=r), False),
    "validate": ("Validate the new vectors", lambda m, u, r: validation.migration_validate(m, u), False),
    "cutover": ("Cut over: search uses the new version", lambda m, u, r: states.migration_cutover(m, u, r), True),
    "rollback": ("Roll back to the old version", lambda m, u, r: states.migration_rollback(m, u, r), True),
}


def transitions_allowed(migration) -> list[dict]:
    """The buttons for a migration in its present state."""
    return [
        {"name": name, "label": label, "confirm": confirm}
        for name, (label, _, confirm) in TRANSITIONS.items()
        if migration.state in states.ALLOWED[name]
    ]


def _version_short(version):
    """A version in a list cell: its number and model name (the full description on hover)."""
    return format_html('<span title="{}">v{} · {}</span>', version, version.pk, version.name.rsplit("/", 1)[-1])


def _service_action(name: str, description: str, call):
    def action(modeladmin, request, queryset):
        for migration in queryset:
            try:
                call(migration, request.user)
                migration.refresh_from_db()
                modeladmin.message_user(request, f"migration {migration.pk}: {migration.state}")
            except states.MigrationError as error:
                modeladmin.message_user(request, str(error), level=messages.ERROR)

    action.__name__ = name
    action.short_description = description
    action.allowed_permissions = ("change",)  # as the change page's buttons (transition_view)
    return action


@admin.register(Migration)
class MigrationAdmin(admin.ModelAdmin):
    """Re-embedding migrations: progress, rate, ETA, failures, validation figures and drift plot."""

    list_display = ["id", "role", "from_short", "to_short", "state", "progress_bar", "rate", "eta", "failed_assets"]
    list_filter = ["state", "role"]
    list_select_related = ["from_version", "to_version"]
    search_fields = ["role"]
    inlines = [MigrationFailureInline, MigrationEventInline]
    readonly_fields = [
        "role",
        "from_version",
        "to_version",
        "state",
        "progress_bar",
        "rate",
        "eta",
        "validation_summary",
        "drift_plot",
        "source",
        "batch_size",
        "forced_reason",
        "started_at",
        "backfilled_at",
        "cut_over_at",
        "retire_after",
    ]
    fields = readonly_fields
    actions = [
        _service_action("pause", "Pause the backfill", lambda m, u: states.migration_pause(m, user=u)),
        _service_action("resume", "Resume the backfill", lambda m, u: states.migration_resume(m, user=u)),
        _service_action("validate", "Validate the new vectors", lambda m, u: validation.migration_validate(m, u)),
        _service_action(
            "cutover", "Cut over: search uses the new version", lambda m, u: states.migration_cutover(m, u)
        ),
        _service_action("rollback", "Roll back to the old version", lambda m, u: states.migration_rollback(m, u)),
        _service_action("retry_failures", "Retry failed assets", lambda m, u: states.migration_retry_failures(m, u)),
    ]

    def has_add_permission(self, request):
        return False  # planned with `manage.py migrate_embeddings plan` or by the deprecation schedule

    def has_delete_permission(self, request, obj=None):
        return False  # the audit trail stays

    change_list_template = "admin/embeddings/migration/change_list.html"
    change_form_template = "admin/embeddings/migration/change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Nothing here is edited by hand: transitions are the buttons, the actions or the command.
        migration = Migration.objects.filter(pk=object_id).first()
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "transitions": transitions_allowed(migration) if migration and self.has_change_permission(request) else [],
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "any_migration": Migration.objects.exists()}
        return super().changelist_view(request, extra_context)

    def transition_view(self, request, pk: int):
        """A button of the change page: one transition through the audited service, by this user."""
        from django.core.exceptions import PermissionDenied
        from django.http import HttpResponseNotAllowed
        from django.shortcuts import get_object_or_404, redirect

        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        migration = get_object_or_404(Migration, pk=pk)
        name = request.POST.get("transition", "")
        if name not in TRANSITIONS:
            self.message_user(request, f"unknown transition {name!r}", messages.ERROR)
        else:
            try:
                migration = TRANSITIONS[name][1](migration, request.user, request.POST.get("reason", "").strip())
                migration.refresh_from_db()
                self.message_user(request, f"Migration {migration.pk} is now {migration.get_state_display().lower()}.")
            except states.MigrationError as error:
                self.message_user(request, str(error), messages.ERROR)
        return redirect("admin:embeddings_migration_change", migration.pk)

    @admin.display(description="From", ordering="from_version")
    def from_short(self, migration):
        return _version_short(migration.from_version)

    @admin.display(description="To", ordering="to_version")
    def to_short(self, migration):
        return _version_short(migration.to_version)

    @admin.display(description="Progress")
    def progress_bar(self, migration):
        total = migration.total_assets or 0
        return format_html(
            '<progress value="{}" max="{}" style="width:8em"></progress> {}/{}',
            migration.done_assets,
            max(total, 1),
            migration.done_assets,
            total,
        )

    @admin.display(description="Rate")
    def rate(self, migration):
        return f"{states.migration_progress(migration)['rate_per_second']:.1f} assets/s"

    @admin.display(description="ETA")
    def eta(self, migration):
        seconds = states.migration_progress(migration)["eta_seconds"]
        return "—" if seconds is None else f"{seconds // 60} min {seconds % 60} s"

    @admin.display(description="Validation")
    def validation_summary(self, migration):
        figures = migration.validation or {}
        if not figures:
            return "not validated yet"
        rows = [
            ("Coverage", f"{figures['coverage']:.1%} ({figures['with_new_vectors']} of {figures['assets']} assets)"),
            ("Failed assets", figures["failed"]),
            ("Zero or NaN vectors", figures["zero_or_nan_vectors"]),
            ("Overlap@10", "—" if figures["overlap_at_10"] is None else f"{figures['overlap_at_10']:.2f}"),
        ]
        for name, norms in (figures.get("norms") or {}).items():
            rows.append((f"Norms ({name})", f"mean {norms['mean']:.4f}, stdev {norms['stdev']:.4f}"))
        recall = figures.get("query_set_recall_at_10")
        if recall:
            rows.append(("Query-set recall@10", f"old {recall['old']:.2f}, new {recall['new']:.2f}"))
        rows.append(("Result", "passed" if figures["passed"] else "; ".join(figures["problems"])))
        return format_html("<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows))

    @admin.display(description="Drift plot")
    def drift_plot(self, migration):
        url = reverse("admin:embeddings_migration_drift", args=[migration.pk])
        return format_html('<img src="{}" alt="drift plot of migration {}" style="max-width:100%">', url, migration.pk)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/drift.png", view(self.drift_view), name="embeddings_migration_drift"),
            path("<int:pk>/transition/", view(self.transition_view), name="embeddings_migration_transition"),
            *super().get_urls(),
        ]

    def drift_view(self, request, pk: int):
        from django.core.exceptions import PermissionDenied
        from django.shortcuts import get_object_or_404

        from embeddings.reembedding.drift import drift_plot_png

        if not self.has_view_permission(request):
            raise PermissionDenied
        migration = get_object_or_404(Migration, pk=pk)
        return HttpResponse(drift_plot_png(migration), content_type="image/png")


@admin.register(ModelAlert)
class ModelAlertAdmin(admin.ModelAdmin):
    list_display = ["created_at", "role", "version", "message", "resolved_at"]
    list_filter = ["role", ("resolved_at", admin.EmptyFieldListFilter)]

    def has_add_permission(self, request):
        return False
