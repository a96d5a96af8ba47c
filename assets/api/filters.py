import django_filters
from django.db.models import BooleanField, Func, Q, TextField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Left

from assets.models import Asset, Kind


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
    ingested_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    ingested_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lte")
    q = django_filters.CharFilter(method="filter_search", label="Search title, headline, description and keywords")

    class Meta:
        model = Asset
        fields = []

    def filter_keyword(self, queryset, name, value):
        # Keywords match whole, in any case: "Harbour" finds "harbour" but not "harbours".
        matches = RawSQL(
            "EXISTS (SELECT 1 FROM unnest(assets_asset.keywords) AS k WHERE lower(k) = lower(%s))",
            [value],
            output_field=BooleanField(),
        )
        return queryset.alias(_keyword_match=matches).filter(_keyword_match=True)

    def filter_country(self, queryset, name, value):
        return queryset.filter(Q(country__iexact=value) | Q(country_code__iexact=value))

    def filter_has_gps(self, queryset, name, value):
        return queryset.filter(latitude__isnull=not value)

    def filter_created_after(self, queryset, name, value):
        return (
            queryset.annotate(_day=Left("date_created", 10))
            .filter(_day__gte=value.isoformat())
            .exclude(date_created="")
        )

    def filter_created_before(self, queryset, name, value):
        return (
            queryset.annotate(_day=Left("date_created", 10))
            .filter(_day__lte=value.isoformat())
            .exclude(date_created="")
        )

    def filter_search(self, queryset, name, value):
        keywords = Func("keywords", Value(" "), function="array_to_string", output_field=TextField())
        return queryset.annotate(_keywords_text=keywords).filter(
            Q(title__icontains=value)
            | Q(headline__icontains=value)
            | Q(description__icontains=value)
            | Q(_keywords_text__icontains=value)
        )
