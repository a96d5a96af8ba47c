"""Errors as JSON with a message a person can act on, for every API path."""

from django.http import JsonResponse
from rest_framework.response import Response
from rest_framework.views import exception_handler

from assets.filters import FilterError


def api_exception_handler(exc, context):
    if isinstance(exc, FilterError):
        # One shape for a bad filter wherever it is given (list query parameters, search filters).
        return Response({"error": str(exc), "filter": exc.name}, status=400)
    response = exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        response.data = {
            "error": str(response.data["detail"]),
            **{k: v for k, v in response.data.items() if k != "detail"},
        }
    elif response is not None and isinstance(response.data, (dict, list)):
        response.data = {"error": "the request is not valid", "fields": response.data}
    return response


def not_found(request, exception=None):
    """404 for paths no view answers: JSON under /api/, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"error": f"nothing at {request.path}"}, status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)
