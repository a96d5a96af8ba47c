"""Bulk actions on a selection of assets. Each asset gets one audited change, through the same
service as a single edit, so write-back, permissions and the audit trail work the same way."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse

from assets.admin.forms import rules_check
from assets.editing import asset_metadata_update
from assets.fields import ALL_FIELDS_BY_NAME, FieldType, Widget
from assets.models import MetadataChange
from assets.vocabulary.keywords import keywords_normalize


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace(";", "\n").splitlines() if line.strip()]


class KeywordsBulkForm(forms.Form):
    add = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Keywords to add, one per line (or separated by ;). Known terms become their preferred label.",
    )
    remove = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Keywords to remove, one per line (any case).",
    )

    def changes_for(self, asset) -> dict:
        add = keywords_normalize(_lines(self.cleaned_data["add"]))
        remove = {word.casefold() for word in keywords_normalize(_lines(self.cleaned_data["remove"]))}
        kept = [word for word in asset.keywords if word.casefold() not in remove]
        return {"keywords": kept + [word for word in add if word.casefold() not in {k.casefold() for k in kept}]}


def bulk_form_field(field) -> forms.Field:
    """A row of the field table as a field of a bulk form: optional (left empty, it changes
    nothing), typed, bounded and labelled as the row says."""
    options = {"required": False, "label": field.label, "help_text": field.help_text}
    if field.type is FieldType.LIST:
        options["help_text"] = f"{field.help_text} One per line.".strip()
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), **options)
    if field.type is FieldType.FLOAT:
        return forms.FloatField(min_value=field.minimum, max_value=field.maximum, **options)
    if field.widget is Widget.URL:
        return forms.URLField(assume_scheme="https", **options)
    if field.widget is Widget.LONG_TEXT:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), **options)
    return forms.CharField(**options)


class FieldsBulkForm(forms.Form):
    """Sets the fields named in ``field_names`` (rows of the field table) on every asset chosen;
    only those filled in change."""

    field_names: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.field_names:
            self.fields[name] = bulk_form_field(ALL_FIELDS_BY_NAME[name])

    def clean(self):
        cleaned = super().clean()
        rules_check(self)
        return cleaned

    def changes_for(self, asset) -> dict:
        changes = {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}
        for name in changes:
            if ALL_FIELDS_BY_NAME[name].type is FieldType.LIST:
                changes[name] = _lines(changes[name])
        return changes


class PeopleRightsBulkForm(FieldsBulkForm):
    field_names = ("creators", "credit_line", "copyright_notice", "web_statement_url", "usage_terms")


class LocationBulkForm(FieldsBulkForm):
    field_names = ("sublocation", "city", "province_state", "country", "country_code", "latitude", "longitude")


def _bulk(modeladmin, request, queryset, form_class, title: str, note: str):
    form = form_class(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        done, refused = 0, []
        for asset in queryset:
            changes = form.changes_for(asset)
            if not changes:
                continue
            try:
                if asset_metadata_update(asset, changes, request.user, MetadataChange.Source.BULK, note=note):
                    done += 1
            except (PermissionDenied, ValidationError) as error:
                refused.append(f"{asset.title or asset.id}: {error}")
        modeladmin.message_user(
            request, f"{title}: {done} asset(s) changed, each with its own audit entry.", messages.SUCCESS
        )
        for reason in refused[:10]:
            modeladmin.message_user(request, reason, messages.ERROR)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "form": form,
        "assets": queryset[:50],
        "count": queryset.count(),
        "action": request.POST.get("action"),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "opts": modeladmin.model._meta,
        "select_across": request.POST.get("select_across", "0"),
    }
    return TemplateResponse(request, "admin/assets/asset/bulk_edit.html", context)


@admin.action(description="Add or remove keywords", permissions=["edit_metadata"])
def keywords_edit(modeladmin, request, queryset):
    return _bulk(modeladmin, request, queryset, KeywordsBulkForm, "Add or remove keywords", "bulk: keywords")


@admin.action(description="Set creators, credit, copyright, licence and usage terms", permissions=["change"])
def people_rights_set(modeladmin, request, queryset):
    return _bulk(
        modeladmin, request, queryset, PeopleRightsBulkForm, "Set people and rights", "bulk: people and rights"
    )


@admin.action(description="Set location", permissions=["edit_metadata"])
def location_set(modeladmin, request, queryset):
    return _bulk(modeladmin, request, queryset, LocationBulkForm, "Set location", "bulk: location")


@admin.action(description="Suggest missing GEO data (offline GeoNames)", permissions=["edit_metadata"])
def geo_suggest_action(modeladmin, request, queryset):
    from assets.geo.suggestions import geo_suggest

    made = sum(1 for asset in queryset if geo_suggest(asset))
    modeladmin.message_user(request, f"{made} suggestion(s) ready to review under GEO suggestions.", messages.SUCCESS)
