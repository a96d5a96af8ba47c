"""POST /api/search/: semantic search over what the caller may see."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from embeddings.encoders import EncoderError
from embeddings.search import SearchError, search_text


class SearchRequestSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000)
    kind = serializers.ChoiceField(choices=["image", "audio"], required=False, allow_null=True)
    k = serializers.IntegerField(min_value=1, max_value=100, default=10)
    territory = serializers.CharField(max_length=2, required=False)


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


class SearchResponseSerializer(serializers.Serializer):
    results = SearchResultSerializer(many=True)


class SearchView(APIView):
    """Assets nearest in meaning to a text query, best first (rights-filtered)."""

    @extend_schema(request=SearchRequestSerializer, responses={200: SearchResponseSerializer})
    def post(self, request):
        query = SearchRequestSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        try:
            results = search_text(
                request.user, data["text"], k=data["k"], kind=data.get("kind"), territory=data.get("territory")
            )
        except (SearchError, EncoderError) as error:
            return Response({"error": str(error)}, status=503 if isinstance(error, EncoderError) else 400)
        return Response({"results": [result.as_json() for result in results]})
