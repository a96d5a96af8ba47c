from django.core.files.storage import default_storage
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from assets.api.filters import AssetFilter
from assets.api.serializers import AssetSerializer, AssetUploadSerializer
from assets.ingest import IngestSource, ingest_sources, safe_name
from assets.models import Asset, FileVersion, IngestRecord
from assets.thumbnails import thumbnail_render


class AssetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Assets with their canonical metadata and file versions.

    POST a multipart form with a ``file`` to ingest it: 201 with the new asset, 200 with the
    existing one when the same bytes are already in dam, 422 with the reason when refused.
    """

    serializer_class = AssetSerializer
    filterset_class = AssetFilter
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        return Asset.objects.prefetch_related(
            Prefetch("versions", queryset=FileVersion.objects.order_by("number")), "original_names"
        )

    def create(self, request, *args, **kwargs):
        upload_serializer = AssetUploadSerializer(data=request.data)
        upload_serializer.is_valid(raise_exception=True)
        upload = upload_serializer.validated_data["file"]
        name = safe_name(upload.name or "")
        [result] = ingest_sources(
            [IngestSource(name=name, label=name, open=lambda: upload.open("rb"), size=upload.size)]
        )
        if result.status == IngestRecord.Status.FAILED:
            return Response(
                {"status": result.status, "error": result.error, "warnings": result.warnings},
                status=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        asset = self.get_queryset().get(pk=result.asset_id)
        body = {
            "status": result.status,
            "warnings": result.warnings,
            "asset": AssetSerializer(asset, context=self.get_serializer_context()).data,
        }
        code = status.HTTP_201_CREATED if result.status == IngestRecord.Status.CREATED else status.HTTP_200_OK
        return Response(body, status=code)

    @action(detail=True, methods=["get"], url_path=r"files/(?P<number>\d+)/download", url_name="file-download")
    def file_download(self, request, pk=None, number=None):
        version = FileVersion.objects.filter(asset=self.get_object(), number=number).first()
        if version is None:
            raise Http404("No such file version")
        extension = version.storage_name.rsplit(".", 1)[-1]
        return FileResponse(
            default_storage.open(version.storage_name, "rb"),
            as_attachment=True,
            filename=f"{version.asset_id}-v{version.number}.{extension}",
            content_type=version.mime_type,
        )

    @action(detail=True, methods=["get"], url_path="thumbnail", url_name="thumbnail")
    def thumbnail(self, request, pk=None):
        asset = self.get_object()
        version = asset.current_version
        if asset.kind != "image" or version is None:
            raise Http404("Only images have thumbnails")
        key = version.thumbnail_name or thumbnail_render(version.pk)  # rendered here if the worker has not yet
        response = FileResponse(default_storage.open(key, "rb"), content_type="image/jpeg")
        response["Cache-Control"] = "private, max-age=86400, immutable"
        return response
