"""The MCP server driven by the SDK's own client over both transports: a real ``manage.py mcp``
subprocess over stdio, and ``/mcp/`` on a real HTTP server on loopback. Every tool is called and
its structured output checked against its output schema; rights are checked for a user without
access to a restricted picture and recording (they are absent from every result, resource and
error) and one with, and for the position of a location-sensitive asset (coarsened for the one,
exact for the other who holds the permission)."""

from __future__ import annotations

import contextlib
import json
import os
import sys

import anyio
import httpx2
import jsonschema
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from tests.conftest import PROJECT_DIR
from tests.embeddings.mcp.conftest import HARBOUR_POSITION, SECRET_KEYWORD, SECRET_RECORDING_TITLE, SECRET_TITLE

TOOLS = {"search_assets", "get_asset", "find_moments", "similar_assets", "vocabulary"}
NOWHERE = "0123456789abcdef0123456789abcdef"  # an asset ID no asset has


def stdio_target(token: str) -> StdioServerParameters:
    from django.db import connection

    from dam.runtime import database_url

    env = {
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(connection),
        "DAM_STATE_DIR": os.environ.get("DAM_STATE_DIR", str(PROJECT_DIR / "var" / "test")),
        "DAM_MCP_TOKEN": token,
        "HF_HUB_OFFLINE": "1",
    }
    return StdioServerParameters(command=sys.executable, args=["manage.py", "mcp"], env=env, cwd=str(PROJECT_DIR))


@contextlib.asynccontextmanager
async def http_target(url: str, token: str, scheme: str = "Bearer"):
    """The streamable HTTP transport with the token in every request (closed with the client, so
    the server's connection ends too)."""
    async with httpx2.AsyncClient(headers={"Authorization": f"{scheme} {token}"}, timeout=120) as http:
        async with streamable_http_client(f"{url}/mcp/", http_client=http) as streams:
            yield streams


async def _call(client, tools: dict, name: str, arguments: dict) -> dict:
    """A tool's answer: its structured content checked against its output schema, or its error text."""
    result = await client.call_tool(name, arguments)
    if result.is_error:
        return {"error": " ".join(block.text for block in result.content if hasattr(block, "text"))}
    jsonschema.validate(result.structured_content, tools[name].output_schema)
    return result.structured_content


async def _read(client, uri: str) -> dict:
    try:
        result = await client.read_resource(uri)
    except MCPError as error:
        return {"error": error.error.message}
    [content] = result.contents
    return {"mime_type": content.mime_type, "document": json.loads(content.text)}


async def _explore(target, library) -> dict:
    """Everything a client can ask, as one user."""
    secret, harbour, speech = library["secret"], library["harbour"], library["speech"]
    secret_speech = library["secret_speech"]
    seen: dict = {}
    async with Client(target) as client:
        listed = (await client.list_tools()).tools
        tools = {tool.name: tool for tool in listed}
        seen["tools"] = {tool.name: tool.model_dump(mode="json", by_alias=True) for tool in listed}
        seen["resources"] = [str(r.uri) for r in (await client.list_resources()).resources]
        seen["templates"] = [t.uri_template for t in (await client.list_resource_templates()).resource_templates]
        calls = {
            "search": ("search_assets", {"text": "boats in a harbour", "k": 5}),
            "search_secret": ("search_assets", {"text": "a lighthouse above a hidden cove", "k": 10}),
            "search_images": ("search_assets", {"text": "lighthouse", "kind": "image", "filters": {"has_gps": True}}),
            "get": ("get_asset", {"asset_id": harbour}),
            "get_secret": ("get_asset", {"asset_id": secret}),
            "get_nowhere": ("get_asset", {"asset_id": NOWHERE}),
            "get_speech_secret": ("get_asset", {"asset_id": secret_speech}),
            "moments": ("find_moments", {"text": "a sample recording for the asset manager", "k": 10}),
            "similar": ("similar_assets", {"asset_id": harbour, "k": 10}),
            "similar_secret": ("similar_assets", {"asset_id": secret}),
            "similar_nowhere": ("similar_assets", {"asset_id": NOWHERE}),
            "vocabulary": ("vocabulary", {}),
            "vocabulary_light": ("vocabulary", {"prefix": "light"}),
            "vocabulary_alias": ("vocabulary", {"prefix": "beacon"}),
            "empty": ("search_assets", {"text": "   "}),
            "bad_filter": ("search_assets", {"text": "boats", "filters": {"colour": "red"}}),
        }
        for key, (name, arguments) in calls.items():
            seen[key] = await _call(client, tools, name, arguments)
        seen["read"] = await _read(client, f"dam://assets/{harbour}")
        seen["read_speech"] = await _read(client, f"dam://assets/{speech}")
        seen["read_secret"] = await _read(client, f"dam://assets/{secret}")
        seen["read_speech_secret"] = await _read(client, f"dam://assets/{secret_speech}")
        seen["read_nowhere"] = await _read(client, f"dam://assets/{NOWHERE}")
    return seen


def explore(target, library) -> dict:
    return anyio.run(_explore, target, library)


def check_reader(seen: dict, library: dict) -> None:
    """What a user outside the restricted assets' group gets: everything else, and no trace of them;
    the location-sensitive harbour's position only coarsened."""
    harbour, speech, secret = library["harbour"], library["speech"], library["secret"]
    secret_speech = library["secret_speech"]
    assert set(seen["tools"]) == TOOLS
    for tool in seen["tools"].values():
        assert tool["inputSchema"]["type"] == "object" and tool["outputSchema"]["type"] == "object"
        assert len(tool["description"]) > 80 and tool["annotations"]["readOnlyHint"] is True
    assert "dam://assets/{asset_id}" in seen["templates"]
    assert f"dam://assets/{harbour}" in seen["resources"]

    # Ranking is search's business (embeddings.search): the harbour is among the hits.
    [first] = [hit for hit in seen["search"]["hits"] if hit["asset_id"] == harbour]
    assert first["asset_id"] == harbour and first["iri"] == f"urn:dam:asset:{harbour}"
    assert first["name"] == "Sails at Bennelong Point" and first["kind"] == "image"
    assert first["evidence"] and all("kind" in record for record in first["evidence"])
    facts = first["facts"]
    assert facts["creator"] and facts["copyright_notice"] and "Harbour" in facts["keywords"]
    assert facts["content_url"].endswith(f"/api/assets/{harbour}/content/")
    coarse = {"latitude": round(HARBOUR_POSITION[0], 1), "longitude": round(HARBOUR_POSITION[1], 1)}
    assert {name: facts["place"][name] for name in coarse} == coarse  # DAM_SENSITIVE_LOCATION_DECIMALS=1
    assert {name: seen["get"]["contentLocation"]["geo"][name] for name in coarse} == coarse

    assert seen["get"]["@id"] == f"urn:dam:asset:{harbour}" and seen["get"]["@type"] == "ImageObject"
    assert seen["read"]["mime_type"] == "application/ld+json" and seen["read"]["document"] == seen["get"]

    if "transcript" in library["roles"]:
        [moment, *_] = seen["moments"]["moments"]
        clip = moment["clip"]
        assert moment["asset_id"] == speech and clip["@type"] == "Clip"
        assert clip["isPartOf"] == {"@id": f"urn:dam:asset:{speech}"}
        assert clip["@id"].startswith(f"urn:dam:asset:{speech}#t=")
        assert 0 <= clip["startOffset"] < clip["endOffset"] and "asset manager" in clip["text"].lower()
        parts = seen["read_speech"]["document"].get("hasPart")
        assert parts is None  # moments are in a document only when asked for (REST ?include=moments)

    # Five unrelated assets: none need be like the harbour (each is below the floor), and never itself.
    similar = [hit["asset_id"] for hit in seen["similar"]["hits"]]
    assert "error" not in seen["similar"] and harbour not in similar

    labels = {term["label"]: term for term in seen["vocabulary"]["terms"]}
    assert labels["Harbour"]["assets"] == 1 and labels["Harbour"]["aliases"] == ["port", "haven"]
    assert labels[SECRET_KEYWORD]["assets"] == 0  # the vocabulary is the library's; counts are the caller's
    assert [term["label"] for term in seen["vocabulary_alias"]["terms"]] == [SECRET_KEYWORD]

    assert "empty" in seen["empty"]["error"] and "words" in seen["empty"]["error"]
    assert "colour" in seen["bad_filter"]["error"]

    # The restricted asset: in no result, resource or message, and refused exactly like a missing one.
    everything = json.dumps({key: value for key, value in seen.items() if not key.endswith(("_secret",))})
    assert secret not in everything and SECRET_TITLE not in everything and "hidden cove" not in everything.lower()
    assert secret_speech not in everything and SECRET_RECORDING_TITLE not in everything
    assert all(str(exact) not in everything for exact in HARBOUR_POSITION)  # not in facts, documents or evidence
    assert secret not in json.dumps(seen["search_secret"]) and SECRET_TITLE not in json.dumps(seen["search_secret"])
    for asked_secret, asked_nowhere in (
        ("get_secret", "get_nowhere"),
        ("similar_secret", "similar_nowhere"),
        ("read_secret", "read_nowhere"),
        ("get_speech_secret", "get_nowhere"),
        ("read_speech_secret", "read_nowhere"),
    ):
        assert set(seen[asked_secret]) == {"error"}, seen[asked_secret]
        hidden_id = secret_speech if "speech" in asked_secret else secret
        assert seen[asked_secret]["error"].replace(hidden_id, NOWHERE) == seen[asked_nowhere]["error"]
        assert "that you may see" in seen[asked_nowhere]["error"]


def check_insider(seen: dict, library: dict) -> None:
    """What a user in the group who may see exact positions gets: the restricted assets, exact positions."""
    secret, secret_speech, harbour = library["secret"], library["secret_speech"], library["harbour"]
    assert secret in [hit["asset_id"] for hit in seen["search_secret"]["hits"]]
    assert seen["get_secret"]["name"] == SECRET_TITLE
    assert seen["read_secret"]["document"]["@id"] == f"urn:dam:asset:{secret}"
    assert seen["get_speech_secret"]["name"] == SECRET_RECORDING_TITLE
    assert seen["read_speech_secret"]["document"]["@id"] == f"urn:dam:asset:{secret_speech}"
    if "transcript" in library["roles"]:
        assert secret_speech in {moment["asset_id"] for moment in seen["moments"]["moments"]}
    [hit] = [hit for hit in seen["search"]["hits"] if hit["asset_id"] == harbour]
    exact = {"latitude": HARBOUR_POSITION[0], "longitude": HARBOUR_POSITION[1]}
    assert {name: hit["facts"]["place"][name] for name in exact} == exact
    assert {name: seen["get"]["contentLocation"]["geo"][name] for name in exact} == exact
    labels = {term["label"]: term for term in seen["vocabulary_light"]["terms"]}
    assert labels[SECRET_KEYWORD]["assets"] == 1


@pytest.mark.timeout(600)
def test_every_tool_over_stdio_as_each_user(library):
    check_reader(explore(stdio_target(library["reader_token"]), library), library)
    check_insider(explore(stdio_target(library["insider_token"]), library), library)


@pytest.mark.timeout(600)
def test_every_tool_over_streamable_http_as_each_user(library, live_server):
    check_reader(explore(http_target(live_server.url, library["reader_token"]), library), library)
    check_insider(explore(http_target(live_server.url, library["insider_token"], scheme="Token"), library), library)
