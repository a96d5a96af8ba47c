from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.storage import default_storage
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.urls import reverse
from django.utils.http import http_date, parse_http_date_safe
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied as DRFPermissionDenied
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from assets.api.filters import AssetFilter
from assets.api.renderers import JSONLDRenderer
from assets.api.serializers import (
    AssetPatchResponseSerializer,
    AssetPatchSerializer,
    AssetSerializer,
    AssetUploadSerializer,
    IngestResponseSerializer,
)
from assets.editing import asset_metadata_update
from assets.feed import Feed, FeedCursor, FeedCursorError
from assets.ingest import IngestSource, ingest_sources, safe_name
from assets.jsonld import asset_jsonld
from assets.models import Asset, FileVersion, IngestRecord, MetadataChange
from assets.selectors import asset_list_visible_to
from assets.sidecar import sidecar_xmp
from assets.storage.delivery import delivery_copy_key
from assets.storage.thumbnails import thumbnail_render

TERRITORY = OpenApiParameter(
    "territory", str, description="ISO 3166-1 alpha-2 code of the audience (default: the caller's profile)"
)


def absolute_url_builder(request):
    """``url_for(kind, asset)`` for JSON-LD documents: absolute URLs of the API's own views."""

    def url_for(kind: str, asset: Asset) -> str | None:
        name = {"content": "asset-content", "thumbnail": "asset-thumbnail"}[kind]
        return request.build_absolute_uri(reverse(name, kwargs={"pk": asset.pk}))

    return url_for


UPLOAD_OVERHEAD_BYTES = 64 * 1024  # multipart boundaries and headers around the file


@extend_schema_view(
    list=extend_schema(parameters=[TERRITORY]),
    retrieve=extend_schema(
        parameters=[TERRITORY],
        description="The asset as JSON, or as a schema.org ImageObject/AudioObject with "
        "`Accept: application/ld+json` or the `.jsonld` suffix.",
        responses={(200, "application/json"): AssetSerializer, (200, "application/ld+json"): OpenApiTypes.OBJECT},
    ),
)
class AssetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Assets the caller may see, with their canonical metadata and file versions.

    POST a multipart form with a ``file`` to ingest it: 201 with the new asset, 200 with the
    existing one when the same bytes are already in dam, 422 with the reason when refused, 413
    (before the body is read) when it is larger than ``DAM_MAX_FILE_BYTES``.
    """

    serializer_class = AssetSerializer
    filterset_class = AssetFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    http_method_names = ["get", "post", "patch", "head", "options"]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, JSONLDRenderer]

    def get_renderers(self):
        renderers = super().get_renderers()
        if self.action != "retrieve":
            renderers = [r for r in renderers if not isinstance(r, JSONLDRenderer)]
        return renderers

    def get_queryset(self):
        visible = asset_list_visible_to(self.request.user, territory=self.request.query_params.get("territory"))
        return visible.select_related("current_version").prefetch_related(
            Prefetch("versions", queryset=FileVersion.objects.order_by("number")), "original_names"
        )

    def retrieve(self, request, *args, **kwargs):
        asset = self.get_object()
        if request.accepted_renderer.format == "jsonld":
            return Response(asset_jsonld(asset, absolute_url_builder(request)))
        return Response(self.get_serializer(asset).data)

    @extend_schema(
        request={"multipart/form-data": AssetUploadSerializer},
        responses={
            201: IngestResponseSerializer,
            200: IngestResponseSerializer,
            413: OpenApiTypes.OBJECT,
            422: OpenApiTypes.OBJECT,
        },
    )
    def create(self, request, *args, **kwargs):
        # Refused before the body is read: an upload larger than dam accepts is never staged.
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > settings.DAM_MAX_FILE_BYTES + UPLOAD_OVERHEAD_BYTES:
            limit = f"{settings.DAM_MAX_FILE_BYTES:,}"
            return Response(
                {"status": "failed", "error": f"the upload is larger than the {limit} bytes dam accepts"},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
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
        asset = self.get_queryset().filter(pk=result.asset_id).first() or Asset.objects.get(pk=result.asset_id)
        body = {
            "status": result.status,
            "warnings": result.warnings,
            "asset": AssetSerializer(asset, context=self.get_serializer_context()).data,
        }
        code = status.HTTP_201_CREATED if result.status == IngestRecord.Status.CREATED else status.HTTP_200_OK
        return Response(body, status=code)

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
        filters=False,
        parameters=[OpenApiParameter("number", int, OpenApiParameter.PATH, description="file version, 1 = original")],
    )
    @action(detail=True, methods=["get"], url_path=r"files/(?P<number>\d+)/download", url_name="file-download")
    def file_download(self, request, pk=None, number=None):
        """The stored bytes of one file version, exactly as ingested or written back."""
        version = FileVersion.objects.filter(asset=self.get_object(), number=number).first()
        if version is None:
            raise Http404("No such file version")
        extension = version.storage_name.rsplit(".", 1)[-1]
        filename = f"{version.asset_id}-v{version.number}.{extension}"
        if settings.DAM_S3_PRESIGNED_DOWNLOADS and hasattr(default_storage, "bucket_name"):  # S3
            url = default_storage.url(
                version.storage_name,
                parameters={
                    "ResponseContentDisposition": f'attachment; filename="{filename}"',
                    "ResponseContentType": version.mime_type,
                },
            )
            return HttpResponseRedirect(url)
        return FileResponse(
            default_storage.open(version.storage_name, "rb"),
            as_attachment=True,
            filename=filename,
            content_type=version.mime_type,
        )

    @extend_schema(
        request=AssetPatchSerializer,
        responses={200: AssetPatchResponseSerializer},
        description="Edit metadata (librarians: `assets.edit_metadata`) and rights or restrictions (rights "
        "managers: `assets.edit_rights`). The change is audited and, for fields the file can hold, written "
        "into a new file version by a worker; `change.status` says where that stands.",
    )
    def partial_update(self, request, *args, **kwargs):
        asset = self.get_object()
        patch = AssetPatchSerializer(data=request.data)
        patch.is_valid(raise_exception=True)
        changes = {
            **patch.validated_data.get("metadata", {}),
            **{k: v for k, v in patch.validated_data.items() if k != "metadata"},
        }
        try:
            change = asset_metadata_update(asset, changes, request.user, MetadataChange.Source.API)
        except PermissionDenied as error:
            raise DRFPermissionDenied(str(error)) from None
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict if hasattr(error, "message_dict") else error.messages) from None
        asset = self.get_queryset().get(pk=asset.pk)
        return Response(
            {
                "asset": AssetSerializer(asset, context=self.get_serializer_context()).data,
                "change": {"id": change.pk, "status": change.status, "fields": sorted(change.changes)}
                if change
                else None,
            }
        )

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY}, filters=False)
    @action(detail=True, methods=["get"], url_path="content", url_name="content")
    def content(self, request, pk=None):
        """The delivery copy of the current version (`contentUrl`): privacy-sensitive tags removed,
        rights tags kept."""
        asset = self.get_object()
        key = delivery_copy_key(asset)
        response = FileResponse(default_storage.open(key, "rb"), content_type=asset.current_version.mime_type)
        response["Cache-Control"] = "private, max-age=3600"
        return response

    @extend_schema(responses={(200, "application/rdf+xml"): OpenApiTypes.BINARY}, filters=False)
    @action(detail=True, methods=["get"], url_path="sidecar", url_name="sidecar")
    def sidecar(self, request, pk=None):
        """The asset's metadata as an XMP sidecar file (`<id>.xmp`), from dam's current values."""
        asset = self.get_object()
        response = HttpResponse(sidecar_xmp(asset), content_type="application/rdf+xml")
        response["Content-Disposition"] = f'attachment; filename="{asset.pk}.xmp"'
        return response

    @extend_schema(responses={(200, "image/jpeg"): OpenApiTypes.BINARY}, filters=False)
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


class FeedView(APIView):
    """The CMS feed: a schema.org DataFeed of DataFeedItems, oldest change first.

    Follow the `Link: <...>; rel="next"` header (also in `DAM-Next-Cursor`) until a page comes back
    without one; keep the last cursor and pull again later with `?since=<cursor>`, or start from a
    moment with `?since=2026-01-31T00:00:00Z`. Withdrawn, expired and deleted assets come as items
    with `dateDeleted`. Conditional requests (`If-None-Match`, `If-Modified-Since`) get 304 when
    the page is unchanged.
    """

    renderer_classes = [JSONLDRenderer, JSONRenderer]

    @extend_schema(
        operation_id="feed",
        parameters=[
            OpenApiParameter("since", str, description="a cursor from an earlier pull, or an ISO 8601 timestamp"),
            OpenApiParameter(
                "limit", {"type": "integer", "minimum": 1, "maximum": 1000}, description="items per page (default 100)"
            ),
            TERRITORY,
        ],
        responses={
            (200, "application/ld+json"): OpenApiResponse(OpenApiTypes.OBJECT, description="a schema.org DataFeed"),
            304: OpenApiResponse(description="unchanged since the ETag or date given"),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="malformed cursor, timestamp or limit"),
        },
    )
    def get(self, request):
        from django.conf import settings

        try:
            limit = int(request.query_params.get("limit", settings.DAM_FEED_PAGE_SIZE))
        except ValueError:
            raise ValidationError({"limit": "must be a whole number"}) from None
        if not 1 <= limit <= settings.DAM_FEED_MAX_PAGE_SIZE:
            raise ValidationError({"limit": f"must be between 1 and {settings.DAM_FEED_MAX_PAGE_SIZE}"})
        since = request.query_params.get("since") or request.query_params.get("cursor")
        try:
            cursor = FeedCursor.from_since(since) if since else None
        except FeedCursorError as error:
            return Response({"error": str(error)}, status=400)
        feed = Feed(request.user, territory=request.query_params.get("territory"))
        entries = feed.entries(cursor, limit)
        etag = feed.etag(cursor, entries)
        last_modified = max((e.position for e in entries), default=cursor.position if cursor else None)
        headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
        if last_modified is not None:
            headers["Last-Modified"] = http_date(last_modified.timestamp())
        next_cursor = (
            entries[-1].cursor.encode() if entries else (cursor.encode() if cursor and cursor.asset_id else "")
        )
        if next_cursor:
            headers["DAM-Next-Cursor"] = next_cursor
        if len(entries) == limit:
            url = request.build_absolute_uri(reverse("feed")) + f"?since={next_cursor}&limit={limit}"
            territory = request.query_params.get("territory")
            headers["Link"] = f'<{url}{f"&territory={territory}" if territory else ""}>; rel="next"'
        if _not_modified(request, etag, last_modified):
            response = HttpResponse(status=304)
        else:
            response = StreamingHttpResponse(
                feed.stream(entries, absolute_url_builder(request)), content_type="application/ld+json"
            )
        for name, value in headers.items():
            response[name] = value
        return response


def _not_modified(request, etag: str, last_modified) -> bool:
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        return etag in [tag.strip() for tag in if_none_match.split(",")] or if_none_match.strip() == "*"
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return since is not None and last_modified is not None and int(last_modified.timestamp()) <= since
