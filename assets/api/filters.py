from datetime import UTC

import django_filters
from django.db.models import Q

from assets.models import Asset, Kind
from assets.selectors import array_text, created_between, in_country, with_keyword


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 moment, compared in UTC: any offset Python reads is accepted, also those beyond
    the ±15:59 PostgreSQL takes (e.g. -16:36)."""

    def filter(self, qs, value):
        return super().filter(qs, value.astimezone(UTC) if value is not None and value.tzinfo else value)


class AssetFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Kind.choices)
    mime_type = django_filters.CharFilter(lookup_expr="iexact")
    keyword = django_filters.CharFilter(method="filter_keyword", label="Keyword (exact, any case)")
    city = django_filters.CharFilter(lookup_expr="iexact")
    country = django_filters.CharFilter(method="filter_country", label="Country name or ISO code")
    has_gps = django_filters.BooleanFilter(method="filter_has_gps")
    created_after = django_filters.DateFilter(
        method="filter_created_after", label="Date created on or after (YYYY-MM-DD)"
    )
    created_before = django_filters.DateFilter(
        method="filter_created_before", label="Date created on or before (YYYY-MM-DD)"
    )
    ingested_after = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")
    ingested_before = UtcDateTimeFilter(field_name="created_at", lookup_expr="lte")
    q = django_filters.CharFilter(method="filter_search", label="Search title, headline, description and keywords")

    class Meta:
        model = Asset
        fields = []

    def filter_keyword(self, queryset, name, value):
        # Keywords match whole, in any case: "Harbour" finds "harbour" but not "harbours".
        return with_keyword(queryset, value)

    def filter_country(self, queryset, name, value):
        return queryset.filter(in_country(value))

    def filter_has_gps(self, queryset, name, value):
        return queryset.filter(latitude__isnull=not value)

    def filter_created_after(self, queryset, name, value):
        return created_between(queryset, after=value.isoformat())

    def filter_created_before(self, queryset, name, value):
        return created_between(queryset, before=value.isoformat())

    def filter_search(self, queryset, name, value):
        return queryset.alias(_keywords_text=array_text("keywords")).filter(
            Q(title__icontains=value)
            | Q(headline__icontains=value)
            | Q(description__icontains=value)
            | Q(_keywords_text__icontains=value)
        )
