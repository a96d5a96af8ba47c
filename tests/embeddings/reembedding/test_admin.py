"""The migrations admin: guidance on an empty page, the transitions as buttons where the state
allows them (through the audited service), and who acted, the command line included."""

import getpass

import pytest
from django.core.management import call_command

from embeddings.models import Migration, Role
from embeddings.pipeline import embed_assets
from embeddings.reembedding import states
from tests.embeddings.reembedding.conftest import backfill_here, library, versions

pytest.importorskip("sentence_transformers", reason="the ml extra is not installed")
pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(client, django_user_model):
    user = django_user_model.objects.create_superuser("boss", "b@example.org", "x")
    client.force_login(user)
    return user


def buttons(page: str) -> set[str]:
    import re

    return set(re.findall(r'name="transition" value="(\w+)"', page))


def test_the_empty_page_says_how_to_start_a_migration(client, boss):
    page = client.get("/admin/embeddings/migration/").content.decode()
    assert "No re-embedding migration yet" in page and "migrate_embeddings plan image 7" in page


def test_the_buttons_follow_the_state_and_go_through_the_audited_service(client, boss):
    ids = library(6)
    _, new = versions()
    embed_assets("asset_text", ids)
    call_command("migrate_embeddings", "plan", "asset_text", str(new.pk), "--reason", "new preprocessing")
    migration = Migration.objects.get()
    url = f"/admin/embeddings/migration/{migration.pk}/change/"
    transition = f"/admin/embeddings/migration/{migration.pk}/transition/"
    page = client.get(url).content.decode()
    assert "No re-embedding migration yet" not in client.get("/admin/embeddings/migration/").content.decode()
    assert buttons(page) == {"start", "rollback"}
    assert f"command line: {getpass.getuser()}" in page  # the plan came from the command

    response = client.post(transition, {"transition": "start", "reason": "quiet night"}, follow=True)
    assert "is now backfilling" in response.content.decode()
    assert buttons(response.content.decode()) == {"pause", "rollback"}
    client.post(transition, {"transition": "pause"})
    assert buttons(client.get(url).content.decode()) == {"resume", "rollback"}
    refused = client.post(transition, {"transition": "cutover"}, follow=True).content.decode()
    assert f"Cannot cutover migration {migration.pk}: it is paused" in refused
    assert Migration.objects.get().state == "paused"
    client.post(transition, {"transition": "resume"})
    backfill_here(migration)
    client.post(transition, {"transition": "validate"})
    assert Migration.objects.get().state == "ready"
    assert buttons(client.get(url).content.decode()) == {"validate", "cutover", "rollback"}
    client.post(transition, {"transition": "cutover", "reason": "looks good"})
    assert Role.objects.get(name="asset_text").model_version == new
    client.post(transition, {"transition": "rollback", "reason": "users complain"})
    assert Migration.objects.get().state == "rolled_back" and buttons(client.get(url).content.decode()) == set()

    events = list(Migration.objects.get().events.values_list("to_state", "actor", "reason"))
    assert events[0] == ("planned", f"command line: {getpass.getuser()}", "new preprocessing")
    assert ("backfilling", "boss", "quiet night") in events and ("rolled_back", "boss", "users complain") in events
    assert ("validating", states.AUTOMATIC, "backfill complete") in events  # the backfill's end, noticed by dam itself
    assert client.get(transition).status_code == 405


def test_a_viewer_of_migrations_gets_no_buttons_and_cannot_post(client, django_user_model):
    from django.contrib.auth.models import Permission

    ids = library(4)
    _, new = versions()
    embed_assets("asset_text", ids)
    migration = states.migration_plan("asset_text", new)
    viewer = django_user_model.objects.create_user("watcher", password="x", is_staff=True)
    viewer.user_permissions.add(*Permission.objects.filter(codename__in=["view_migration", "view_migrationevent"]))
    client.force_login(viewer)
    page = client.get(f"/admin/embeddings/migration/{migration.pk}/change/").content.decode()
    assert buttons(page) == set() and "dam (automatic)" in page
    assert (
        client.post(f"/admin/embeddings/migration/{migration.pk}/transition/", {"transition": "start"}).status_code
        == 403
    )
    assert Migration.objects.get().state == "planned"


def test_a_viewer_of_migrations_cannot_run_the_list_actions_nor_see_hidden_assets_failures(client, django_user_model):
    from django.contrib.auth.models import Permission
    from django.utils import timezone

    from assets.models import Asset
    from embeddings.models import MigrationFailure

    ids = library(4)
    _, new = versions()
    embed_assets("asset_text", ids)
    migration = states.migration_plan("asset_text", new)
    hidden, shown = ids[0], ids[1]
    Asset.objects.filter(pk=hidden).update(title="secret harbour", embargo_until=timezone.now() + timezone.timedelta(1))
    for asset_id in (hidden, shown):
        MigrationFailure.objects.create(migration=migration, asset_id=asset_id, reason="could not embed")
    viewer = django_user_model.objects.create_user("watcher", password="x", is_staff=True)
    viewer.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_migration", "view_migrationevent", "view_migrationfailure", "view_asset"]
        )
    )
    client.force_login(viewer)
    page = client.get(f"/admin/embeddings/migration/{migration.pk}/change/").content.decode()
    assert shown in page and hidden not in page and "secret harbour" not in page
    listing = client.get("/admin/embeddings/migration/").content.decode()
    assert 'value="rollback"' not in listing and 'value="cutover"' not in listing
    for action in ("rollback", "pause", "validate", "cutover", "retry_failures"):
        client.post("/admin/embeddings/migration/", {"action": action, "_selected_action": [migration.pk], "index": 0})
        assert Migration.objects.get().state == "planned", action
