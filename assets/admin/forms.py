"""Forms and widgets of the librarian's admin."""

from __future__ import annotations

from django import forms
from django.contrib.postgres.forms import SimpleArrayField
from django.core.validators import MaxValueValidator, MinValueValidator

from assets.controlled_values import controlled_label
from assets.fields import ALL_FIELDS, RULES, FieldType, Widget
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
        forms.CharField(max_length=field.max_length or 500),
        delimiter="\n",
        required=False,
        label=field.label,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=f"{field.help_text} One per line.".strip(),
    )


def _codes_field(field) -> forms.Field:
    length = field.max_length
    return SimpleArrayField(
        forms.CharField(max_length=length, min_length=length),
        required=False,
        label=field.label,
        help_text=f"{field.help_text} Separate the codes with commas.".strip(),
    )


def controlled_field(field, current: str = "") -> forms.ChoiceField:
    """A pick from the field's controlled vocabulary, labels shown and URIs stored; a value the
    file brought from outside the vocabulary stays a choice, so saving other fields keeps it."""
    choices = [("", "Not stated"), *field.controlled]
    if current and current not in dict(choices):
        known = controlled_label(field.controlled, current)
        shown = f"{known} (the file says {current})" if known != current else f"{current} (not in the vocabulary)"
        choices.insert(1, (current, shown))
    return forms.ChoiceField(
        choices=choices,
        required=False,
        label=field.label,
        help_text=f"{field.help_text} Stored as the vocabulary's URI, which files and feeds carry.".strip(),
    )


def bounds_apply(form_field: forms.Field, field) -> None:
    """The row's bounds on a number field of a form: checked there, and told to the browser."""
    if field.minimum is not None:
        form_field.min_value = field.minimum
        form_field.validators.append(MinValueValidator(field.minimum))
        form_field.widget.attrs["min"] = field.minimum
    if field.maximum is not None:
        form_field.max_value = field.maximum
        form_field.validators.append(MaxValueValidator(field.maximum))
        form_field.widget.attrs["max"] = field.maximum
    form_field.widget.attrs["step"] = "any"


def rules_check(form: forms.Form, instance=None) -> None:
    """The field table's rules across fields, on a form's cleaned data (fields the form does not
    show take the instance's values), as form errors; fields with errors of their own are left
    to those."""
    for rule in RULES:
        if not any(name in form.fields for name in rule.fields) or any(name in form.errors for name in rule.fields):
            continue
        values = [
            form.cleaned_data.get(name) if name in form.fields else getattr(instance, name, None)
            for name in rule.fields
        ]
        problem = rule.check(*values)
        if problem:
            form.add_error(None, problem[:1].upper() + problem[1:] + ".")


class AssetForm(forms.ModelForm):
    """Every editable field of the field table, typed and checked as its row says."""

    class Meta:
        model = Asset
        fields = [field.name for field in ALL_FIELDS if field.editable]

    def __init__(self, *args, autocomplete_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        for field in ALL_FIELDS:
            if field.name not in self.fields:
                continue
            if field.widget is Widget.KEYWORDS:
                self.fields[field.name] = KeywordsField(
                    required=False,
                    label=field.label,
                    widget=KeywordsWidget(autocomplete_url),
                    help_text="Type to pick terms from the vocabulary; new words are kept and flagged as unmapped.",
                )
            elif field.controlled:
                self.fields[field.name] = controlled_field(field, self.initial.get(field.name) or "")
            elif field.widget is Widget.CODES:
                self.fields[field.name] = _codes_field(field)
            elif field.type is FieldType.LIST:
                self.fields[field.name] = _list_field(field)
            elif field.type in (FieldType.TEXT, FieldType.DATETIME) and not field.choices:
                self.fields[field.name].widget = (
                    forms.Textarea(attrs={"rows": 3, "cols": 60})
                    if field.widget is Widget.LONG_TEXT
                    else forms.TextInput(attrs={"size": 60})
                )
                if field.type is FieldType.DATETIME:
                    self.fields[field.name].help_text = (
                        "ISO 8601, as precise as known, with the time zone offset the file gives: "
                        "2024-03-22, or 2024-03-22T18:05:00+01:00."
                    )
            if field.minimum is not None or field.maximum is not None:
                bounds_apply(self.fields[field.name], field)

    def clean(self):
        cleaned = super().clean()
        rules_check(self, self.instance)
        return cleaned
