"""The MCP server: dam's search and documents for LLM clients, as the token's user
(``server.py`` the tools, ``tools.py`` what they do, ``http.py`` the ``/mcp/`` endpoint,
``stdio.py`` the ``manage.py mcp`` transport). Read-only: it calls selectors and search, never a service that writes."""
