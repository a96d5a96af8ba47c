"""dam's MCP server: the tools and resources an LLM client sees, on the official SDK's
``MCPServer``, read-only. One server per process serves every caller: the transport (stdio in
``manage.py mcp``, streamable HTTP at ``/mcp/``) sets who is calling (``CALLER``) before a
request is handled, and each tool runs the synchronous function of ``embeddings.mcp.tools`` for
that caller in the thread Django expects (``sync_to_async``, thread-sensitive)."""

import contextvars
import functools
from typing import Annotated, Any, Literal

from asgiref.sync import sync_to_async
from mcp.server.mcpserver import MCPServer
from mcp_types import Resource, ToolAnnotations
from pydantic import Field

from assets.filters import ASSET_FILTERS
from embeddings.mcp import schemas, tools

CALLER: contextvars.ContextVar[tools.Caller] = contextvars.ContextVar("dam_mcp_caller")
READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)
INSTRUCTIONS = (
    "dam is a library of pictures and recordings with their rights. Find assets with search_assets "
    "(or spoken moments with find_moments), read one with get_asset, and cite what you use by its IRI "
    "(urn:dam:asset:…, or a Clip's @id for a moment) with its creator, credit line and licence from the "
    "hit's facts. Use the vocabulary's preferred labels for keywords. You see only what your token's user may see."
)

AssetId = Annotated[str, Field(min_length=1, max_length=64, description="an asset_id from a search hit")]
QueryText = Annotated[str, Field(max_length=2000, description="what to look for, in plain words")]
HowMany = Annotated[int, Field(ge=1, le=50, description="how many to return")]


async def _as_caller(function, *args):
    return await sync_to_async(function, thread_sensitive=True)(CALLER.get(), *args)


class DamMCPServer(MCPServer):
    async def list_resources(self) -> list[Resource]:
        """The static resources, then the caller's most recently changed assets."""
        listed = await super().list_resources()
        entries = await _as_caller(tools.asset_resources)
        return listed + [
            Resource(
                uri=entry["uri"],
                name=entry["name"],
                description=f"schema.org {'AudioObject' if entry['kind'] == 'audio' else 'ImageObject'} in JSON-LD",
                mime_type="application/ld+json",
            )
            for entry in entries
        ]


@functools.cache
def mcp_server() -> DamMCPServer:
    server = DamMCPServer("dam", title="dam digital asset library", instructions=INSTRUCTIONS, subscriptions=False)
    filter_names = ", ".join(definition.name for definition in ASSET_FILTERS)

    @server.tool(title="Search the library", annotations=READ_ONLY)
    async def search_assets(
        text: QueryText,
        kind: Annotated[Literal["image", "audio"] | None, Field(description="only pictures or recordings")] = None,
        filters: Annotated[
            dict[str, Any] | None,
            Field(
                description=f"narrow the search, with the asset list's filters ({filter_names}); "
                'e.g. {"keyword": ["harbour"], "has_gps": true}'
            ),
        ] = None,
        k: HowMany = 10,
    ) -> schemas.SearchAnswer:
        """Find pictures and recordings by meaning (their metadata, what they show, what is said or heard
        in them), best first. Each hit has the asset's IRI to cite, what matched (fields, and for recordings
        the moment with its start and end in seconds and its words), and the facts a citation needs
        (creator, credit, copyright, licence, date, place, keywords)."""
        return await _as_caller(tools.search_assets, text, kind, filters, k)

    @server.tool(title="Read one asset", annotations=READ_ONLY)
    async def get_asset(asset_id: AssetId) -> schemas.Document:
        """The asset's schema.org document in JSON-LD (ImageObject or AudioObject): every field of its
        metadata, rights and licence, and the URL of its delivery copy. Cite it by its @id."""
        return await _as_caller(tools.get_asset, asset_id)

    @server.tool(title="Find moments in recordings", annotations=READ_ONLY)
    async def find_moments(text: QueryText, k: HowMany = 10) -> schemas.MomentsAnswer:
        """Moments across recordings where something is said (or heard) that answers the text, best first,
        as schema.org Clips: startOffset and endOffset in seconds, isPartOf the recording's IRI, and the
        words said. Cite a moment by the Clip's @id."""
        return await _as_caller(tools.find_moments, text, k)

    @server.tool(title="More like this", annotations=READ_ONLY)
    async def similar_assets(asset_id: AssetId, k: HowMany = 10) -> schemas.SearchAnswer:
        """Assets most like the given one (by its metadata, pixels or sound), best first, in the same shape
        as search_assets."""
        return await _as_caller(tools.similar_assets, asset_id, k)

    @server.tool(title="The library's vocabulary", annotations=READ_ONLY)
    async def vocabulary(
        prefix: Annotated[
            str | None, Field(max_length=200, description="only terms whose label or an alias starts so")
        ] = None,
    ) -> schemas.VocabularyAnswer:
        """The library's controlled vocabulary: each concept's one preferred label with its aliases, URI and
        broader term, and how many assets you may see carry it. Say a concept by its preferred label."""
        return await _as_caller(tools.vocabulary, prefix)

    @server.resource(
        "dam://assets/{asset_id}",
        name="asset",
        title="An asset's schema.org document",
        description="The asset's schema.org JSON-LD (ImageObject or AudioObject), as get_asset returns it",
        mime_type="application/ld+json",
    )
    async def asset_resource(asset_id: str) -> str:
        return await _as_caller(tools.read_asset_resource, asset_id)

    return server
