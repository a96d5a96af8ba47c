from django.contrib import admin
from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token

admin.site.site_header = "dam"
admin.site.site_title = "dam"
admin.site.index_title = "Digital asset management"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("assets.api.urls")),
    path("api/token/", obtain_auth_token, name="api-token"),
    path("api/auth/", include("rest_framework.urls")),
]
