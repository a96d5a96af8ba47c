"""python manage.py mcp [--token TOKEN]: dam's MCP server on stdin/stdout, for an LLM client."""

import os

from django.core.management.base import BaseCommand, CommandError

from embeddings.mcp.stdio import TokenRefused, stdio_serve, token_caller


class Command(BaseCommand):
    help = (
        "Serve dam's MCP server (search, documents, moments, vocabulary; read-only) on stdin/stdout, "
        "as the user of an API token (--token or DAM_MCP_TOKEN)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--token", help="an API token (default: the DAM_MCP_TOKEN environment variable)")

    def handle(self, *args, token=None, **options):
        try:
            caller = token_caller(token or os.environ.get("DAM_MCP_TOKEN"))
        except TokenRefused as error:
            raise CommandError(str(error)) from None
        stdio_serve(caller)
