"""Every /api/ path answers errors in JSON, DEBUG on or off: paths no view answers, methods a
view does not take, a refused host, a body too large, and an exception no view handled (Django's
HTML pages, also the DEBUG ones, before)."""

import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.assets.hostile_urls")]


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


@pytest.fixture
def client(django_user_model):
    user = django_user_model.objects.create_user("errors", password="x")
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def json_error(response, status: int, *words) -> str:
    assert response.status_code == status, (response.status_code, response.content[:200])
    assert response["Content-Type"].split(";")[0] == "application/json", response.content[:200]
    error = response.json()["error"]
    for word in words:
        assert word in error, error
    return error


@pytest.mark.parametrize("accept", ["*/*", "text/html", "application/json"])
@pytest.mark.parametrize("path", ["/api/nothing-here/", "/api/assets/x/y/z/", "/api/feed.jsonld/extra"])
def test_paths_no_view_answers_are_json_404(debug, client, path, accept):
    json_error(client.get(path, HTTP_ACCEPT=accept), 404, path)


def test_paths_outside_the_api_keep_django_pages(debug, client):
    response = client.get("/not-the-api/")
    assert response.status_code == 404 and "json" not in response["Content-Type"]


@pytest.mark.parametrize("method", ["delete", "put"])
def test_methods_a_view_does_not_take_are_json_405(debug, client, method):
    response = getattr(client, method)("/api/assets/")
    json_error(response, 405, method.upper())
    assert "GET" in response["Allow"]


@pytest.mark.parametrize("path", ["/api/test-failing-plain/", "/api/test-failing-drf/"])
def test_an_unhandled_exception_is_json_500_and_logged(debug, client, path, caplog):
    error = json_error(client.get(path, HTTP_ACCEPT="text/html"), 500, "internal error")
    assert "a bug" not in error  # nothing of the code's inside reaches the caller
    assert any(record.levelname == "ERROR" and path in record.getMessage() for record in caplog.records)


def test_a_refused_host_is_json_400(debug):
    json_error(Client(HTTP_HOST="evil.example").get("/api/assets/"), 400, "malformed")


def test_a_body_larger_than_django_reads_is_json(debug, client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    response = client.post("/api/search/", "x=" + "y" * 5_000, content_type="application/x-www-form-urlencoded")
    assert 400 <= response.status_code < 500
    assert response["Content-Type"].split(";")[0] == "application/json" and response.json()["error"]


def test_unauthenticated_api_calls_are_json(debug):
    json_error(Client().get("/api/assets/"), 401, "credentials")
