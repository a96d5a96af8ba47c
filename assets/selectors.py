"""Reads that decide who may see what. Every read path (API, feed, admin for viewers, search)
goes through ``asset_list_visible_to``; nothing else filters on rights."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, Func, OuterRef, Q, QuerySet, TextField, Value
from django.db.models.functions import Concat, Left, Lower
from django.utils import timezone

from assets.models import AccessProfile, Asset


def user_sees_everything(user) -> bool:
    return bool(user and user.is_active and (user.is_superuser or user.has_perm("assets.view_all_assets")))


def territory_for(user, territory: str | None = None) -> str | None:
    """The territory a request is for: the one it names, else the user's default, else None."""
    if territory:
        return territory.strip().upper()
    profile = AccessProfile.objects.filter(user=user).only("default_territory").first() if user else None
    return profile.default_territory.upper() if profile and profile.default_territory else None


def asset_live_q(at: datetime) -> Q:
    """Live at ``at``: not withdrawn, past its embargo, not expired."""
    return (
        Q(withdrawn_at__isnull=True)
        & (Q(embargo_until__isnull=True) | Q(embargo_until__lte=at))
        & (Q(expires_at__isnull=True) | Q(expires_at__gt=at))
    )


def asset_rights_q(user, territory: str | None) -> Q:
    """Shown in ``territory`` (an asset restricted to territories is hidden when none is known)
    and, for assets restricted to groups, only to their members."""
    territories = Q(allowed_territories=[])
    if territory:
        territories |= Q(allowed_territories__contains=[territory])
    group_ids = list(user.groups.values_list("id", flat=True)) if user else []
    restricted = Asset.restricted_to_groups.through.objects.filter(asset_id=OuterRef("pk"))
    groups = ~Exists(restricted)
    if group_ids:
        groups |= Exists(restricted.filter(group_id__in=group_ids))
    return territories & groups


def asset_visibility_q(user, territory: str | None = None, at: datetime | None = None) -> Q:
    """The whole rights predicate for ``user``: live, and allowed by territory and groups."""
    return asset_live_q(at or timezone.now()) & asset_rights_q(user, territory_for(user, territory))


def asset_list_visible_to(user, territory: str | None = None, at: datetime | None = None) -> QuerySet[Asset]:
    """The assets ``user`` may see, in ``territory`` (or the user's default) at moment ``at`` (now)."""
    if user is None or not user.is_authenticated:
        return Asset.objects.none()
    if user_sees_everything(user):
        return Asset.objects.all()
    return Asset.objects.filter(asset_visibility_q(user, territory, at))


# --- Metadata predicates shared by the API filters, search filters, the admin and the report -----
# (Written without table names, so they also work inside subqueries.)

MISSING_RIGHTS = Q(copyright_notice="") & Q(web_statement_url="") & Q(usage_terms="")
_SEPARATOR = chr(31)  # a character no keyword holds


def array_text(column: str, separator: str = " ") -> Func:
    """An array column as one text, for substring searches."""
    return Func(column, Value(separator), function="array_to_string", output_field=TextField())


def with_keyword(assets: QuerySet, keyword: str) -> QuerySet:
    """Assets with ``keyword`` among their keywords: whole keywords, any case."""
    joined = Concat(
        Value(_SEPARATOR), Lower(array_text("keywords", _SEPARATOR)), Value(_SEPARATOR), output_field=TextField()
    )
    return assets.alias(_keywords_joined=joined).filter(
        _keywords_joined__contains=f"{_SEPARATOR}{str(keyword).lower()}{_SEPARATOR}"
    )


def in_country(value: str) -> Q:
    """A country by its name or its ISO code, any case."""
    return Q(country__iexact=value) | Q(country_code__iexact=value)


def created_between(assets: QuerySet, after: str | None = None, before: str | None = None) -> QuerySet:
    """Assets made (``date_created``) on or after / on or before these days (YYYY-MM-DD); assets
    with no known date are left out."""
    if not after and not before:
        return assets
    assets = assets.alias(_day=Left("date_created", 10)).exclude(date_created="")
    if after:
        assets = assets.filter(_day__gte=str(after)[:10])
    if before:
        assets = assets.filter(_day__lte=str(before)[:10])
    return assets
