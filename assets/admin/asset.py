"""The asset pages a librarian works in: the list and the edit page."""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, IntegerField
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
from assets.controlled_values import controlled_label
from assets.editing import asset_metadata_update, field_permission
from assets.fields import ALL_FIELDS, ALL_FIELDS_BY_NAME, Group
from assets.geo.base_map import location_map_svg
from assets.licences import licence_name
from assets.locations import (
    POSITION_FIELDS,
    asset_position_withhold,
    changes_shown,
    exact_location_allowed,
    position_expression,
)
from assets.models import Asset, FileVersion, MetadataChange, OriginalName, Term, keyword_unmapped_sql
from assets.selectors import asset_list_visible_to, user_sees_everything

# Keywords no vocabulary term claims, counted in SQL so a list page costs one query.
UNMAPPED_KEYWORDS = RawSQL(
    f"SELECT count(*) FROM unnest(assets_asset.keywords) AS k WHERE {keyword_unmapped_sql('k')}",
    [],
    output_field=IntegerField(),
)
EDITABLE = [f.name for f in ALL_FIELDS if f.editable]
CONTROLLED = {f.name: f for f in ALL_FIELDS if f.controlled}


def _locked(request) -> list[str]:
    """The editable fields this user may not change."""
    if not request.user.has_perm("assets.change_asset"):
        return EDITABLE
    return [name for name in EDITABLE if not request.user.has_perm(field_permission(name))]


def _shown(name: str, locked: list[str]) -> str:
    """The name a field is shown under: a controlled value or licence the user cannot change, by its label."""
    return f"{name}_label" if name in LABELLED and (name in locked or name not in EDITABLE) else name


def _controlled_display(field):
    """A read-only controlled value by its label (the stored URI on hover)."""

    def display(model_admin, asset):
        value = getattr(asset, field.name)
        if not value:
            return "—"
        return format_html('<span title="{}">{}</span>', value, controlled_label(field.controlled, value))

    display.short_description = field.label
    return display


def _licence_display(model_admin, asset):
    """A read-only web statement by the licence's name, with its URL."""
    url = asset.web_statement_url
    if not url:
        return "—"
    return format_html('<a href="{}" rel="noopener">{}</a> <span class="quiet">{}</span>', url, licence_name(url), url)


_licence_display.short_description = ALL_FIELDS_BY_NAME["web_statement_url"].label
LABELLED = {
    **{name: _controlled_display(field) for name, field in CONTROLLED.items()},
    "web_statement_url": _licence_display,
}


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
        # The GEO column says whether the user may see a position (none where it is withheld).
        shown_latitude = F("latitude") if exact_location_allowed(request.user) else position_expression("latitude")
        return queryset.annotate(unmapped_keywords=UNMAPPED_KEYWORDS, shown_latitude=shown_latitude)

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
        locked = _locked(request)
        if obj is not None and getattr(obj, "_position_withheld", False):
            locked = [*locked, *POSITION_FIELDS]  # the form would offer the coarsened position as the real one
        locked = [_shown(name, locked) for name in locked]
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
            *[_shown(f.name, []) for f in ALL_FIELDS if not f.editable],
            *locked,
        ]

    def get_fieldsets(self, request, obj=None):
        groups = [g for g in Group if not (g is Group.AUDIO and obj is not None and obj.kind != "audio")]
        locked = _locked(request) if request is not None else []
        fieldsets = [(None, {"fields": ["id", "kind", "preview_large", "warnings_list"]})]
        for group in groups:
            names = [_shown(f.name, locked) for f in ALL_FIELDS if f.group is group]
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
        name = licence_name(asset.web_statement_url, (asset.copyright_notice, asset.usage_terms))
        if not name:
            return "—"
        shown = name if len(name) <= 34 else name[:33] + "…"
        return format_html('<span title="{}">{}</span>', asset.web_statement_url or name, shown)

    @admin.display(description="GEO", boolean=True)
    def geo_status(self, asset):
        return getattr(asset, "shown_latitude", asset.latitude) is not None

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
        """The position on coastlines and borders drawn here (no tile server, no internet)."""
        if asset.latitude is None or asset.longitude is None:
            return "no position"
        svg = location_map_svg(asset.latitude, asset.longitude, asset.country_code)
        return format_html(
            '<div id="dam-map">{}<div class="dam-map-caption">{}, {} · coastlines and borders: Natural Earth '
            "(1:110m), from the countryinfo package</div></div>",
            mark_safe(svg),  # noqa: S308 (numbers and escaped country names only)
            asset.latitude,
            asset.longitude,
        )

    @admin.display(description="Raw tags (current version)")
    def raw_tags(self, asset):
        raw = asset.current_version.raw_tags if asset.current_version else {}
        return format_html(
            '<pre style="max-height:40em;overflow:auto;white-space:pre-wrap">{}</pre>',
            json.dumps(raw, indent=2, ensure_ascii=False, sort_keys=True),
        )


for _name, _display in LABELLED.items():
    setattr(AssetAdmin, f"{_name}_label", _display)
