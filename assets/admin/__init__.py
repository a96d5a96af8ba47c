"""The admin: where librarians, rights managers and viewers work (see assets/roles.py)."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from assets.admin.asset import AssetAdmin
from assets.editing import metadata_writeback_retry
from assets.models import AccessProfile, Asset, IngestRecord, MetadataChange, Term

admin.site.register(Asset, AssetAdmin)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MetadataChange)
class MetadataChangeAdmin(ReadOnlyAdmin):
    """Every edit, with its write-back outcome; failed write-backs can be retried."""

    list_display = ["created_at", "asset_link", "user", "source", "changed_fields", "status", "file_version", "error"]
    list_filter = ["status", "source", "created_at"]
    search_fields = ["asset__id", "asset__title", "user__username", "error"]
    show_full_result_count = False
    actions = ["retry"]

    @admin.display(description="Asset")
    def asset_link(self, change):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:assets_asset_change", args=[change.asset_id]), change.asset_id
        )

    @admin.display(description="Fields")
    def changed_fields(self, change):
        return ", ".join(change.changes)

    @admin.action(description="Retry writing the selected failed changes into their files", permissions=["view"])
    def retry(self, request, queryset):
        failed = list(queryset.filter(status=MetadataChange.Status.FAILED))
        for change in failed:
            metadata_writeback_retry(change)
        self.message_user(request, f"{len(failed)} change(s) queued again.", messages.SUCCESS)


@admin.register(IngestRecord)
class IngestRecordAdmin(ReadOnlyAdmin):
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

    @admin.display(description="Aliases")
    def aliases_text(self, term):
        return ", ".join(term.aliases)
