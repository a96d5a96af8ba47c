"""One selector decides who sees what, and every API read path goes through it."""

import json
import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from assets.ingest import ingest_paths
from assets.models import AccessProfile, Asset, IngestRecord, OriginalName
from assets.selectors import asset_list_visible_to
from assets.storage.blobs import blob_open

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
    AccessProfile.objects.create(user=cms.user, default_territory="SE", territories=["de"])
    assert assets["territory"] in listed(cms)
    assert assets["territory"] in listed(cms, "&territory=se")
    assert cms.get(f"/api/assets/{assets['territory']}/").status_code == 200
    assert cms.get(f"/api/assets/{assets['territory']}/?territory=DE").status_code == 404


@pytest.mark.parametrize(
    "profile", [None, {"default_territory": "DE"}, {"default_territory": "", "territories": ["DE"]}]
)
def test_a_request_cannot_name_a_territory_its_profile_does_not_grant(cms, assets, profile):
    """?territory= only chooses among the territories the access profile grants: naming another
    one never widens what the caller sees, on any path."""
    if profile is not None:
        AccessProfile.objects.create(user=cms.user, **profile)
    hidden = assets["territory"]  # restricted to NO and SE
    assert listed(cms, "&territory=NO") == {assets["open"]}
    for suffix in ["/", ".jsonld", "/content/", "/sidecar/"]:
        assert cms.get(f"/api/assets/{hidden}{suffix}?territory=no").status_code == 404, suffix
    feed = b"".join(cms.get("/api/feed.jsonld?territory=NO").streaming_content).decode()
    assert hidden not in feed and assets["open"] in feed
    assert hidden not in asset_list_visible_to(cms.user, territory="NO").values_list("id", flat=True)


def test_the_profile_grants_further_territories_to_choose_from(cms, assets):
    AccessProfile.objects.create(user=cms.user, default_territory="DE", territories=["no"])
    assert assets["territory"] not in listed(cms)  # the default, DE
    assert assets["territory"] in listed(cms, "&territory=NO")
    assert cms.get(f"/api/assets/{assets['territory']}/?territory=no").status_code == 200


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


def stored_bytes(asset_id: str) -> bytes:
    with blob_open(Asset.objects.get(pk=asset_id).current_version.storage_name) as handle:
        return handle.read()


def upload(client, data: bytes, name: str):
    return client.post("/api/assets/", {"file": SimpleUploadedFile(name, data)}, format="multipart")


def test_uploading_a_hidden_assets_bytes_reveals_nothing_and_records_no_name(cms, assets):
    """The same answer for every restriction, naming nothing of the asset (no ID, no metadata),
    and the uploader's file name is not added to the asset's names."""
    answers = []
    for name in HIDDEN:
        response = upload(cms, stored_bytes(assets[name]), f"leaked-{name}.jpg")
        assert response.status_code == 409, (name, response.content)
        text = response.content.decode()
        assert assets[name] not in text and "harbour" not in text and "leaked" not in text, name
        answers.append(response.json())
        assert not OriginalName.objects.filter(name=f"leaked-{name}.jpg").exists(), name
        # The attempt is kept for those who may see the asset (rights managers), not shown to others.
        record = IngestRecord.objects.get(original_name=f"leaked-{name}.jpg")
        assert record.asset_id == assets[name] and record.status == IngestRecord.Status.EXISTS
    assert all(answer == answers[0] for answer in answers) and answers[0]["error"]
    assert set(Asset.objects.values_list("id", flat=True)) == set(assets.values())


def test_uploading_a_visible_assets_bytes_answers_with_it(cms, assets, django_user_model):
    response = upload(cms, stored_bytes(assets["open"]), "again.jpg")
    assert response.status_code == 200 and response.json()["asset"]["id"] == assets["open"]
    assert "again.jpg" in response.json()["asset"]["original_names"]
    cms.user.groups.add(Group.objects.get(name="press office"))  # now a member: the group asset is theirs
    response = upload(cms, stored_bytes(assets["group"]), "member.jpg")
    assert response.status_code == 200 and response.json()["asset"]["id"] == assets["group"]
    assert OriginalName.objects.filter(asset_id=assets["group"], name="member.jpg").exists()


def feed_ids(client, query: str = "") -> set[str]:
    body = json.loads(b"".join(client.get(f"/api/feed.jsonld?limit=1000{query}").streaming_content))
    return {item["item"]["@id"].removeprefix("urn:dam:asset:") for item in body["dataFeedElement"]}


def test_tombstones_of_deleted_restricted_assets_reach_only_those_who_could_see_them(cms, assets, django_user_model):
    for name in ["open", "embargoed", "territory", "group"]:
        Asset.objects.get(pk=assets[name]).delete()
    deleted = {name: assets[name] for name in ["open", "embargoed", "territory", "group"]}
    seen = feed_ids(cms)
    assert deleted["open"] in seen
    assert not seen & {deleted["embargoed"], deleted["territory"], deleted["group"]}
    cms.user.groups.add(Group.objects.get(name="press office"))
    AccessProfile.objects.create(user=cms.user, default_territory="NO")
    seen = feed_ids(cms)
    assert {deleted["open"], deleted["territory"], deleted["group"]} <= seen and deleted["embargoed"] not in seen
    assert deleted["territory"] not in feed_ids(cms, "&territory=DE")
    admin = django_user_model.objects.create_superuser("root", password="x")
    cms.force_authenticate(admin)
    assert set(deleted.values()) <= feed_ids(cms)
