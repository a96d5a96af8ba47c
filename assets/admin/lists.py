"""What makes the asset list usable at 100,000 assets: filters, search, and a paginator that
never counts the whole table."""

from __future__ import annotations

from django.contrib import admin
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.utils.functional import cached_property

from assets.geo.countries import country_from_code
from assets.licences import licence_name
from assets.locations import position_expression
from assets.models import OriginalName, Term
from assets.planner import estimated_rows
from assets.selectors import MISSING_RIGHTS, in_country

EXACT_COUNT_BELOW = 10_000


class EstimatedCountPaginator(Paginator):
    """Counts exactly only when the planner expects few rows; otherwise uses its estimate, so a
    page of a 100k-asset list costs no full count scan."""

    @cached_property
    def count(self) -> int:
        query = self.object_list
        try:
            estimate = int(estimated_rows(*query.query.sql_with_params()))
        except Exception:  # an unusual query: fall back to counting
            return super().count
        return query.count() if estimate < EXACT_COUNT_BELOW else estimate


def search_assets(queryset, term: str):
    """The metadata's full-text search (``assets.fulltext``, as the API's ``q``), the asset ID and
    the names files arrived under."""
    from assets.fulltext import assets_matching

    names = OriginalName.objects.filter(asset=OuterRef("pk"), name__icontains=term)
    matched = assets_matching(queryset, term).values("pk")
    return queryset.filter(Q(pk__in=matched) | Q(pk=term) | Exists(names))


class YesNoFilter(admin.SimpleListFilter):
    condition: Q

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(self.condition)
        if self.value() == "no":
            return queryset.exclude(self.condition)
        return queryset


class HasGpsFilter(YesNoFilter):
    """By the position every caller's filters see (``position_expression``, as the API's
    ``has_gps``): a position withheld entirely counts as none."""

    title, parameter_name = "has GPS", "has_gps"
    condition = Q(_filtered_latitude__isnull=False)

    def queryset(self, request, queryset):
        return super().queryset(request, queryset.alias(_filtered_latitude=position_expression("latitude")))


class MissingRightsFilter(YesNoFilter):
    title, parameter_name = "missing rights", "missing_rights"
    condition = MISSING_RIGHTS


class MissingAltTextFilter(YesNoFilter):
    title, parameter_name = "missing alt text", "missing_alt_text"
    condition = Q(alt_text="", kind="image")


class LicenceFilter(admin.SimpleListFilter):
    title, parameter_name = "licence", "licence"

    def lookups(self, request, model_admin):
        visible = model_admin.get_queryset(request)  # choices from the assets this user may see
        values = visible.exclude(web_statement_url="").values_list("web_statement_url", flat=True)
        named = [(value, licence_name(value)) for value in values.order_by().distinct()[:30]]
        return sorted(named, key=lambda choice: choice[1].casefold())

    def queryset(self, request, queryset):
        return queryset.filter(web_statement_url=self.value()) if self.value() else queryset


class CountryFilter(admin.SimpleListFilter):
    title, parameter_name = "country", "country"

    def lookups(self, request, model_admin):
        visible = model_admin.get_queryset(request)  # choices from the assets this user may see
        codes = visible.exclude(country_iso2="").values_list("country_iso2", flat=True)
        names = {code: (country_from_code(code) or (code,))[0] for code in codes.order_by().distinct()}
        return sorted(names.items(), key=lambda item: item[1])[:60]

    def queryset(self, request, queryset):
        return queryset.filter(in_country(self.value())) if self.value() else queryset


class TermFilter(admin.SimpleListFilter):
    title, parameter_name = "keyword / term", "term"

    def lookups(self, request, model_admin):
        choices = [
            (term.preferred_label, term.preferred_label) for term in Term.objects.order_by("preferred_label")[:80]
        ]
        # A keyword that is not a term (linked from the vocabulary report) still filters.
        if self.value() and self.value() not in dict(choices):
            choices.insert(0, (self.value(), f"{self.value()} (unmapped)"))
        return choices

    def queryset(self, request, queryset):
        return queryset.filter(keywords__contains=[self.value()]) if self.value() else queryset


class DateCreatedFilter(admin.SimpleListFilter):
    title, parameter_name = "date created", "created_year"

    def lookups(self, request, model_admin):
        return [
            ("recent", "Last 12 months"),
            ("2020s", "2020s"),
            ("2010s", "2010s"),
            ("2000s", "2000s"),
            ("older", "Before 2000"),
            ("unknown", "Unknown"),
        ]

    def queryset(self, request, queryset):
        from django.utils import timezone

        value = self.value()
        if value == "recent":
            since = (timezone.now() - timezone.timedelta(days=365)).date().isoformat()
            return queryset.filter(date_created__gte=since)
        if value in ("2020s", "2010s", "2000s"):
            start = value[:4]
            return queryset.filter(date_created__gte=start, date_created__lt=str(int(start) + 10))
        if value == "older":
            return queryset.exclude(date_created="").filter(date_created__lt="2000")
        if value == "unknown":
            return queryset.filter(date_created="")
        return queryset


class TextIsFilter(admin.SimpleListFilter):
    """Assets whose alt text or description is exactly this text (linked from the vocabulary
    report; shown in the sidebar only while in use)."""

    title, parameter_name = "text", "text_is"

    def lookups(self, request, model_admin):
        # Django drops filters without choices, so the one in use is offered as the only choice.
        return [(self.value(), "this text")] if self.value() else []

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(Q(alt_text=value) | Q(description=value)) if value else queryset
