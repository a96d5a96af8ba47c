"""Errors as JSON with a message a person can act on, for every API path.

Three layers, so that no configuration answers an ``/api/`` request with an HTML page: DRF's
exception handler (errors raised in API views), ``ApiErrorMiddleware`` (whatever else answers
an error under ``/api/``: Django's 404 and 500 pages, also the DEBUG ones, a refused host, a
body too large, an exception outside DRF), and the 404/500 handlers for paths no view answers.
Responses DRF rendered are left as they are: JSON, or the browsable API's page where the
client asked for HTML.
"""

from django.core import signals
from django.http import Http404, JsonResponse
from django.utils.log import log_response
from rest_framework.response import Response
from rest_framework.views import exception_handler

from assets.filters import FilterError

API_PREFIX = "/api/"


def api_exception_handler(exc, context):
    if isinstance(exc, FilterError):
        # One shape for a bad filter wherever it is given (list query parameters, search filters).
        return Response({"error": str(exc), "filter": exc.name}, status=400)
    response = exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "error" in response.data:
        return response  # already in dam's shape
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        response.data = {
            "error": str(response.data["detail"]),
            **{k: v for k, v in response.data.items() if k != "detail"},
        }
    elif response is not None and isinstance(response.data, (dict, list)):
        problems = "; ".join(_field_problems(response.data))
        response.data = {"error": f"the request is not valid: {problems}", "fields": response.data}
    return response


def _field_problems(errors, path: str = "") -> list[str]:
    """Serializer errors as ``field: problem`` lines (nested fields as ``metadata.title``)."""
    if isinstance(errors, dict):
        lines = []
        for key, value in errors.items():
            name = path if key == "non_field_errors" else f"{path}.{key}" if path else str(key)
            lines += _field_problems(value, name)
        return lines
    if isinstance(errors, list):
        return [line for item in errors for line in _field_problems(item, path)]
    return [f"{path}: {errors}" if path else str(errors)]


def _message(request, status: int) -> str:
    """What went wrong, for an error answer that carries no message of its own."""
    path = request.path
    if status == 404:
        return f"nothing at {path}"
    if status == 405:
        return f"{request.method} is not allowed on {path}"
    if status == 413:
        return "the request body is larger than dam accepts"
    if status == 400:
        return "the request is malformed (its host, headers or body could not be read)"
    if status == 403:
        return f"you may not {request.method} {path}"
    if status >= 500:
        return "dam could not answer this request because of an internal error; it has been logged"
    return f"the request was refused ({status})"


def _is_json(response) -> bool:
    content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    return content_type == "application/json" or content_type.endswith("+json")


class ApiErrorMiddleware:
    """Every error answered under ``/api/`` is JSON ``{"error": ...}``, whatever DEBUG says."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code >= 400
            and not _is_json(response)
            and not hasattr(response, "accepted_renderer")  # rendered by DRF: JSON or the browsable API
        ):
            replaced = JsonResponse({"error": _message(request, response.status_code)}, status=response.status_code)
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    replaced[header] = response[header]
            return replaced
        return response

    def process_exception(self, request, exception):
        """An exception a view under ``/api/`` did not handle: logged as Django logs it, answered
        in JSON (Django's own answer is left for 404s and the exceptions it maps to 4xx)."""
        from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation

        if not request.path.startswith(API_PREFIX) or isinstance(
            exception, (Http404, PermissionDenied, SuspiciousOperation, BadRequest)
        ):
            return None
        response = JsonResponse({"error": _message(request, 500)}, status=500)
        signals.got_request_exception.send(sender=None, request=request)
        log_response("Internal Server Error: %s", request.path, response=response, request=request, exception=exception)
        return response


def not_found(request, exception=None):
    """404 for paths no view answers: JSON under /api/, Django's page elsewhere."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"error": _message(request, 404)}, status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def server_error(request):
    """500 when DEBUG is off: JSON under /api/, Django's page elsewhere."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"error": _message(request, 500)}, status=500)
    from django.views.defaults import server_error as page

    return page(request)
