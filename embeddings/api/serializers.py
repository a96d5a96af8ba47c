"""What the embeddings API reads and answers: search requests and results, re-embedding migrations."""

from rest_framework import serializers

from assets.api.parsers import BoundedJSONField
from assets.filters import ASSET_FILTERS
from embeddings.models import Migration
from embeddings.reembedding.states import migration_progress


class SearchRequestSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000, required=False)
    asset_id = serializers.CharField(max_length=32, required=False, help_text="more like this asset")
    file = serializers.FileField(
        required=False, help_text="an image or audio clip to find similar assets to (multipart)"
    )
    kind = serializers.ChoiceField(choices=["image", "audio"], required=False, allow_null=True)
    k = serializers.IntegerField(min_value=1, max_value=100, default=10)
    territory = serializers.CharField(max_length=2, required=False)
    filters = BoundedJSONField(
        required=False,
        help_text="filter name → value, with the names and values of the asset list's query parameters "
        f"(docs/filters.md): {', '.join(definition.name for definition in ASSET_FILTERS)}; "
        'e.g. {"keyword": ["harbour"], "near": {"lat": 59.9, "lon": 10.7, "km": 5}}',
    )

    include = serializers.ListField(
        child=serializers.ChoiceField(choices=["document"]),
        required=False,
        default=list,
        help_text='"document": each hit also carries its schema.org JSON-LD document (as `document`) and its '
        "evidence as records with a `kind` (as `evidence`), for retrieval pipelines that ground answers",
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
    document = serializers.DictField(
        required=False, help_text='with "include": ["document"]: the asset\'s schema.org JSON-LD document'
    )
    evidence = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text="what matched, one record per piece, each with a `kind`",
    )


class SearchQuerySerializer(serializers.Serializer):
    """How an uploaded clip was searched: what speech recognition heard in it, and whether it was
    also searched by how it sounds."""

    heard = serializers.CharField(allow_blank=True)
    acoustic = serializers.BooleanField()
    summary = serializers.CharField()


class SearchResponseSerializer(serializers.Serializer):
    results = SearchResultSerializer(many=True)
    query = SearchQuerySerializer(required=False, help_text="only for an uploaded audio clip")


class MigrationSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()

    class Meta:
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
        progress = migration_progress(migration)
        return {key: progress[key] for key in ("done", "total", "failed", "rate_per_second", "eta_seconds")}

    def get_events(self, migration) -> list[dict]:
        return [
            {
                "from_state": e.from_state,
                "to_state": e.to_state,
                "user": e.user.username if e.user else None,
                "actor": e.actor,
                "reason": e.reason,
                "at": e.at.isoformat(),
            }
            for e in migration.events.select_related("user")
        ]
