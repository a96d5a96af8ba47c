"""``/mcp/``: the MCP server over streamable HTTP, stateless, in the web app (WSGI).

DRF authenticates the request with the API's tokens (``Authorization: Token …``, or ``Bearer …``
as MCP clients send it) and throttles it like any API request; then the SDK's own streamable HTTP
transport answers it (stateless, JSON responses: one request, one answer, no session to keep
between workers), run for this one request in an event loop while the tools' database work
comes back to this request's thread (``async_to_sync``)."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from django.http import HttpResponse
from mcp.server.transport_security import TransportSecuritySettings
from rest_framework.authentication import TokenAuthentication
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from assets.api.views import absolute_url_builder
from embeddings.mcp.server import CALLER, mcp_server
from embeddings.mcp.tools import Caller

ROUTE = "/mcp"
# Django has checked the Host header against ALLOWED_HOSTS before the view runs.
HOSTS_CHECKED = TransportSecuritySettings(enable_dns_rebinding_protection=False)


class BearerTokenAuthentication(TokenAuthentication):
    """The API's tokens sent as ``Authorization: Bearer <token>``."""

    keyword = "Bearer"


class TransportNegotiates(BaseContentNegotiation):
    """The transport reads the body and answers in the type the client accepts; DRF renders only
    its own refusals (401, 429), as JSON."""

    def select_parser(self, request, parsers):
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _scope(request) -> dict:
    host, _, port = request.get_host().partition(":")
    headers = request.headers
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": request.scheme,
        "path": ROUTE,
        "raw_path": ROUTE.encode(),
        "root_path": "",
        "query_string": request.META.get("QUERY_STRING", "").encode("latin-1"),
        "headers": [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()],
        "server": (host, int(port) if port.isdigit() else (443 if request.is_secure() else 80)),
        "client": (request.META.get("REMOTE_ADDR", ""), 0),
        "state": {},
    }


async def _answer(scope: dict, body: bytes, caller: Caller) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """One HTTP request through the SDK's transport: (status, headers, body)."""
    import anyio

    CALLER.set(caller)
    app = mcp_server().streamable_http_app(
        streamable_http_path=ROUTE, json_response=True, stateless_http=True, transport_security=HOSTS_CHECKED
    )
    answered = anyio.Event()
    delivered = False
    status, headers, chunks = 500, [], []

    async def receive() -> dict:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await answered.wait()  # the client stays connected until the answer is complete
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status, headers = message["status"], list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                answered.set()

    async with app.router.lifespan_context(app):
        await app(scope, receive, send)
    return status, headers, b"".join(chunks)


class MCPView(APIView):
    """The MCP endpoint (streamable HTTP, stateless): POST one JSON-RPC message, get its answer."""

    authentication_classes = [TokenAuthentication, BearerTokenAuthentication]
    permission_classes = [IsAuthenticated]
    parser_classes: list = []  # the body goes to the transport as it came
    renderer_classes = [JSONRenderer]
    content_negotiation_class = TransportNegotiates
    schema = None  # not part of the REST API's OpenAPI description

    def _serve(self, request):
        caller = Caller(user=request.user, url_for=absolute_url_builder(request))
        status, headers, body = async_to_sync(_answer)(_scope(request), request.body, caller)
        response = HttpResponse(body, status=status)
        for name, value in headers:
            if name.lower() not in (b"content-length",):
                response[name.decode("latin-1")] = value.decode("latin-1")
        return response

    post = get = delete = _serve
