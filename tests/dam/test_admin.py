"""Periodic-task models are shown to superusers only, whatever permissions a staff user holds."""

import pytest
from django.contrib.auth.models import Permission

pytestmark = pytest.mark.django_db

PERIODIC_PAGES = ["periodictask", "crontabschedule", "clockedschedule", "solarschedule", "intervalschedule"]


def test_a_librarian_with_every_beat_permission_sees_no_periodic_tasks(client, librarian):
    librarian.user_permissions.add(*Permission.objects.filter(content_type__app_label="django_celery_beat"))
    client.force_login(librarian)
    index = client.get("/admin/").content.decode()
    assert "Periodic tasks" not in index and "Crontabs" not in index and "Solar events" not in index
    for name in PERIODIC_PAGES:
        assert client.get(f"/admin/django_celery_beat/{name}/").status_code in (403, 404)
    assert client.get("/admin/django_celery_beat/").status_code == 404


def test_a_superuser_still_manages_periodic_tasks(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.org", "pw"))
    assert "Crontabs" in client.get("/admin/").content.decode()
    for name in PERIODIC_PAGES:
        assert client.get(f"/admin/django_celery_beat/{name}/").status_code == 200
