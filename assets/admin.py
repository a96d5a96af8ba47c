"""A read-only view of the registry for now; editing arrives with the librarian workflow."""

import json

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from assets.fields import FIELDS, Group
from assets.models import AccessProfile, Asset, FileVersion, IngestRecord, OriginalName, Term


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class FileVersionInline(admin.TabularInline):
    model = FileVersion
    fields = ["number", "origin", "sha256", "size", "mime_type", "created_at", "download"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="File")
    def download(self, version):
        url = reverse("asset-file-download", kwargs={"pk": version.asset_id, "number": version.number})
        return format_html('<a href="{}">download</a>', url)


class OriginalNameInline(admin.TabularInline):
    model = OriginalName
    fields = ["name", "first_seen_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Asset)
class AssetAdmin(ReadOnlyAdmin):
    list_display = ["preview", "title_or_id", "kind", "mime_type", "creators_text", "city", "country", "created_at"]
    list_display_links = ["preview", "title_or_id"]
    list_filter = ["kind", "mime_type", "created_at"]
    search_fields = ["title", "headline", "description", "city", "country", "original_names__name", "=id"]
    show_full_result_count = False  # no COUNT(*) over the whole table on every page
    list_per_page = 50
    inlines = [FileVersionInline, OriginalNameInline]
    readonly_fields = [
        "embargo_until",
        "expires_at",
        "allowed_territories",
        "restricted_to_groups",
        "location_sensitive",
        "withdrawn_at",
        "id",
        "kind",
        "preview_large",
        "warnings_list",
        "original_sha256",
        "created_at",
        "updated_at",
        "raw_tags",
        *[f.name for f in FIELDS],
    ]

    def get_fieldsets(self, request, obj=None):
        # Groups in the order a librarian reads them; audio fields only on audio assets.
        groups = [g for g in Group if not (g is Group.AUDIO and obj is not None and obj.kind != "audio")]
        return [
            (None, {"fields": ["id", "kind", "preview_large", "warnings_list"]}),
            *[
                (
                    group.value,
                    {
                        "fields": [f.name for f in FIELDS if f.group is group],
                        "classes": ["collapse"] if group is Group.TECHNICAL else [],
                    },
                )
                for group in groups
            ],
            ("Provenance", {"fields": ["original_sha256", "created_at", "updated_at"]}),
            (
                "Raw tags",
                {
                    "fields": ["raw_tags"],
                    "classes": ["collapse"],
                    "description": "Every tag ExifTool and mutagen reported for the current file version.",
                },
            ),
        ]

    @admin.display(description="Warnings")
    def warnings_list(self, asset):
        if not asset.warnings:
            return "none"
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((w,) for w in asset.warnings)))

    @admin.display(description="Raw tags (current version)")
    def raw_tags(self, asset):
        raw = asset.current_version.raw_tags if asset.current_version else {}
        return format_html(
            '<pre style="max-height:40em;overflow:auto;white-space:pre-wrap">{}</pre>',
            json.dumps(raw, indent=2, ensure_ascii=False, sort_keys=True),
        )

    @admin.display(description="")
    def preview(self, asset):
        if asset.kind == "image":
            url = reverse("asset-thumbnail", kwargs={"pk": asset.pk})
            return format_html('<img src="{}" alt="" style="max-height:64px;max-width:96px" loading="lazy">', url)
        url = reverse("asset-file-download", kwargs={"pk": asset.pk, "number": 1})
        duration = f"{asset.duration_seconds:.1f} s" if asset.duration_seconds else ""
        return format_html('<audio controls preload="none" src="{}" style="width:180px"></audio><br>{}', url, duration)

    @admin.display(description="Preview")
    def preview_large(self, asset):
        if asset.kind == "image":
            url = reverse("asset-thumbnail", kwargs={"pk": asset.pk})
            return format_html('<img src="{}" alt="" style="max-width:320px">', url)
        return self.preview(asset)

    @admin.display(description="Title", ordering="title")
    def title_or_id(self, asset):
        return asset.title or asset.headline or asset.id

    @admin.display(description="Creators")
    def creators_text(self, asset):
        return ", ".join(asset.creators)


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
