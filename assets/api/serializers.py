from django.urls import reverse
from rest_framework import serializers
from rest_framework.exceptions import APIException

from assets.fields import ALL_FIELDS_BY_NAME, DATABASE_FIELDS, FIELD_NAMES, FIELDS, INT_RANGE, Field, FieldType
from assets.locations import exact_location_allowed, values_shown
from assets.models import Asset, FileVersion


class FileVersionSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = FileVersion
        fields = ["number", "sha256", "size", "mime_type", "origin", "created_at", "download_url"]

    def get_download_url(self, version: FileVersion) -> str:
        url = reverse("asset-file-download", kwargs={"pk": version.asset_id, "number": version.number})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class AssetSerializer(serializers.ModelSerializer):
    metadata = serializers.SerializerMethodField()
    files = FileVersionSerializer(source="versions", many=True, read_only=True)
    original_names = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = Asset
        fields = [
            "id",
            "kind",
            "metadata",
            "files",
            "original_names",
            "warnings",
            "thumbnail_url",
            "created_at",
            "updated_at",
        ]

    def get_metadata(self, asset: Asset) -> dict:
        return values_shown(asset, FIELD_NAMES, self._exact_location())

    def _exact_location(self) -> bool:
        # Decided once per response (a list shares its context); without a request, withheld.
        context = self.context
        if "exact_location" not in context:
            request = context.get("request")
            context["exact_location"] = exact_location_allowed(request.user if request else None)
        return context["exact_location"]

    def get_thumbnail_url(self, asset: Asset) -> str | None:
        if asset.kind != "image":
            return None
        url = reverse("asset-thumbnail", kwargs={"pk": asset.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class AssetUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, use_url=False)


class IngestResponseSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["created", "exists"])
    warnings = serializers.ListField(child=serializers.CharField())
    asset = AssetSerializer()


def field_serializer(field: Field) -> serializers.Field:
    """The serializer field that takes a row's value in a PATCH: typed, bounded and with the
    choices its row says (the editing service checks them again, for every caller)."""
    if field.choices:
        return serializers.ChoiceField(choices=list(field.choices), required=False)
    if field.type in (FieldType.TEXT, FieldType.DATETIME):
        return serializers.CharField(allow_blank=True, required=False)
    if field.type is FieldType.LIST:
        child = serializers.CharField(max_length=field.max_length) if field.max_length else serializers.CharField()
        return serializers.ListField(child=child, required=False)
    if field.type is FieldType.GROUPS:
        return serializers.ListField(child=serializers.CharField(), required=False, help_text="Group names.")
    if field.type is FieldType.TIMESTAMP:
        return serializers.DateTimeField(allow_null=True, required=False)
    if field.type is FieldType.FLOAT:
        return serializers.FloatField(allow_null=True, required=False, min_value=field.minimum, max_value=field.maximum)
    if field.type is FieldType.INT:
        low, high = INT_RANGE
        return serializers.IntegerField(allow_null=True, required=False, min_value=low, max_value=high)
    if field.type is FieldType.BOOL:
        return serializers.BooleanField(allow_null=field.default is None, required=False)
    raise ValueError(f"no serializer field for {field.type}")


class UnknownFieldsError(APIException):
    """A PATCH naming fields that are not editable here (a 400 of its own shape, not nested
    under the serializer's field errors)."""

    status_code = 400
    default_detail = "unknown fields"


def unknown_fields_refuse(data, known, where: str = "") -> None:
    """A 400 naming every key of ``data`` that is not a field here: a typo is never silently
    dropped. Fields dam reads from the file and never edits, and fields given at the wrong level,
    are named as such."""
    if not isinstance(data, dict):
        return  # the serializer says what it expected
    unknown = sorted(str(name) for name in data if name not in known)
    if not unknown:
        return
    problems = {}
    for name in unknown:
        field = ALL_FIELDS_BY_NAME.get(name)
        if field is not None and not field.editable:
            problems[name] = "is read from the file and cannot be edited"
        elif field is not None:
            problems[name] = "goes beside `metadata`, not in it" if where else "goes in `metadata`"
        else:
            problems[name] = "is not a field (see GET /api/schema/)"
    shown = ", ".join(f"{where}{name}" for name in unknown[:20])
    raise UnknownFieldsError({"error": f"unknown or read-only fields: {shown}", "unknown_fields": problems})


class MetadataPatchSerializer(serializers.Serializer):
    """The editable canonical metadata fields (those files hold); give only those that change."""

    def get_fields(self):
        return {field.name: field_serializer(field) for field in FIELDS if field.editable}

    def to_internal_value(self, data):
        unknown_fields_refuse(data, self.fields, where="metadata.")
        return super().to_internal_value(data)


class AssetPatchSerializer(serializers.Serializer):
    """``metadata`` takes what files hold; the fields kept by dam alone (rights and restrictions)
    sit beside it. Give only those that change."""

    def get_fields(self):
        return {
            "metadata": MetadataPatchSerializer(required=False),
            **{field.name: field_serializer(field) for field in DATABASE_FIELDS if field.editable},
        }

    def to_internal_value(self, data):
        unknown_fields_refuse(data, self.fields)
        return super().to_internal_value(data)


class ChangeSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    fields = serializers.ListField(child=serializers.CharField())


class AssetPatchResponseSerializer(serializers.Serializer):
    asset = AssetSerializer()
    change = ChangeSummarySerializer(allow_null=True)
