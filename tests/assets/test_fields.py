"""The field table is the one list of fields: every column, serializer field and admin field is
a row of it, and a new restriction is one row (and a schema migration)."""

from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Group as AuthGroup
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.migrations.autodetector import MigrationAutodetector
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ProjectState
from rest_framework import serializers

from assets.admin.asset import AssetAdmin
from assets.admin.bulk import LocationBulkForm, PeopleRightsBulkForm, bulk_form_field
from assets.admin.forms import AssetForm
from assets.api.serializers import AssetPatchSerializer, AssetSerializer, MetadataPatchSerializer, field_serializer
from assets.editing import asset_metadata_update, field_permission
from assets.fields import (
    ALL_FIELDS,
    ALL_FIELDS_BY_NAME,
    DATABASE_FIELDS,
    FIELDS,
    Field,
    FieldType,
    Group,
    field_value_clean,
)
from assets.models import Asset, asset_column
from assets.staff_groups import LIBRARIAN, RIGHTS_MANAGER

PROJECT_DIR = Path(__file__).resolve().parents[2]
ROW_NAMES = set(ALL_FIELDS_BY_NAME)
# The only columns that are not rows: what dam keeps about an asset, not about its content.
BOOKKEEPING = {
    "id",
    "kind",
    "original_sha256",
    "current_version",
    "warnings",
    "derived_fields",
    "country_iso2",  # derived from the country rows, for comparing countries
    "search_vector",  # derived from the text rows by a trigger, for full-text search (assets.fulltext)
    "created_at",
    "updated_at",
}
# The asset serializer's members that are not columns: the table's values, and related lists.
SERIALIZER_EXTRAS = {"metadata", "files", "original_names", "thumbnail_url"}
# What the admin's edit page shows beside the table's rows (computed displays, no column).
ADMIN_DISPLAYS = {"preview_large", "warnings_list", "map_preview", "derived_values", "raw_tags"}


def test_every_asset_column_is_a_row_and_every_row_a_column():
    columns = {field.name for field in Asset._meta.get_fields() if not field.auto_created}
    assert columns - BOOKKEEPING == ROW_NAMES
    assert BOOKKEEPING <= columns  # (the exceptions are real columns, not stale names)


def test_every_serializer_field_is_a_row():
    assert set(AssetSerializer().fields) - SERIALIZER_EXTRAS <= BOOKKEEPING
    assert set(AssetSerializer().get_metadata(Asset())) == {field.name for field in FIELDS}
    patch = set(AssetPatchSerializer().fields) - {"metadata"}
    assert patch == {field.name for field in DATABASE_FIELDS if field.editable}
    assert set(MetadataPatchSerializer().fields) == {field.name for field in FIELDS if field.editable}


def test_every_admin_form_field_is_a_row():
    assert set(AssetForm().fields) == {field.name for field in ALL_FIELDS if field.editable}
    for form in (PeopleRightsBulkForm(), LocationBulkForm()):
        assert set(form.fields) <= ROW_NAMES
    shown = {name for _, options in AssetAdmin.get_fieldsets(None, None) for name in options["fields"]}
    assert shown - ROW_NAMES <= BOOKKEEPING | ADMIN_DISPLAYS
    assert ROW_NAMES <= shown


def test_the_walkers_name_no_restriction_and_the_forms_no_field():
    """What makes one row enough: the code that builds columns, edits, serializers, forms and the
    search text walks the table instead of naming fields."""
    walkers = ["assets/models.py", "assets/editing.py", "assets/api/serializers.py", "assets/admin/asset.py"]
    walkers += ["assets/admin/bulk.py", "assets/admin/forms.py", "embeddings/texts.py"]
    for path in walkers:
        source = (PROJECT_DIR / path).read_text()
        assert not [field.name for field in DATABASE_FIELDS if f'"{field.name}"' in source], path
    for path in ["assets/admin/forms.py", "embeddings/texts.py"]:
        source = (PROJECT_DIR / path).read_text()
        assert not [name for name in ROW_NAMES if f'"{name}"' in source], path


def test_the_release_statuses_are_walked_like_every_rights_field():
    for name in ("model_release_status", "property_release_status"):
        field = ALL_FIELDS_BY_NAME[name]
        assert field.rights and field.xmp and not field.database_only  # read from and written into files
        assert field_permission(name) == "assets.edit_rights"
        assert name in MetadataPatchSerializer().fields and name in AssetForm().fields


# A restriction a newcomer might add: one row.
SYNDICATION = Field(
    "syndication",
    "Syndication",
    FieldType.TEXT,
    Group.RESTRICTIONS,
    rights=True,
    database_only=True,
    help_text="Whether partners may republish the asset.",
    choices=(("", "Unknown"), ("allowed", "Allowed"), ("refused", "Refused")),
    max_length=8,
)


def test_a_new_restriction_is_one_row_and_a_schema_migration():
    before = ProjectState.from_apps(apps)
    after = before.clone()
    after.models["assets", "asset"].fields[SYNDICATION.name] = asset_column(SYNDICATION)
    changes = MigrationAutodetector(before, after).changes(graph=MigrationLoader(None).graph)
    [migration] = changes["assets"]
    assert [(type(operation).__name__, operation.name) for operation in migration.operations] == [
        ("AddField", "syndication")
    ]
    column = asset_column(SYNDICATION)
    assert (column.max_length, column.choices, column.default) == (8, list(SYNDICATION.choices), "")


@pytest.mark.django_db
def test_a_new_restriction_row_reaches_the_service_the_api_and_the_admin(monkeypatch, user_in_group):
    monkeypatch.setitem(ALL_FIELDS_BY_NAME, SYNDICATION.name, SYNDICATION)
    # The editing service: its permission and its choices, for every caller.
    asset = Asset(pk="a" * 32)
    with pytest.raises(PermissionDenied, match="edit_rights"):
        asset_metadata_update(asset, {"syndication": "allowed"}, user_in_group(LIBRARIAN), "api")
    with pytest.raises(ValidationError, match="syndication"):
        asset_metadata_update(asset, {"syndication": "maybe"}, user_in_group(RIGHTS_MANAGER), "api")
    assert field_value_clean(SYNDICATION, " allowed ") == "allowed"
    # The API's PATCH: beside ``metadata``, with the row's choices.
    monkeypatch.setattr("assets.api.serializers.DATABASE_FIELDS", (*DATABASE_FIELDS, SYNDICATION))
    assert AssetPatchSerializer(data={"syndication": "refused"}).is_valid()
    assert not AssetPatchSerializer(data={"syndication": "maybe"}).is_valid()
    assert isinstance(field_serializer(SYNDICATION), serializers.ChoiceField)
    # The admin: a choice among the row's, under "Restrictions", and in bulk forms.
    formfield = asset_column(SYNDICATION).formfield()
    assert (formfield.label, formfield.help_text) == ("Syndication", SYNDICATION.help_text)
    assert [value for value, _ in formfield.choices] == ["", "allowed", "refused"]
    monkeypatch.setattr("assets.admin.asset.ALL_FIELDS", (*ALL_FIELDS, SYNDICATION))
    sections = dict(AssetAdmin.get_fieldsets(None, None))
    assert sections["Restrictions"]["fields"][-1] == "syndication"
    assert bulk_form_field(SYNDICATION).label == "Syndication"


@pytest.mark.django_db
def test_groups_are_a_row_the_service_checks():
    asset = Asset(pk="b" * 32)
    AuthGroup.objects.create(name="Partners")
    with pytest.raises(ValidationError, match="no such group: Nobody"):
        asset_metadata_update(
            asset, {"restricted_to_groups": ["Partners", "Nobody"]}, None, "api", check_permissions=False
        )
