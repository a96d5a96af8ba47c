"""What a librarian reads in the admin: licences by name, controlled values by label with the URI
stored, moments with their time zone."""

import pytest

from assets.controlled_values import DIGITAL_SOURCE_TYPE, PLUS
from assets.ingest import ingest_paths
from assets.models import Asset, MetadataChange
from assets.staff_groups import LIBRARIAN, RIGHTS_MANAGER
from tests.assets.test_admin_editing import form_data
from tests.conftest import FIXTURES_DIR

pytestmark = pytest.mark.django_db


@pytest.fixture
def asset():
    [result] = ingest_paths([FIXTURES_DIR / "images" / "sample.jpg"])
    return Asset.objects.get(pk=result.asset_id)


def test_the_list_names_licences_and_dates_carry_their_zone(client, user_in_group, asset):
    client.force_login(user_in_group(LIBRARIAN, staff=True))
    page = client.get("/admin/assets/asset/").content.decode()
    assert '<span title="https://creativecommons.org/publicdomain/zero/1.0/">CC0 1.0</span>' in page
    assert "creativecommons.org/publicdomain" not in page.replace('title="https://creativecommons.org/publicdomain', "")
    assert f"{asset.updated_at:%Y-%m-%d %H:%M} UTC" in page
    change = client.get(f"/admin/assets/asset/{asset.pk}/change/").content.decode()
    assert "with the time zone offset the file gives" in change
    filters = client.get("/admin/assets/asset/?licence=https://creativecommons.org/publicdomain/zero/1.0/").content
    assert "1 result" in filters.decode() and ">CC0 1.0</a>" in filters.decode()


def test_controlled_values_are_picked_by_label_and_stored_as_uris(client, user_in_group, asset):
    client.force_login(user_in_group(RIGHTS_MANAGER, staff=True))
    url = f"/admin/assets/asset/{asset.pk}/change/"
    page = client.get(url).content.decode()
    assert '<select name="model_release_status"' in page
    assert f'<option value="{PLUS}MR-NON" selected>None (no model release)</option>' in page
    assert f'<option value="{PLUS}PR-LPR">Limited or incomplete property releases</option>' in page
    data = form_data(page)
    data["model_release_status"] = [f"{PLUS}MR-UMR"]
    data["property_release_status"] = [f"{PLUS}PR-NAP"]
    assert client.post(url, data).status_code == 302
    asset.refresh_from_db()
    assert (asset.model_release_status, asset.property_release_status) == (f"{PLUS}MR-UMR", f"{PLUS}PR-NAP")
    change = MetadataChange.objects.get()
    assert set(change.changes) == {"model_release_status", "property_release_status"}


def test_a_value_from_outside_the_vocabulary_is_kept_when_other_fields_change(client, user_in_group, asset):
    Asset.objects.filter(pk=asset.pk).update(digital_source_type="scanned by Bob", model_release_status="MR-NAP")
    client.force_login(user_in_group(LIBRARIAN, staff=True))
    url = f"/admin/assets/asset/{asset.pk}/change/"
    page = client.get(url).content.decode()
    assert '<option value="scanned by Bob" selected>scanned by Bob (not in the vocabulary)</option>' in page
    assert f'<option value="{DIGITAL_SOURCE_TYPE}trainedAlgorithmicMedia">Created using generative AI</option>' in page
    # The release status is a rights field: a librarian reads it by its label.
    assert 'name="model_release_status"' not in page and 'title="MR-NAP">Not applicable (no people shown)<' in page
    data = form_data(page)
    data["title"] = ["Retitled"]
    assert client.post(url, data).status_code == 302
    asset.refresh_from_db()
    assert (asset.title, asset.digital_source_type) == ("Retitled", "scanned by Bob")
    assert set(MetadataChange.objects.get().changes) == {"title"}
