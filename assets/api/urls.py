from django.urls import path
from rest_framework.routers import DefaultRouter

from assets.api.views import AssetViewSet, FeedView

router = DefaultRouter()
router.register("assets", AssetViewSet, basename="asset")
urlpatterns = [path("feed.jsonld", FeedView.as_view(), name="feed"), *router.urls]
