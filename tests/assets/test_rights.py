"""One selector decides who sees what, and every API read path goes through it."""

import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from assets.ingest import ingest_paths
from assets.models import AccessProfile, Asset
from assets.selectors import asset_list_visible_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def assets(make_jpeg):
    """One open asset and one of each kind of restriction, all titled 'harbour ...'."""
    now = timezone.now()
    names = ["open", "embargoed", "expired", "territory", "group", "withdrawn"]
    results = ingest_paths(
        [
            make_jpeg(
                f"{name}.jpg", seed=1000 + i, tags={"XMP-dc:Title": f"harbour {name}", "IPTC:Keywords": "harbour"}
            )
            for i, name in enumerate(names)
        ]
    )
    ids = dict(zip(names, (r.asset_id for r in results), strict=True))
    Asset.objects.filter(pk=ids["embargoed"]).update(embargo_until=now + timedelta(days=1))
    Asset.objects.filter(pk=ids["expired"]).update(expires_at=now - timedelta(minutes=1))
    Asset.objects.filter(pk=ids["territory"]).update(allowed_territories=["NO", "SE"])
    Asset.objects.get(pk=ids["group"]).restricted_to_groups.add(Group.objects.create(name="press office"))
    Asset.objects.filter(pk=ids["withdrawn"]).update(withdrawn_at=now)
    return ids


HIDDEN = ["embargoed", "expired", "territory", "group", "withdrawn"]


def listed(client, query="") -> set[str]:
    ids, url = set(), f"/api/assets/?page_size=2{query}"
    while url:  # through every page
        body = client.get(url).json()
        ids |= {item["id"] for item in body["results"]}
        url = body["next"]
    return ids


def test_only_the_open_asset_is_listed_for_a_user_without_rights(cms, assets):
    assert listed(cms) == {assets["open"]}


@pytest.mark.parametrize(
    "query",
    [
        "&keyword=harbour",
        "&q=harbour",
        "&kind=image",
        "&has_gps=false",
        "&mime_type=image/jpeg",
        "&ingested_after=2000-01-01T00:00:00Z",
    ],
)
def test_filters_never_reveal_hidden_assets(cms, assets, query):
    assert listed(cms, query) == {assets["open"]}


@pytest.mark.parametrize("suffix", ["/", ".jsonld", "/thumbnail/", "/content/", "/files/1/download/"])
def test_hidden_assets_are_404_on_every_detail_url(cms, assets, suffix):
    for name in HIDDEN:
        assert cms.get(f"/api/assets/{assets[name]}{suffix}").status_code == 404, name  # 404: existence does not leak
    assert cms.get(f"/api/assets/{assets['open']}{suffix}").status_code == 200


def test_embargo_lifts_and_expiry_applies_with_time(cms, assets):
    later = timezone.now() + timedelta(days=2)
    visible_later = set(asset_list_visible_to(cms.user, at=later).values_list("id", flat=True))
    assert assets["embargoed"] in visible_later and assets["expired"] not in visible_later


def test_territory_from_the_request_or_the_profile(cms, assets):
    assert assets["territory"] in listed(cms, "&territory=no")
    assert assets["territory"] not in listed(cms, "&territory=DE")
    AccessProfile.objects.create(user=cms.user, default_territory="SE")
    assert assets["territory"] in listed(cms)
    assert cms.get(f"/api/assets/{assets['territory']}/").status_code == 200
    assert cms.get(f"/api/assets/{assets['territory']}/?territory=DE").status_code == 404


def test_rights_are_read_when_each_query_runs(cms, assets):
    """The predicate is built once per user and reused, yet a new group, a new default territory
    and an embargo that lifts count from the very next request."""
    assert listed(cms) == {assets["open"]}
    cms.user.groups.add(Group.objects.get(name="press office"))
    AccessProfile.objects.create(user=cms.user, default_territory="no")  # any case
    Asset.objects.filter(pk=assets["embargoed"]).update(embargo_until=timezone.now() + timedelta(seconds=1))
    assert listed(cms) == {assets["open"], assets["group"], assets["territory"]}
    time.sleep(1.2)
    assert listed(cms) == {assets["open"], assets["group"], assets["territory"], assets["embargoed"]}
    assert assets["embargoed"] in {row.pk for row in asset_list_visible_to(cms.user)}


def test_group_members_see_group_restricted_assets(cms, assets):
    cms.user.groups.add(Group.objects.get(name="press office"))
    assert listed(cms) == {assets["open"], assets["group"]}


def test_rights_managers_and_superusers_see_everything(cms, assets, django_user_model):
    cms.user.user_permissions.add(Permission.objects.get(codename="view_all_assets"))
    cms.user = django_user_model.objects.get(pk=cms.user.pk)  # drop the permission cache
    cms.force_authenticate(cms.user)
    assert listed(cms) == set(assets.values())


def test_anonymous_gets_no_assets_from_the_selector(assets):
    from django.contrib.auth.models import AnonymousUser

    assert not asset_list_visible_to(AnonymousUser()).exists()
    assert not asset_list_visible_to(None).exists()
