"""The MCP server over stdio (``python manage.py mcp``), as the user of one API token."""

from __future__ import annotations

from urllib.parse import urljoin

from asgiref.sync import async_to_sync
from django.conf import settings
from rest_framework.authtoken.models import Token

from assets.api.views import url_builder
from embeddings.mcp.server import CALLER, mcp_server
from embeddings.mcp.tools import Caller

HOW_TO_GET_A_TOKEN = (
    "create one with `python manage.py drf_create_token USERNAME`, or POST username and password to /api/token/"
)


class TokenRefused(ValueError):
    """No token, or one that names no active user; the message says what to do."""


def token_caller(key: str | None) -> Caller:
    """The caller an API token stands for, with documents' URLs under ``DAM_PUBLIC_URL``."""
    if not key or not key.strip():
        raise TokenRefused(f"no API token: pass --token or set DAM_MCP_TOKEN ({HOW_TO_GET_A_TOKEN})")
    token = Token.objects.select_related("user").filter(key=key.strip()).first()
    if token is None or not token.user.is_active:
        raise TokenRefused(f"the API token is not valid (or its user is inactive): {HOW_TO_GET_A_TOKEN}")
    base = settings.DAM_PUBLIC_URL.rstrip("/") + "/"
    return Caller(user=token.user, url_for=url_builder(lambda path: urljoin(base, path.lstrip("/"))))


async def _serve(caller: Caller) -> None:
    CALLER.set(caller)
    await mcp_server().run_stdio_async()


def stdio_serve(caller: Caller) -> None:
    """Serve MCP on stdin/stdout until the client closes them; the tools' database work runs in
    this (the calling) thread."""
    async_to_sync(_serve)(caller)
