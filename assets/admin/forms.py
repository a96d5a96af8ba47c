"""Forms and widgets of the librarian's admin."""

from __future__ import annotations

from django import forms
from django.contrib.postgres.forms import SimpleArrayField
from django.core.validators import MaxValueValidator, MinValueValidator

from assets.fields import FIELDS, FieldType
from assets.models import Asset

ADMIN_STATIC = "admin/"


class KeywordsWidget(forms.SelectMultiple):
    """Keywords picked from the controlled vocabulary with autocomplete; a new word may be typed
    too (it is kept and flagged as unmapped). Uses the select2 that ships with Django's admin."""

    template_name = "django/forms/widgets/select.html"

    def __init__(self, autocomplete_url: str = "", attrs=None):
        super().__init__(attrs={"class": "dam-keywords", "data-autocomplete-url": autocomplete_url, **(attrs or {})})

    @property
    def media(self):
        return forms.Media(
            css={
                "screen": [f"{ADMIN_STATIC}css/vendor/select2/select2.min.css", f"{ADMIN_STATIC}css/autocomplete.css"]
            },
            js=[
                f"{ADMIN_STATIC}js/vendor/jquery/jquery.min.js",
                f"{ADMIN_STATIC}js/vendor/select2/select2.full.min.js",
                f"{ADMIN_STATIC}js/jquery.init.js",
                "assets/keywords.js",
            ],
        )

    def optgroups(self, name, value, attrs=None):
        # The options are the asset's current keywords; select2 fetches the others as one types.
        self.choices = [(keyword, keyword) for keyword in (value or [])]
        return super().optgroups(name, value, attrs)

    def format_value(self, value):
        return [str(item) for item in (value or []) if item]

    def value_from_datadict(self, data, files, name):
        return [item for item in data.getlist(name) if item.strip()] if hasattr(data, "getlist") else data.get(name)


class KeywordsField(forms.Field):
    widget = KeywordsWidget

    def to_python(self, value):
        if not value:
            return []
        items = value if isinstance(value, list) else str(value).split(";")
        return [" ".join(str(item).split()) for item in items if str(item).strip()]


def _list_field(field) -> forms.Field:
    # One item per line: names often contain commas ("Doe, Jane").
    return SimpleArrayField(
        forms.CharField(max_length=500),
        delimiter="\n",
        required=False,
        label=field.label,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="One per line.",
    )


class AssetForm(forms.ModelForm):
    """Every editable canonical field, typed as the field table says."""

    class Meta:
        model = Asset
        fields = [
            *[f.name for f in FIELDS if f.editable],
            "embargo_until",
            "expires_at",
            "allowed_territories",
            "restricted_to_groups",
            "location_sensitive",
            "consent_status",
            "withdrawn_at",
        ]

    def __init__(self, *args, autocomplete_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        for field in FIELDS:
            if field.name not in self.fields:
                continue
            if field.name == "keywords":
                self.fields["keywords"] = KeywordsField(
                    required=False,
                    label=field.label,
                    widget=KeywordsWidget(autocomplete_url),
                    help_text="Type to pick terms from the vocabulary; new words are kept and flagged as unmapped.",
                )
            elif field.type is FieldType.LIST:
                self.fields[field.name] = _list_field(field)
            elif field.type in (FieldType.TEXT, FieldType.DATETIME) and field.name in self.fields:
                long_text = field.name in {
                    "description",
                    "extended_description",
                    "alt_text",
                    "usage_terms",
                    "instructions",
                    "comment",
                }
                self.fields[field.name].widget = (
                    forms.Textarea(attrs={"rows": 3, "cols": 60}) if long_text else forms.TextInput(attrs={"size": 60})
                )
        for name, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
            if name in self.fields:
                self.fields[name].min_value = low
                self.fields[name].max_value = high
                self.fields[name].validators += [
                    MinValueValidator(low),
                    MaxValueValidator(high),
                ]
                self.fields[name].widget.attrs.update({"step": "any", "min": low, "max": high})
        if "allowed_territories" in self.fields:
            self.fields["allowed_territories"] = SimpleArrayField(
                forms.CharField(max_length=2, min_length=2),
                required=False,
                label="Allowed territories",
                help_text="ISO 3166-1 alpha-2 codes separated by commas (e.g. NO, SE); empty means everywhere.",
            )

    def clean(self):
        cleaned = super().clean()
        latitude, longitude = cleaned.get("latitude"), cleaned.get("longitude")
        if ("latitude" in self.fields and "longitude" in self.fields) and (latitude is None) != (longitude is None):
            raise forms.ValidationError("Latitude and longitude go together: give both, or clear both.")
        if latitude == 0 and longitude == 0:
            raise forms.ValidationError("0, 0 is the placeholder of devices without a GPS fix: clear both instead.")
        return cleaned
