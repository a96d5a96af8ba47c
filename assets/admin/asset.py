"""The asset pages a librarian works in: the list and the edit page."""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import IntegerField
from django.db.models.expressions import RawSQL
from django.http import JsonResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from assets.admin import bulk
from assets.admin.forms import AssetForm
from assets.admin.inlines import ReadOnlyTabularInline
from assets.admin.lists import (
    CountryFilter,
    DateCreatedFilter,
    EstimatedCountPaginator,
    HasGpsFilter,
    LicenceFilter,
    MissingAltTextFilter,
    MissingRightsFilter,
    TermFilter,
    TextIsFilter,
    search_assets,
)
from assets.editing import asset_metadata_update, field_permission
from assets.fields import ALL_FIELDS, Group
from assets.locations import POSITION_FIELDS, asset_position_withhold, changes_shown, exact_location_allowed
from assets.models import Asset, FileVersion, MetadataChange, OriginalName, Term, keyword_unmapped_sql
from assets.selectors import asset_list_visible_to, user_sees_everything

# Keywords no vocabulary term claims, counted in SQL so a list page costs one query.
UNMAPPED_KEYWORDS = RawSQL(
    f"SELECT count(*) FROM unnest(assets_asset.keywords) AS k WHERE {keyword_unmapped_sql('k')}",
    [],
    output_field=IntegerField(),
)
EDITABLE = [f.name for f in ALL_FIELDS if f.editable]


class FileVersionInline(ReadOnlyTabularInline):
    model = FileVersion
    fk_name = "asset"
    fields = ["number", "origin", "sha256", "size", "mime_type", "created_at", "download"]
    verbose_name_plural = "File versions (every version is kept)"

    @admin.display(description="File")
    def download(self, version):
        url = reverse("asset-file-download", kwargs={"pk": version.asset_id, "number": version.number})
        return format_html('<a href="{}">download</a>', url)


class OriginalNameInline(ReadOnlyTabularInline):
    model = OriginalName
    fields = ["name", "first_seen_at"]


class MetadataChangeInline(ReadOnlyTabularInline):
    model = MetadataChange
    fields = ["created_at", "user", "source", "changes_text", "status", "file_version", "error"]
    verbose_name_plural = "Audit trail"
    ordering = ["-created_at", "-id"]
    exact_location = False  # set per request (inline instances are made for each request)

    def get_queryset(self, request):
        self.exact_location = exact_location_allowed(request.user)
        return super().get_queryset(request).select_related("asset", "user")

    @admin.display(description="Changes")
    def changes_text(self, change):
        changes = changes_shown(change.asset, change.changes, self.exact_location)
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li><b>{}</b>: {} → {}</li>",
                ((name, _short(diff["from"]), _short(diff["to"])) for name, diff in changes.items()),
            ),
        )


def _short(value) -> str:
    text = "—" if value in (None, "", []) else ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return text if len(text) <= 120 else text[:119] + "…"


class AssetAdmin(admin.ModelAdmin):
    form = AssetForm
    list_display = [
        "preview",
        "title_or_id",
        "kind",
        "creators_text",
        "licence",
        "geo_status",
        "vocabulary_status",
        "updated_at",
    ]
    list_display_links = ["preview", "title_or_id"]
    list_filter = [
        "kind",
        "mime_type",
        LicenceFilter,
        HasGpsFilter,
        MissingRightsFilter,
        MissingAltTextFilter,
        TermFilter,
        CountryFilter,
        DateCreatedFilter,
        "created_at",
        "updated_at",
        TextIsFilter,
    ]
    search_fields = ["title"]  # widened by get_search_results
    search_help_text = "Title, headline, description, keywords, creators, original file names, or an asset ID"
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50
    list_select_related = ["current_version"]
    inlines = [FileVersionInline, MetadataChangeInline, OriginalNameInline]
    actions = [bulk.keywords_edit, bulk.people_rights_set, bulk.location_set, bulk.geo_suggest_action]
    save_on_top = True

    # --- who sees and edits what -------------------------------------------------------------
    def get_queryset(self, request):
        queryset = (
            super().get_queryset(request)
            if user_sees_everything(request.user)
            else (asset_list_visible_to(request.user))
        )
        return queryset.annotate(unmapped_keywords=UNMAPPED_KEYWORDS)

    def get_object(self, request, object_id, from_field=None):
        asset = super().get_object(request, object_id, from_field)
        if asset is not None and asset.location_sensitive and not exact_location_allowed(request.user):
            asset_position_withhold(asset)  # form, map, raw tags: what this user may see
        return asset

    def lookup_allowed(self, lookup, value, request=None):
        # ?latitude__gte=… in the list's address would narrow a withheld position down.
        if lookup.split("__")[0] in POSITION_FIELDS and not exact_location_allowed(getattr(request, "user", None)):
            return False
        return super().lookup_allowed(lookup, value, request)

    def has_add_permission(self, request):
        return False  # assets arrive by ingest, never by hand

    def has_edit_metadata_permission(self, request):
        return request.user.has_perm("assets.edit_metadata")

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_readonly_fields(self, request, obj=None):
        locked = [name for name in EDITABLE if not request.user.has_perm(field_permission(name))]
        if not request.user.has_perm("assets.change_asset"):
            locked = EDITABLE
        elif obj is not None and getattr(obj, "_position_withheld", False):
            locked = [*locked, *POSITION_FIELDS]  # the form would offer the coarsened position as the real one
        return [
            "id",
            "kind",
            "preview_large",
            "map_preview",
            "derived_values",
            "warnings_list",
            "original_sha256",
            "created_at",
            "updated_at",
            "raw_tags",
            *[f.name for f in ALL_FIELDS if not f.editable],
            *locked,
        ]

    def get_fieldsets(self, request, obj=None):
        groups = [g for g in Group if not (g is Group.AUDIO and obj is not None and obj.kind != "audio")]
        fieldsets = [(None, {"fields": ["id", "kind", "preview_large", "warnings_list"]})]
        for group in groups:
            names = [f.name for f in ALL_FIELDS if f.group is group]
            if group is Group.LOCATION:
                names += ["map_preview", "derived_values"]
            fieldsets.append(
                (group.value, {"fields": names, "classes": ["collapse"] if group is Group.TECHNICAL else []})
            )
        fieldsets += [
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
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        url = reverse("admin:assets_asset_keywords_autocomplete")

        class BoundAssetForm(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, autocomplete_url=url, **inner)

        return BoundAssetForm

    # --- saving goes through the audited service ---------------------------------------------
    def save_model(self, request, obj, form, change):
        """Every changed field, restrictions and groups included, in one audited change."""
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in EDITABLE}
        original = Asset.objects.get(pk=obj.pk)
        try:
            record = asset_metadata_update(original, changes, request.user, MetadataChange.Source.ADMIN)
        except (PermissionDenied, ValidationError) as error:
            self.message_user(request, f"Not saved: {error}", messages.ERROR)
            return
        if record and record.status == MetadataChange.Status.PENDING:
            self.message_user(
                request,
                "Saved. The file is being updated: a new version will appear under "
                "File versions, and the audit trail shows when it is written.",
                messages.SUCCESS,
            )

    def save_related(self, request, form, formsets, change):
        # No form.save_m2m(): the groups went through asset_metadata_update in save_model.
        for formset in formsets:  # (the inlines are read-only)
            self.save_formset(request, form, formset, change=change)

    # --- extra pages ---------------------------------------------------------------------------
    def get_urls(self):
        extra = [
            path(
                "keywords-autocomplete/",
                self.admin_site.admin_view(self.keywords_autocomplete),
                name="assets_asset_keywords_autocomplete",
            )
        ]
        return extra + super().get_urls()

    def keywords_autocomplete(self, request):
        """select2 results: vocabulary terms whose label or alias contains what was typed."""
        term = request.GET.get("term", "").strip()
        terms = Term.objects.all()
        if term:
            terms = terms.filter(match_keys__icontains=term.casefold()) | terms.filter(preferred_label__icontains=term)
        labels = list(terms.order_by("preferred_label").values_list("preferred_label", flat=True).distinct()[:20])
        return JsonResponse({"results": [{"id": label, "text": label} for label in labels]})

    # --- columns -------------------------------------------------------------------------------
    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return search_assets(queryset, search_term.strip()), False

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

    @admin.display(description="Licence", ordering="web_statement_url")
    def licence(self, asset):
        return asset.web_statement_url.split("//")[-1][:40] if asset.web_statement_url else "—"

    @admin.display(description="GEO", boolean=True)
    def geo_status(self, asset):
        return asset.latitude is not None

    @admin.display(description="Vocabulary")
    def vocabulary_status(self, asset):
        unmapped = getattr(asset, "unmapped_keywords", 0)
        if not asset.keywords:
            return "no keywords"
        return "all mapped" if not unmapped else f"{unmapped} unmapped"

    @admin.display(description="Warnings")
    def warnings_list(self, asset):
        if not asset.warnings:
            return "none"
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((w,) for w in asset.warnings)))

    @admin.display(description="Derived values")
    def derived_values(self, asset):
        """Values dam suggested and a librarian accepted: not read from the file, not written into it."""
        if not asset.derived_fields:
            return "none: every value here was read from the file or typed by a person"
        rows = (
            (name, info["source"], info["by"], info["at"][:16].replace("T", " "))
            for name, info in sorted(asset.derived_fields.items())
        )
        return format_html("<ul>{}</ul>", format_html_join("", "<li><b>{}</b> from {} (accepted by {}, {})</li>", rows))

    @admin.display(description="Map")
    def map_preview(self, asset):
        """A static preview of the position on a graticule: no tile server, no internet."""
        if asset.latitude is None:
            return "no position"
        x, y = (asset.longitude + 180) / 360 * 360, (90 - asset.latitude) / 180 * 180
        lines = "".join(f'<line x1="{i}" y1="0" x2="{i}" y2="180" />' for i in range(0, 361, 30))
        lines += "".join(f'<line x1="0" y1="{j}" x2="360" y2="{j}" />' for j in range(0, 181, 30))
        return format_html(
            '<svg width="360" height="180" viewBox="0 0 360 180" role="img" aria-label="position {}, {}" '
            'style="background:#dfeaf5;border:1px solid #9ab"><g stroke="#fff" stroke-width="1">{}</g>'
            '<line x1="0" y1="90" x2="360" y2="90" stroke="#7a9" stroke-width="1.5"/>'
            '<circle cx="{}" cy="{}" r="5" fill="#c0392b" stroke="#fff" stroke-width="2"/></svg>',
            asset.latitude,
            asset.longitude,
            mark_safe(lines),
            round(x, 2),
            round(y, 2),  # noqa: S308 (numbers only)
        )

    @admin.display(description="Raw tags (current version)")
    def raw_tags(self, asset):
        raw = asset.current_version.raw_tags if asset.current_version else {}
        return format_html(
            '<pre style="max-height:40em;overflow:auto;white-space:pre-wrap">{}</pre>',
            json.dumps(raw, indent=2, ensure_ascii=False, sort_keys=True),
        )
