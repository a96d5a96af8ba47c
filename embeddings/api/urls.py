"""Embeddings' API routes, included under ``api/`` by the project's urls (as ``assets.api.urls``)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from embeddings.api.views import MigrationViewSet, SearchView

router = SimpleRouter()
router.register("embedding-migrations", MigrationViewSet, basename="embedding-migration")
urlpatterns = [path("search/", SearchView.as_view(), name="search"), *router.urls]
