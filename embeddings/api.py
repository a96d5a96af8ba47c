"""POST /api/search/: semantic search over what the caller may see."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from embeddings.encoders import EncoderError
from embeddings.search import SearchError, search_file, search_similar, search_text


class SearchRequestSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000, required=False)
    asset_id = serializers.CharField(max_length=32, required=False, help_text="more like this asset")
    file = serializers.FileField(
        required=False, help_text="an image or audio clip to find similar assets to (multipart)"
    )
    kind = serializers.ChoiceField(choices=["image", "audio"], required=False, allow_null=True)
    k = serializers.IntegerField(min_value=1, max_value=100, default=10)
    territory = serializers.CharField(max_length=2, required=False)
    filters = serializers.JSONField(
        required=False,
        help_text="keywords (list), created_after/created_before (YYYY-MM-DD), country, licence, "
        'near {"lat", "lon", "km"}, bbox [south, west, north, east]',
    )

    def validate(self, data):
        given = [name for name in ("text", "asset_id", "file") if data.get(name)]
        if len(given) != 1:
            raise serializers.ValidationError("give exactly one of text, asset_id or file")
        if data.get("filters") is not None and not isinstance(data["filters"], dict):
            raise serializers.ValidationError({"filters": "must be an object"})
        return data


class SegmentSerializer(serializers.Serializer):
    start_ms = serializers.IntegerField()
    end_ms = serializers.IntegerField(allow_null=True)
    score = serializers.FloatField()
    text = serializers.CharField(allow_blank=True)


class SearchResultSerializer(serializers.Serializer):
    asset_id = serializers.CharField()
    score = serializers.FloatField()
    kind = serializers.CharField()
    title = serializers.CharField(allow_blank=True)
    segments = SegmentSerializer(many=True)
    model_versions = serializers.ListField(
        child=serializers.IntegerField(), help_text="the model versions whose vectors found it"
    )


class SearchResponseSerializer(serializers.Serializer):
    results = SearchResultSerializer(many=True)


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
        common = {"k": data["k"], "territory": data.get("territory"), "filters": data.get("filters") or {}}
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
        return Response({"results": [result.as_json() for result in results]})


class MigrationSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()

    class Meta:
        from embeddings.models import Migration

        model = Migration
        fields = [
            "id",
            "role",
            "from_version",
            "to_version",
            "state",
            "source",
            "total_assets",
            "done_assets",
            "failed_assets",
            "progress",
            "validation",
            "forced_reason",
            "started_at",
            "backfilled_at",
            "cut_over_at",
            "retire_after",
            "created_at",
            "events",
        ]

    def get_progress(self, migration) -> dict:
        from embeddings.reembedding.states import migration_progress

        progress = migration_progress(migration)
        return {key: progress[key] for key in ("done", "total", "failed", "rate_per_second", "eta_seconds")}

    def get_events(self, migration) -> list[dict]:
        return [
            {
                "from_state": e.from_state,
                "to_state": e.to_state,
                "user": e.user.username if e.user else None,
                "reason": e.reason,
                "at": e.at.isoformat(),
            }
            for e in migration.events.select_related("user")
        ]


class MigrationViewSet(viewsets.ReadOnlyModelViewSet):
    """Re-embedding migrations, read-only: state, progress, validation figures, audit trail.
    They are run with ``python manage.py migrate_embeddings`` or from the admin."""

    serializer_class = MigrationSerializer

    def get_queryset(self):
        from embeddings.models import Migration

        return Migration.objects.order_by("-created_at")
