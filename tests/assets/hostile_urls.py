"""dam's URLs plus views under /api/ that fail as no real view should, to test what every
configuration answers then."""

from django.urls import path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny

from dam.urls import handler404, handler500  # noqa: F401
from dam.urls import urlpatterns as dam_urlpatterns


def plain_view_that_fails(request):
    raise RuntimeError("a bug in a plain view")


@api_view(["GET"])
@permission_classes([AllowAny])
def api_view_that_fails(request):
    raise RuntimeError("a bug in an API view")


urlpatterns = [
    path("api/test-failing-plain/", plain_view_that_fails),
    path("api/test-failing-drf/", api_view_that_fails),
    *dam_urlpatterns,
]
