"""Admin: the model registry, and a semantic search box over what the user may see."""

from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import path, reverse

from embeddings.encoders import EncoderError
from embeddings.models import ModelVersion, Role, TranscriptSegment
from embeddings.search import SearchError, search_file, search_similar, search_text


def _player_start_seconds(segment: dict) -> float:
    return round(segment["start_ms"] / 1000, 2)


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "family",
        "status",
        "dimension",
        "source_kind",
        "short_weights",
        "roles_text",
        "deprecation_date",
        "created_at",
    ]
    list_filter = ["family", "status"]
    readonly_fields = [
        "family",
        "name",
        "source_kind",
        "source",
        "revision",
        "weights_sha256",
        "dimension",
        "metric",
        "modalities",
        "preprocessing",
        "preprocessor_sha256",
        "prompt_template",
        "library_versions",
        "licence",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False  # versions come from `manage.py models register`, with their weights hashed

    @admin.display(description="Weights")
    def short_weights(self, version):
        return version.weights_sha256[:12]

    @admin.display(description="Roles")
    def roles_text(self, version):
        return ", ".join(version.roles.values_list("name", flat=True))

    def get_urls(self):
        search = path("search/", self.admin_site.admin_view(self.search_view), name="embeddings_search")
        return [search, *super().get_urls()]

    def search_view(self, request):
        """Semantic search with thumbnails, players and the time spans that matched."""
        params = request.POST if request.method == "POST" else request.GET
        query, kind, results, error = params.get("q", "").strip(), params.get("kind") or None, [], ""
        like, upload = request.GET.get("like", "").strip(), request.FILES.get("file")
        searched = ""
        try:
            if upload is not None:
                searched = f"like the uploaded {upload.name}"
                results = search_file(request.user, upload, k=20)
            elif like:
                searched = f"more like asset {like}"
                results = search_similar(request.user, like, k=20, kind=kind)
            elif query:
                searched = query
                results = search_text(request.user, query, k=20, kind=kind)
        except (SearchError, EncoderError) as problem:
            error = str(problem)
        rows = [
            {
                **result.as_json(),
                "change_url": reverse("admin:assets_asset_change", args=[result.asset_id]),
                "thumbnail_url": reverse("asset-thumbnail", kwargs={"pk": result.asset_id}),
                "audio_url": reverse("asset-file-download", kwargs={"pk": result.asset_id, "number": 1}),
                "start_seconds": _player_start_seconds(result.segments[0]) if result.segments else 0,
                "like_url": f"?like={result.asset_id}",
            }
            for result in results
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": "Semantic search",
            "query": query,
            "searched": searched,
            "kind": kind,
            "rows": rows,
            "error": error,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/embeddings/search.html", context)


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["name", "model_version", "updated_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TranscriptSegment)
class TranscriptSegmentAdmin(admin.ModelAdmin):
    list_display = ["asset", "start_ms", "end_ms", "text"]
    search_fields = ["text", "asset__id", "asset__title"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
