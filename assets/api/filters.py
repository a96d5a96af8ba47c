"""The list API's query parameters: the asset filters (``assets.filters``) as django-filter
filters, plus ``kind``. A bad value raises ``FilterError``, which the API answers with a 400
naming the filter (``assets.api.errors``), as search does."""

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field

from assets.filters import ASSET_FILTERS, FilterDefinition
from assets.models import Asset, Kind


class RepeatedTextField(forms.Field):
    """Every value of a repeated query parameter (``?keyword=a&keyword=b``), as given."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        return list(value or [])


class AssetFilterParameter(django_filters.Filter):
    """One asset filter under one of its names: the value is checked and applied by the filter's
    own definition, exactly as search checks and applies it."""

    field_class = forms.Field  # the raw text: the definition checks it, NUL characters included

    def __init__(self, definition: FilterDefinition, name: str):
        self.definition = definition
        if definition.repeatable:
            self.field_class = RepeatedTextField
        meaning = definition.meaning if name == definition.name else f"alias of `{definition.name}`"
        super().__init__(field_name=name, label=meaning)
        extend_schema_field({**definition.schema, "description": meaning})(self)

    def filter(self, queryset, value):
        checked = self.definition.value_parse(value, self.field_name)
        return queryset if checked is None else self.definition.apply(queryset, checked)


class AssetFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Kind.choices)

    class Meta:
        model = Asset
        fields = []

    @classmethod
    def get_filters(cls):
        filters = super().get_filters()
        for definition in ASSET_FILTERS:
            for name in definition.names:
                filters[name] = AssetFilterParameter(definition, name)
        return filters
