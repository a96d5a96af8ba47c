"""``manage.py mcp`` refuses to start without a valid token, and says how to get one."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("given", [None, "", "   "])
def test_without_a_token_it_says_how_to_create_one(given, monkeypatch):
    monkeypatch.delenv("DAM_MCP_TOKEN", raising=False)
    with pytest.raises(CommandError) as refused:
        call_command("mcp", *([] if given is None else ["--token", given]))
    message = str(refused.value)
    assert "--token" in message and "DAM_MCP_TOKEN" in message and "drf_create_token" in message


def test_a_token_of_no_one_or_of_an_inactive_user_is_refused(django_user_model, monkeypatch):
    monkeypatch.setenv("DAM_MCP_TOKEN", "not-a-token")
    with pytest.raises(CommandError, match="not valid"):
        call_command("mcp")
    user = django_user_model.objects.create_user("gone", password="x", is_active=False)
    with pytest.raises(CommandError, match="not valid"):
        call_command("mcp", "--token", Token.objects.create(user=user).key)
