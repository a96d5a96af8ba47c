from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied as DRFPermissionDenied
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from assets.api.filters import AssetFilter
from assets.api.multipart import MultiPartParser
from assets.api.parsers import JSONParser
from assets.api.renderers import JSONLDRenderer
from assets.api.serializers import (
    AssetPatchResponseSerializer,
    AssetPatchSerializer,
    AssetSerializer,
    AssetUploadSerializer,
    IngestResponseSerializer,
)
from assets.editing import asset_metadata_update
from assets.feed import FeedCursor, FeedCursorError, feed_page
from assets.ingest import IngestSource, ingest_sources, upload_name
from assets.jsonld import asset_jsonld, document_includes_parse
from assets.locations import exact_location_allowed
from assets.models import Asset, FileVersion, IngestRecord, MetadataChange, asset_id_well_formed
from assets.selectors import asset_list_visible_to
from assets.serving import ServedFile, ServingError, asset_content_open, asset_thumbnail_open, file_version_download
from assets.sidecar import sidecar_xmp

TERRITORY = OpenApiParameter(
    "territory", str, description="ISO 3166-1 alpha-2 code of the audience (default: the caller's profile)"
)


def territory_parameter(request) -> str | None:
    """The ``territory`` query parameter, refused (400) when it could not name a country: a
    NUL or other control character, or more text than a country's name."""
    value = request.query_params.get("territory")
    if value is not None and (len(value) > 100 or any(not (ch.isalpha() or ch in " -.'") for ch in value)):
        raise ValidationError(
            {"error": "territory: must be an ISO 3166-1 alpha-2 code such as NO", "parameter": "territory"}
        )
    return value


def url_builder(absolute) -> Callable[[str, Asset], str | None]:
    """``url_for(kind, asset)`` for JSON-LD documents: the API's own views, made absolute by
    ``absolute(path)`` (a request's ``build_absolute_uri``, or a configured public URL)."""

    def url_for(kind: str, asset: Asset) -> str | None:
        name = {"content": "asset-content", "thumbnail": "asset-thumbnail"}[kind]
        return absolute(reverse(name, kwargs={"pk": asset.pk}))

    return url_for


def absolute_url_builder(request):
    """``url_for(kind, asset)`` with the URLs a request's own host answers."""
    return url_builder(request.build_absolute_uri)


def file_response(served: ServedFile):
    """The HTTP answer for bytes ``assets.serving`` decided to serve."""
    if served.redirect_url is not None:
        return HttpResponseRedirect(served.redirect_url)
    response = FileResponse(
        served.stream,
        as_attachment=served.filename is not None,
        filename=served.filename or "",
        content_type=served.content_type,
    )
    if served.cache_control:
        response["Cache-Control"] = served.cache_control
    return response


UPLOAD_OVERHEAD_BYTES = 64 * 1024  # multipart boundaries and headers around the file
HIDDEN_UPLOAD = (
    "dam already holds these bytes as an asset you may not see, so it cannot add them for you; "
    "ask a rights manager if you need the asset"
)


@extend_schema_view(
    list=extend_schema(parameters=[TERRITORY]),
    retrieve=extend_schema(
        parameters=[
            TERRITORY,
            OpenApiParameter(
                "include",
                str,
                description="JSON-LD only: additions to the document, comma-separated; `moments` adds a "
                "recording's spoken moments as `hasPart` Clips",
            ),
        ],
        description="The asset as JSON, or as a schema.org ImageObject/AudioObject with "
        "`Accept: application/ld+json` or the `.jsonld` suffix.",
        responses={(200, "application/json"): AssetSerializer, (200, "application/ld+json"): OpenApiTypes.OBJECT},
    ),
)
class AssetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Assets the caller may see, with their canonical metadata and file versions.

    POST a multipart form with a ``file`` to ingest it: 201 with the new asset, 200 with the
    existing one when the same bytes are already in dam, 409 (naming no asset) when those bytes
    are an asset the caller may not see, 422 with the reason when refused, 413 (before the body
    is read) when it is larger than ``DAM_MAX_FILE_BYTES``.
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
        # An upload is checked as ingest checks it: against the caller's access profile alone.
        territory = None if self.action == "create" else territory_parameter(self.request)
        visible = asset_list_visible_to(self.request.user, territory=territory)
        return visible.select_related("current_version").prefetch_related(
            Prefetch("versions", queryset=FileVersion.objects.order_by("number")), "original_names"
        )

    def get_object(self):
        # An ID that could not be one (a NUL, a path, 10,000 characters) never reaches the
        # database, and is answered exactly as a well-formed ID that does not exist.
        if not asset_id_well_formed(self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)):
            raise Http404(f"No {Asset._meta.object_name} matches the given query.")
        return super().get_object()

    def retrieve(self, request, *args, **kwargs):
        asset = self.get_object()
        if request.accepted_renderer.format == "jsonld":
            try:
                include = document_includes_parse(request.query_params.get("include"))
            except ValueError as error:
                raise ValidationError({"include": str(error)}) from None
            return Response(
                asset_jsonld(
                    asset,
                    absolute_url_builder(request),
                    include=include,
                    exact_location=exact_location_allowed(request.user),
                )
            )
        return Response(self.get_serializer(asset).data)

    @extend_schema(
        request={"multipart/form-data": AssetUploadSerializer},
        responses={
            201: IngestResponseSerializer,
            200: IngestResponseSerializer,
            409: OpenApiTypes.OBJECT,
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
        given = getattr(upload, "raw_name", None)  # a name Django's parser could not take (assets.api.multipart)
        name, name_notes = upload_name(given if given is not None else upload.name or "")
        [result] = ingest_sources(
            [IngestSource(name=name, label=name, open=lambda: upload.open("rb"), size=upload.size)],
            uploader=request.user,
        )
        result.warnings = [*name_notes, *result.warnings]
        if result.status == IngestRecord.Status.FAILED:
            return Response(
                {"status": result.status, "error": result.error, "warnings": result.warnings},
                status=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        asset = None if result.hidden else self.get_queryset().filter(pk=result.asset_id).first()
        if asset is None:  # the same answer whatever the restriction, naming nothing of the asset
            return Response(
                {"status": "failed", "error": HIDDEN_UPLOAD, "warnings": []}, status=status.HTTP_409_CONFLICT
            )
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
        served = file_version_download(self.get_object(), number, exact_location=exact_location_allowed(request.user))
        if served is None:
            raise Http404("No such file version")
        return file_response(served)

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
        rights tags kept. 422 saying why when no delivery copy can be made (a file ExifTool cannot
        strip, such as some raw layouts): never the unstripped original."""
        try:
            return file_response(asset_content_open(self.get_object()))
        except ServingError as error:
            return Response({"error": str(error)}, status=status.HTTP_422_UNPROCESSABLE_ENTITY)

    @extend_schema(responses={(200, "application/rdf+xml"): OpenApiTypes.BINARY}, filters=False)
    @action(detail=True, methods=["get"], url_path="sidecar", url_name="sidecar")
    def sidecar(self, request, pk=None):
        """The asset's metadata as an XMP sidecar file (`<id>.xmp`), from dam's current values."""
        asset = self.get_object()
        response = HttpResponse(
            sidecar_xmp(asset, exact_location=exact_location_allowed(request.user)), content_type="application/rdf+xml"
        )
        response["Content-Disposition"] = f'attachment; filename="{asset.pk}.xmp"'
        return response

    @extend_schema(responses={(200, "image/jpeg"): OpenApiTypes.BINARY}, filters=False)
    @action(detail=True, methods=["get"], url_path="thumbnail", url_name="thumbnail")
    def thumbnail(self, request, pk=None):
        asset = self.get_object()
        try:
            served = asset_thumbnail_open(asset)
        except ServingError as error:
            return Response({"error": str(error)}, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
        if served is None and asset.kind == "image":
            raise Http404("this image's picture cannot be decoded, so it has no thumbnail (see the asset's warnings)")
        if served is None:
            raise Http404("Only images have thumbnails")
        return file_response(served)


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
        page = feed_page(request.user, cursor, limit, territory=territory_parameter(request))
        if page.unchanged(request.headers.get("If-None-Match"), request.headers.get("If-Modified-Since")):
            response = HttpResponse(status=304)
        else:
            response = StreamingHttpResponse(
                page.stream(absolute_url_builder(request)), content_type="application/ld+json"
            )
        for name, value in page.headers(request.build_absolute_uri(reverse("feed"))).items():
            response[name] = value
        return response
