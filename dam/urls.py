from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token

from dam import observability

admin.site.site_header = "dam"
admin.site.site_title = "dam"
admin.site.index_title = "Digital asset management"
# The breadcrumbs and the index lead everywhere; the side menu would take a sixth of a laptop's
# width from the asset list and its filters.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    # A person who opens the bare address wants the admin (not a 404 listing the URL patterns).
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False), name="home"),
    path("healthz", observability.healthz, name="healthz"),
    path("readyz", observability.readyz, name="readyz"),
    path("metrics", observability.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/", include("embeddings.api.urls")),
    path("", include("embeddings.mcp.urls")),
    path("api/", include("assets.api.urls")),
    path("api/token/", obtain_auth_token, name="api-token"),
    path("api/auth/", include("rest_framework.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]

handler404 = "assets.api.errors.not_found"
handler500 = "assets.api.errors.server_error"
