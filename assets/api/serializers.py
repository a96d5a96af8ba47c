from django.urls import reverse
from rest_framework import serializers

from assets.fields import FIELDS
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
        return {field.name: getattr(asset, field.name) for field in FIELDS}

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


def _metadata_fields() -> dict:
    from assets.fields import FieldType

    kinds = {
        FieldType.TEXT: lambda: serializers.CharField(allow_blank=True, required=False),
        FieldType.DATETIME: lambda: serializers.CharField(allow_blank=True, required=False),
        FieldType.LIST: lambda: serializers.ListField(child=serializers.CharField(), required=False),
        FieldType.FLOAT: lambda: serializers.FloatField(allow_null=True, required=False),
        FieldType.INT: lambda: serializers.IntegerField(allow_null=True, required=False),
        FieldType.BOOL: lambda: serializers.BooleanField(allow_null=True, required=False),
    }
    return {field.name: kinds[field.type]() for field in FIELDS if field.editable}


class MetadataPatchSerializer(serializers.Serializer):
    """The editable canonical fields; give only those that change."""

    def get_fields(self):
        return _metadata_fields()


class AssetPatchSerializer(serializers.Serializer):
    metadata = MetadataPatchSerializer(required=False)
    embargo_until = serializers.DateTimeField(allow_null=True, required=False)
    expires_at = serializers.DateTimeField(allow_null=True, required=False)
    allowed_territories = serializers.ListField(child=serializers.CharField(max_length=2), required=False)
    location_sensitive = serializers.BooleanField(required=False)
    consent_status = serializers.ChoiceField(
        choices=["", "obtained", "not_required", "refused", "withdrawn"], required=False
    )
    withdrawn_at = serializers.DateTimeField(allow_null=True, required=False)


class ChangeSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    fields = serializers.ListField(child=serializers.CharField())


class AssetPatchResponseSerializer(serializers.Serializer):
    asset = AssetSerializer()
    change = ChangeSummarySerializer(allow_null=True)
