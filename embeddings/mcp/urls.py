"""The MCP endpoint's route, included at the site root by the project's urls."""

from django.urls import path

from embeddings.mcp.http import MCPView

# Both spellings: a POST to "mcp" cannot be redirected to "mcp/" (its body would be lost).
urlpatterns = [path("mcp/", MCPView.as_view(), name="mcp"), path("mcp", MCPView.as_view())]
