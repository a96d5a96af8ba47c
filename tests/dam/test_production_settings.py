"""The production shape's settings: unsafe ones are flagged, API throttling answers 429."""

import subprocess
import sys

import pytest
from django.core.cache import cache

from tests.conftest import PROJECT_DIR


def deploy_check(env: dict) -> str:
    command = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "CRITICAL"]
    base = {"PATH": "/usr/bin:/bin", "DAM_STATE_DIR": str(PROJECT_DIR / "var" / "test")}
    done = subprocess.run(command, cwd=PROJECT_DIR, env={**base, **env}, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def test_check_deploy_flags_settings_that_suit_only_one_machine():
    out = deploy_check({"DATABASE_URL": "postgresql://dam@127.0.0.1:1/dam", "ALLOWED_HOSTS": "*", "DAM_DEBUG": "1"})
    for code in ("dam.W010", "dam.E011", "dam.W012", "dam.W013", "dam.W014", "dam.W016"):
        assert code in out, out
    ready = deploy_check(
        {
            "DATABASE_URL": "postgresql://dam@127.0.0.1:1/dam",
            "SECRET_KEY": "x" * 60,
            "ALLOWED_HOSTS": "dam.example.org",
            "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
            "DAM_STORAGE": "s3",
            "AWS_STORAGE_BUCKET_NAME": "dam-files",
            "DAM_CACHE_URL": "redis://127.0.0.1:6379/1",
        }
    )
    assert "dam.W" not in ready and "dam.E" not in ready, ready


def test_the_embedded_demo_is_not_nagged():
    assert "dam.W0" not in deploy_check({})


@pytest.mark.django_db
def test_api_throttling_answers_429_with_a_wait(api_client, monkeypatch):
    from rest_framework.throttling import UserRateThrottle

    cache.clear()
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/min", "anon": "3/min"})
    answers = [api_client.get("/api/assets/").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    response = api_client.get("/api/assets/")
    assert int(response["Retry-After"]) > 0
