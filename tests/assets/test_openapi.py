"""The OpenAPI description: complete, browsable offline, and true (schemathesis finds no 5xx)."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis import checks

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


def test_every_endpoint_is_documented(client):
    document = client.get("/api/schema/?format=json").json()
    paths = document["paths"]
    assert set(paths) >= {
        "/api/assets/",
        "/api/assets/{id}/",
        "/api/assets/{id}/content/",
        "/api/assets/{id}/thumbnail/",
        "/api/assets/{id}/files/{number}/download/",
        "/api/feed.jsonld",
        "/api/token/",
    }
    retrieve = paths["/api/assets/{id}/"]["get"]["responses"]["200"]["content"]
    assert {"application/json", "application/ld+json"} <= set(retrieve)
    assert "application/ld+json" in paths["/api/feed.jsonld"]["get"]["responses"]["200"]["content"]
    assert {"tokenAuth", "cookieAuth"} <= set(document["components"]["securitySchemes"])


def test_the_docs_page_needs_no_internet(client):
    page = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in page and "cdn." not in page and "unpkg" not in page


@pytest.fixture
def token(django_user_model):
    return Token.objects.create(user=django_user_model.objects.create_user(username="fuzz", password="x")).key


@pytest.fixture
def keep_test_connection():
    """Calls go straight to the WSGI app, which closes database connections after each request
    (as Django's test client prevents): keep the test's transaction open across calls."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_responses_match_the_schema(case, token, keep_test_connection):
    # What the API promises: no 5xx, and every status, content type, header and body as documented.
    # (Refusing a well-formed upload whose bytes are not media is a 422 by design, so the checks
    # that judge whether data "should" have been accepted or rejected do not apply.)
    case.call_and_validate(
        headers={"Authorization": f"Token {token}"},
        checks=[
            checks.not_a_server_error,
            checks.status_code_conformance,
            checks.content_type_conformance,
            checks.response_headers_conformance,
            checks.response_schema_conformance,
        ],
    )
