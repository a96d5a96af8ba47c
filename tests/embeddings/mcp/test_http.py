"""``/mcp/`` as the web app serves it: the API's tokens (``Token`` and ``Bearer``) and nothing
else, the API's throttling, and stateless answers (no session is opened or needed)."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db

HEADERS = {"HTTP_ACCEPT": "application/json, text/event-stream", "HTTP_MCP_PROTOCOL_VERSION": "2025-11-25"}


def post(client: Client, message: dict, **headers):
    return client.post("/mcp/", json.dumps(message), content_type="application/json", **HEADERS, **headers)


def tools_list(request_id: int = 1) -> dict:
    return {"jsonrpc": "2.0", "id": request_id, "method": "tools/list", "params": {}}


@pytest.fixture
def token(django_user_model) -> str:
    return Token.objects.create(user=django_user_model.objects.create_user("llm", password="x")).key


@pytest.fixture
def client() -> Client:
    return Client(SERVER_NAME="localhost")


@pytest.mark.parametrize("scheme", ["Token", "Bearer"])
def test_a_token_in_either_scheme_opens_the_tools_without_a_session(client, token, scheme):
    response = post(client, tools_list(), HTTP_AUTHORIZATION=f"{scheme} {token}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/json")
    assert "Mcp-Session-Id" not in response  # stateless: any worker answers any request
    answer = response.json()
    assert answer["id"] == 1
    assert {tool["name"] for tool in answer["result"]["tools"]} >= {"search_assets", "get_asset", "vocabulary"}
    again = post(client, tools_list(2), HTTP_AUTHORIZATION=f"{scheme} {token}")
    assert again.status_code == 200 and again.json()["id"] == 2


@pytest.mark.parametrize(
    "authorization", [None, "Bearer not-a-token", "Token ", "Basic bGxtOng="], ids=["none", "unknown", "empty", "basic"]
)
def test_anything_but_a_valid_token_is_refused_with_a_json_401(client, token, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = post(client, tools_list(), **headers)
    assert response.status_code == 401
    assert "error" in response.json() and "result" not in response.json()


def test_a_logged_in_browser_session_is_not_a_token(client, django_user_model):
    django_user_model.objects.create_user("person", password="pw")
    assert client.login(username="person", password="pw")
    assert post(client, tools_list()).status_code == 401


def test_mcp_requests_are_throttled_like_the_api(client, token, monkeypatch):
    from rest_framework.throttling import UserRateThrottle

    cache.clear()
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "2/min", "anon": "2/min"})
    answers = [post(client, tools_list(n), HTTP_AUTHORIZATION=f"Bearer {token}").status_code for n in range(3)]
    assert answers == [200, 200, 429]


def test_a_tool_error_is_an_answer_not_a_crash(client, token):
    call = {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "get_asset", "arguments": {}}}
    response = post(client, call, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    result = response.json()["result"]
    assert result["isError"] is True and "asset_id" in result["content"][0]["text"]
    missing = {**call, "params": {"name": "get_asset", "arguments": {"asset_id": "ffff"}}}
    text = post(client, missing, HTTP_AUTHORIZATION=f"Bearer {token}").json()["result"]["content"][0]["text"]
    assert "no asset 'ffff' that you may see" in text and "search_assets" in text


def call_tool(client: Client, token: str, name: str, arguments: dict) -> dict:
    call = {"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": name, "arguments": arguments}}
    response = post(client, call, HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200, response.content
    return response.json()["result"]


def test_with_no_model_active_the_search_tools_say_how_to_set_one_up(client, token):
    """No role is active in an empty database: each search tool answers a tool error naming the
    command that sets the models up, and the session goes on."""
    for name, arguments in [
        ("search_assets", {"text": "boats in a harbour"}),
        ("search_assets", {"text": "a spoken recording", "kind": "audio"}),
        ("find_moments", {"text": "a sample recording"}),
    ]:
        result = call_tool(client, token, name, arguments)
        assert result["isError"] is True, (name, result)
        assert "models setup" in result["content"][0]["text"], (name, result)
    assert call_tool(client, token, "vocabulary", {})["isError"] is False


def test_an_empty_query_is_a_tool_error_saying_what_to_give(client, token):
    for name in ("search_assets", "find_moments"):
        result = call_tool(client, token, name, {"text": "  "})
        assert result["isError"] is True and "give the words to look for" in result["content"][0]["text"]


def read_resource(client: Client, token: str, uri: str) -> dict:
    message = {"jsonrpc": "2.0", "id": 11, "method": "resources/read", "params": {"uri": uri}}
    response = post(client, message, HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200, response.content
    return response.json()


def test_an_asset_outside_the_users_territory_is_as_absent_as_a_missing_one(client, token, django_user_model):
    """The territory rule of the API applies as the token's user: outside the user's default
    territory an asset is refused word for word like one that does not exist; in it, it is there."""
    from assets.ingest import ingest_paths
    from assets.models import AccessProfile, Asset
    from tests.conftest import FIXTURES_DIR

    [result] = ingest_paths([FIXTURES_DIR / "images/sample.jpg"])
    asset_id, nowhere = result.asset_id, "0123456789abcdef0123456789abcdef"
    Asset.objects.filter(pk=asset_id).update(allowed_territories=["JP"])

    def answers(wanted: str) -> tuple[str, str]:
        tool = call_tool(client, token, "get_asset", {"asset_id": wanted})
        resource = read_resource(client, token, f"dam://assets/{wanted}")
        return tool["content"][0]["text"], resource.get("error", {}).get("message", "")

    for hidden, absent in zip(answers(asset_id), answers(nowhere), strict=True):
        assert hidden and hidden.replace(asset_id, nowhere) == absent
    listed = {"jsonrpc": "2.0", "id": 12, "method": "resources/list", "params": {}}
    resources = post(client, listed, HTTP_AUTHORIZATION=f"Token {token}").json()["result"]["resources"]
    assert asset_id not in str(resources)

    AccessProfile.objects.create(user=Token.objects.get(key=token).user, default_territory="JP")
    document = call_tool(client, token, "get_asset", {"asset_id": asset_id})
    assert document["isError"] is False and document["structuredContent"]["@id"] == f"urn:dam:asset:{asset_id}"
    assert "result" in read_resource(client, token, f"dam://assets/{asset_id}")
