"""The admin: where librarians, rights managers and viewers work (staff groups: see assets/staff_groups.py)."""

import io

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from assets.admin.asset import AssetAdmin
from assets.editing import metadata_writeback_retry
from assets.geo.suggestions import geo_suggestion_accept, geo_suggestion_reject
from assets.locations import changes_shown, exact_location_allowed, value_shown
from assets.models import AccessProfile, Asset, GeoSuggestion, IngestRecord, MetadataChange, Term
from assets.selectors import asset_list_visible_to, related_to_visible
from assets.vocabulary.csv_format import vocabulary_export_csv
from assets.vocabulary.keywords import term_from_keyword_create
from assets.vocabulary.merge import terms_merge
from assets.vocabulary.report import vocabulary_report
from assets.vocabulary.skos import vocabulary_export_skos

admin.site.register(Asset, AssetAdmin)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AboutVisibleAssetsAdmin(ReadOnlyAdmin):
    """Rows about assets, shown only where the user may see the asset (``related_to_visible``)."""

    unlinked_rows_shown = False

    def get_queryset(self, request):
        return related_to_visible(super().get_queryset(request), request.user, unlinked=self.unlinked_rows_shown)


@admin.register(MetadataChange)
class MetadataChangeAdmin(AboutVisibleAssetsAdmin):
    """Every edit, with its write-back outcome; failed write-backs can be retried (by users who
    may change assets)."""

    list_display = ["created_at", "asset_link", "user", "source", "changed_fields", "status", "file_version", "error"]
    list_filter = ["status", "source", "created_at"]
    search_fields = ["asset__id", "asset__title", "user__username", "error"]
    show_full_result_count = False
    actions = ["retry"]
    list_select_related = ["asset", "user"]

    def get_object(self, request, object_id, from_field=None):
        change = super().get_object(request, object_id, from_field)
        if change is not None:  # old and new positions of a location-sensitive asset stay withheld
            change.changes = changes_shown(change.asset, change.changes, exact_location_allowed(request.user))
        return change

    def has_retry_permission(self, request):
        return request.user.has_perm("assets.change_asset")

    @admin.display(description="Asset")
    def asset_link(self, change):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:assets_asset_change", args=[change.asset_id]), change.asset_id
        )

    @admin.display(description="Fields")
    def changed_fields(self, change):
        return ", ".join(change.changes)

    @admin.action(description="Retry writing the selected failed changes into their files", permissions=["retry"])
    def retry(self, request, queryset):
        failed = list(queryset.filter(status=MetadataChange.Status.FAILED))
        for change in failed:
            metadata_writeback_retry(change)
        self.message_user(request, f"{len(failed)} change(s) queued again.", messages.SUCCESS)


@admin.register(IngestRecord)
class IngestRecordAdmin(AboutVisibleAssetsAdmin):
    unlinked_rows_shown = True  # refused files concern no asset
    list_display = ["created_at", "status", "original_name", "asset_link", "error"]
    list_filter = ["status", "created_at"]
    search_fields = ["original_name", "error", "sha256"]
    show_full_result_count = False
    readonly_fields = ["status", "original_name", "sha256", "size", "asset", "error", "warnings", "created_at"]

    @admin.display(description="Asset")
    def asset_link(self, record):
        if record.asset_id is None:
            return ""
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:assets_asset_change", args=[record.asset_id]), record.asset_id
        )


@admin.register(AccessProfile)
class AccessProfileAdmin(admin.ModelAdmin):
    """API users' defaults: the territory a CMS serves when its requests name none."""

    list_display = ["user", "default_territory"]
    search_fields = ["user__username"]


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    """The controlled vocabulary: one preferred label per concept, its aliases and URI."""

    list_display = ["preferred_label", "language", "aliases_text", "uri", "broader"]
    list_filter = ["language"]
    search_fields = ["preferred_label", "aliases", "uri"]
    autocomplete_fields = ["broader"]
    actions = ["merge"]
    change_list_template = "admin/assets/term/change_list.html"

    @admin.display(description="Aliases")
    def aliases_text(self, term):
        return ", ".join(term.aliases)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("report/", view(self.report_view), name="assets_term_report"),
            path("report/create-term/", view(self.create_from_keyword_view), name="assets_term_create_from_keyword"),
            path("export/<str:format_name>/", view(self.export_view), name="assets_term_export"),
            *super().get_urls(),
        ]

    def export_view(self, request, format_name: str):
        """The whole vocabulary as CSV or SKOS (JSON-LD), for download."""
        buffer = io.StringIO()
        if format_name == "csv":
            vocabulary_export_csv(buffer)
            content_type, extension = "text/csv", "csv"
        elif format_name == "skos":
            vocabulary_export_skos(buffer)
            content_type, extension = "application/ld+json", "jsonld"
        else:
            raise Http404("Export formats: csv, skos")
        response = HttpResponse(buffer.getvalue(), content_type=f"{content_type}; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="dam-vocabulary.{extension}"'
        return response

    def report_view(self, request):
        context = {
            **self.admin_site.each_context(request),
            "title": "Vocabulary report",
            "report": vocabulary_report(asset_list_visible_to(request.user)),
            "opts": self.model._meta,
            "can_add_term": self.has_add_permission(request),
        }
        return TemplateResponse(request, "admin/assets/term/report.html", context)

    def create_from_keyword_view(self, request):
        """The report's "create a term from this keyword" button (POST), back to the report."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_add_permission(request):
            raise PermissionDenied
        try:
            term, created = term_from_keyword_create(request.POST.get("keyword", ""))
        except ValueError as error:
            self.message_user(request, str(error), messages.ERROR)
            return redirect("admin:assets_term_report")
        change_url = reverse("admin:assets_term_change", args=[term.pk])
        if created:
            self.log_addition(request, term, [{"added": {}}])
            message = format_html(
                'Term “{}” created: its assets count as mapped. <a href="{}">Add aliases or a broader term</a>.',
                term,
                change_url,
            )
        else:
            message = format_html('The term <a href="{}">“{}”</a> already claims this keyword.', change_url, term)
        self.message_user(request, message, messages.SUCCESS if created else messages.INFO)
        return redirect("admin:assets_term_report")

    @admin.action(description="Merge the selected terms into one of them", permissions=["delete"])
    def merge(self, request, queryset):
        terms = list(queryset.order_by("preferred_label"))
        if len(terms) < 2:
            self.message_user(request, "Select at least two terms to merge.", messages.WARNING)
            return None
        target_id = request.POST.get("target")
        if "apply" in request.POST and target_id:
            target = next(term for term in terms if str(term.pk) == target_id)
            rewritten = 0
            for source in terms:
                if source.pk != target.pk:
                    rewritten += terms_merge(source, Term.objects.get(pk=target.pk), request.user)
            self.message_user(
                request, f"Merged into {target}: {rewritten} asset(s) rewritten, each audited.", messages.SUCCESS
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Merge terms",
            "terms": terms,
            "opts": self.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/assets/term/merge.html", context)


@admin.register(GeoSuggestion)
class GeoSuggestionAdmin(AboutVisibleAssetsAdmin):
    """Offline GEO suggestions, accepted one by one or in bulk (accepted values are marked derived)."""

    list_display = ["created_at", "asset_link", "kind", "suggested", "current", "distance_km", "source", "status"]
    list_filter = ["status", "kind"]
    search_fields = ["asset__id", "asset__title", "asset__city"]
    show_full_result_count = False
    actions = ["accept", "reject"]
    list_select_related = ["asset"]

    @admin.display(description="Asset")
    def asset_link(self, suggestion):
        asset = suggestion.asset
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:assets_asset_change", args=[asset.pk]), asset.title or asset.pk
        )

    @staticmethod
    def _suggested(suggestion, exact: bool) -> str:
        asset = suggestion.asset
        return ", ".join(
            f"{name}: {value_shown(asset, name, value, exact)}" for name, value in suggestion.values.items()
        )

    @staticmethod
    def _current(suggestion, exact: bool) -> str:
        asset = suggestion.asset
        return ", ".join(
            f"{name}: {value_shown(asset, name, getattr(asset, name), exact) or '—'}" for name in suggestion.values
        )

    @admin.display(description="Suggested")
    def suggested(self, suggestion):
        return self._suggested(suggestion, exact=False)

    @admin.display(description="Asset has")
    def current(self, suggestion):
        return self._current(suggestion, exact=False)

    def get_list_display(self, request):
        # The value columns depend on who looks (positions of location-sensitive assets).
        exact = exact_location_allowed(request.user)

        def suggested(suggestion):
            return self._suggested(suggestion, exact)

        def current(suggestion):
            return self._current(suggestion, exact)

        columns = {
            "suggested": admin.display(description="Suggested")(suggested),
            "current": admin.display(description="Asset has")(current),
        }
        return [columns.get(name, name) for name in self.list_display]

    def get_object(self, request, object_id, from_field=None):
        suggestion = super().get_object(request, object_id, from_field)
        if suggestion is not None:
            exact = exact_location_allowed(request.user)
            suggestion.values = {
                name: value_shown(suggestion.asset, name, value, exact) for name, value in suggestion.values.items()
            }
        return suggestion

    def has_edit_metadata_permission(self, request):
        return request.user.has_perm("assets.edit_metadata")

    @admin.action(
        description="Accept the selected suggestions (fills empty fields only)", permissions=["edit_metadata"]
    )
    def accept(self, request, queryset):
        open_ones = list(queryset.filter(status=GeoSuggestion.Status.OPEN).select_related("asset"))
        for suggestion in open_ones:
            geo_suggestion_accept(suggestion, request.user)
        self.message_user(
            request, f"{len(open_ones)} suggestion(s) accepted; the values are marked as derived.", messages.SUCCESS
        )

    @admin.action(description="Reject the selected suggestions", permissions=["edit_metadata"])
    def reject(self, request, queryset):
        open_ones = list(queryset.filter(status=GeoSuggestion.Status.OPEN))
        for suggestion in open_ones:
            geo_suggestion_reject(suggestion, request.user)
        self.message_user(request, f"{len(open_ones)} suggestion(s) rejected.", messages.SUCCESS)
