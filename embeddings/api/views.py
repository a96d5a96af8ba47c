"""POST /api/search/: semantic search over what the caller may see; GET /api/embedding-migrations/:
re-embedding migrations, read-only."""

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from assets.api.multipart import MultiPartParser
from assets.api.parsers import JSONParser
from assets.api.views import absolute_url_builder
from embeddings.api.serializers import MigrationSerializer, SearchRequestSerializer, SearchResponseSerializer
from embeddings.encoders import EncoderError
from embeddings.filters import search_filters_parse
from embeddings.grounding import hit_documents
from embeddings.models import Migration
from embeddings.search import SearchError, search_file, search_similar, search_text


class SearchView(APIView):
    """Assets nearest in meaning to a text, an asset ("more like this") or an uploaded image, best
    first, among those the caller may see; audio hits carry the time span that matched."""

    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(
        request={"application/json": SearchRequestSerializer, "multipart/form-data": SearchRequestSerializer},
        responses={200: SearchResponseSerializer},
    )
    def post(self, request):
        query = SearchRequestSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        filters = search_filters_parse(data.get("filters") or {})  # a bad filter is a 400 naming it
        common = {"k": data["k"], "territory": data.get("territory"), "filters": filters}
        try:
            if data.get("text"):
                results = search_text(request.user, data["text"], kind=data.get("kind"), **common)
            elif data.get("asset_id"):
                results = search_similar(request.user, data["asset_id"], kind=data.get("kind"), **common)
            else:
                results = search_file(request.user, data["file"], **common)
        except EncoderError as error:
            return Response({"error": str(error)}, status=503)
        except SearchError as error:
            return Response({"error": str(error)}, status=400)
        hits = [result.as_json() for result in results]
        if "document" in data["include"]:
            documents = hit_documents(
                request.user, [hit["asset_id"] for hit in hits], absolute_url_builder(request), data.get("territory")
            )
            # A hit whose asset stopped being visible since the search ran is left out; evidence
            # the search gives itself is kept as it gives it.
            hits = [{**hit, "document": documents[hit["asset_id"]]} for hit in hits if hit["asset_id"] in documents]
        answer = {"results": hits}
        if hasattr(results, "query_json"):  # a clip: what was heard in it, and how it was searched
            answer["query"] = results.query_json()
        return Response(answer)


class ViewsMigrations(BasePermission):
    """Migrations name staff and their reasons and count the whole library, hidden assets too:
    for those who may view them in the admin (``embeddings.view_migration``), not every token."""

    message = "reading re-embedding migrations needs the embeddings.view_migration permission"

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.has_perm("embeddings.view_migration"))


class MigrationViewSet(viewsets.ReadOnlyModelViewSet):
    """Re-embedding migrations, read-only: state, progress, validation figures, audit trail.
    They are run with ``python manage.py migrate_embeddings`` or from the admin. Needs the
    ``embeddings.view_migration`` permission."""

    serializer_class = MigrationSerializer
    permission_classes = [IsAuthenticated, ViewsMigrations]

    def get_queryset(self):
        return Migration.objects.order_by("-created_at")
