"""Reads that decide who may see what. Every read path (API, feed, admin for viewers, search)
goes through ``asset_list_visible_to``; nothing else filters on rights."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import DateTimeField, Exists, Func, OuterRef, Q, QuerySet, TextField, Value
from django.db.models.functions import Concat, Left, Lower, Upper

from assets.geo.countries import country_alpha2
from assets.models import AccessProfile, Asset


def user_sees_everything(user) -> bool:
    return bool(user and user.is_active and (user.is_superuser or user.has_perm("assets.view_all_assets")))


def territory_named(territory: str | None) -> str | None:
    """A territory as a request names it, as the ISO 3166-1 alpha-2 code restrictions hold
    (``fr `` and ``FRA`` and ``France`` are ``FR``); a code dam does not know is kept in upper
    case (it matches no restriction); None for nothing."""
    if not territory or not territory.strip():
        return None
    return country_alpha2(territory) or territory.strip().upper()


def territory_for(user, territory: str | None = None) -> str | None:
    """The territory a request names, else the user's default, else None. (Whether the user's
    access profile grants a named territory is decided inside ``asset_rights_q``.)"""
    named = territory_named(territory)
    if named:
        return named
    profile = AccessProfile.objects.filter(user=user).only("default_territory").first() if user else None
    return territory_named(profile.default_territory) if profile else None


def asset_live_q(at) -> Q:
    """Live at ``at`` (a datetime, or an expression such as ``StatementTimestamp()``): not
    withdrawn, past its embargo, not expired."""
    return (
        Q(withdrawn_at__isnull=True)
        & (Q(embargo_until__isnull=True) | Q(embargo_until__lte=at))
        & (Q(expires_at__isnull=True) | Q(expires_at__gt=at))
    )


class StatementTimestamp(Func):
    """The database's clock when the statement starts: "now" for a rights check that is built
    once and run many times."""

    template = "statement_timestamp()"
    output_field = DateTimeField()


def _territory_q(user_id: int | None, territory: str | None) -> Q:
    """Restricted to no territory, or to the one the request is for: the territory it names, if
    the user's access profile grants it (its default or one of its ``territories``), else the
    profile's default. A request parameter never widens what the profile allows: naming a
    territory the profile does not grant shows no territory-restricted asset."""
    territories = Q(allowed_territories=[])
    if not user_id:
        return territories
    profile = AccessProfile.objects.filter(user_id=user_id)
    named = territory_named(territory)
    if named:
        granted = profile.filter(Q(default_territory__iexact=named) | Q(territories__contains=[named]))
        return territories | (Q(allowed_territories__contains=[named]) & Exists(granted))
    # ARRAY(…) of the user's default territory: empty (overlapping nothing) when there is none.
    default = profile.exclude(default_territory="")
    return territories | Q(allowed_territories__overlap=ArraySubquery(default.values(code=Upper("default_territory"))))


def _memberships(user_id: int):
    return get_user_model().groups.through.objects.filter(user_id=user_id).values("group_id")


def asset_rights_q(user_id: int | None, territory: str | None = None) -> Q:
    """Shown in the territory the request is for (``_territory_q``: an asset restricted to
    territories is hidden when none is known or granted) and, for assets restricted to groups,
    only to members of one of them.

    The user's access profile and groups are read by subqueries inside the statement that uses
    the predicate, not by queries of their own, so the predicate depends on nothing but its
    arguments."""
    restricted = Asset.restricted_to_groups.through.objects.filter(asset_id=OuterRef("pk"))
    groups = ~Exists(restricted)
    if user_id:
        groups |= Exists(restricted.filter(group_id__in=_memberships(user_id)))
    return _territory_q(user_id, territory) & groups


def tombstone_rights_q(user_id: int | None, territory: str | None = None) -> Q:
    """The tombstones (``AssetTombstone``) a caller without full access may see: those of assets
    deleted after their embargo lifted that ``asset_rights_q`` would have shown them."""
    groups = Q(restricted_group_ids=[])
    if user_id:
        groups |= Q(restricted_group_ids__overlap=ArraySubquery(_memberships(user_id)))
    return Q(embargoed=False) & _territory_q(user_id, territory) & groups


def asset_visibility_q(user_id: int | None, territory: str | None = None, at: datetime | None = None) -> Q:
    """The whole rights predicate for a user: live (at ``at``, else when the statement runs), and
    allowed by territory and groups."""
    return asset_live_q(at or StatementTimestamp()) & asset_rights_q(user_id, territory)


@functools.lru_cache(maxsize=4096)
def _visible_to(user_id: int, territory: str | None) -> QuerySet[Asset]:
    # Never evaluated itself (callers get clones): it holds no rows, only the built predicate.
    return Asset.objects.filter(asset_visibility_q(user_id, territory))


def asset_list_visible_to(user, territory: str | None = None, at: datetime | None = None) -> QuerySet[Asset]:
    """The assets ``user`` may see, in ``territory`` (or the user's default) at moment ``at`` (by
    default, when the query runs).

    The predicate reads the clock, the user's groups and default territory inside the database,
    so it is built once per user and territory in a process and reused (building it costs more
    than the index search it guards)."""
    if user is None or not user.is_authenticated:
        return Asset.objects.none()
    if user_sees_everything(user):
        return Asset.objects.all()
    if at is not None:
        return Asset.objects.filter(asset_visibility_q(user.pk, territory, at))
    return _visible_to(user.pk, territory_named(territory)).all()


def related_to_visible(queryset: QuerySet, user, through: str = "asset", unlinked: bool = False) -> QuerySet:
    """Rows of another model (audit records, ingest records, suggestions, transcripts) that
    concern an asset ``user`` may see, by the relation ``through``; ``unlinked``: rows that
    concern no asset stay in too. For every page that shows such rows beside the assets."""
    if user_sees_everything(user):
        return queryset
    condition = Q(**{f"{through}__in": asset_list_visible_to(user).order_by().values("pk")})
    if unlinked:
        condition |= Q(**{f"{through}__isnull": True})
    return queryset.filter(condition)


@dataclass(frozen=True)
class AssetIds:
    """A set of assets as ``SELECT id AS pk …`` SQL and its parameters, to embed in a statement
    without building and compiling a queryset each time."""

    sql: str
    params: tuple = ()

    def excluding(self, asset_id: str) -> AssetIds:
        return AssetIds(f"SELECT ids.pk FROM ({self.sql}) AS ids WHERE ids.pk <> %s", (*self.params, asset_id))


NO_ASSETS = AssetIds('SELECT "assets_asset"."id" AS "pk" FROM "assets_asset" WHERE false')


@functools.lru_cache(maxsize=4096)
def _visible_ids(user_id: int | None, territory: str | None) -> AssetIds:
    assets = Asset.objects.all() if user_id is None else _visible_to(user_id, territory)
    sql, params = assets.order_by().values("pk").query.sql_with_params()
    return AssetIds(sql, tuple(params))


def asset_ids_visible_to(user, territory: str | None = None) -> AssetIds:
    """The assets ``user`` may see now (as ``asset_list_visible_to``) as SQL, compiled once per
    user and territory in a process: for statements on a hot path (search)."""
    if user is None or not user.is_authenticated:
        return NO_ASSETS
    if user_sees_everything(user):
        return _visible_ids(None, None)
    return _visible_ids(user.pk, territory_named(territory))


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
    """A country by its name, its ISO 3166-1 alpha-2 or alpha-3 code, any case: compared with
    the canonical alpha-2 column, whatever form each file gave. A name dam does not know as a
    country is compared with the names the files hold."""
    alpha2 = country_alpha2(value)
    if alpha2:
        return Q(country_iso2=alpha2)
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
