"""The admin and the API show a migration's progress and validation, with the drift plot."""

import io

import pytest

from embeddings.models import Migration, Role
from embeddings.pipeline import embed_assets
from embeddings.reembedding import states, validation
from tests.embeddings.reembedding.conftest import backfill_here, library, versions

pytest.importorskip("sentence_transformers", reason="the ml extra is not installed")


@pytest.mark.django_db
def test_the_admin_and_the_api_show_progress_validation_and_the_drift_plot(client, django_user_model, api_client):
    ids = library(16)
    old, new = versions()
    embed_assets("asset_text", ids)
    migration = states.migration_start(states.migration_plan("asset_text", new))
    backfill_here(migration)
    migration = validation.migration_validate(Migration.objects.get(pk=migration.pk))
    client.force_login(django_user_model.objects.create_superuser("boss", "b@example.org", "x"))
    listing = client.get("/admin/embeddings/migration/").content.decode()
    assert '<progress value="16" max="16"' in listing and "Ready" in listing
    page = client.get(f"/admin/embeddings/migration/{migration.pk}/change/").content.decode()
    assert "Coverage" in page and "100.0% (16 of 16 assets)" in page and "Audit trail" in page
    assert f"/admin/embeddings/migration/{migration.pk}/drift.png" in page
    plot = client.get(f"/admin/embeddings/migration/{migration.pk}/drift.png")
    assert plot["Content-Type"] == "image/png" and plot.content.startswith(b"\x89PNG")
    from PIL import Image

    assert Image.open(io.BytesIO(plot.content)).size == (900, 340)
    response = client.post(
        "/admin/embeddings/migration/",
        {"action": "cutover", "_selected_action": [migration.pk], "index": 0},
        follow=True,
    )
    assert f"Migration {migration.pk}: cut_over" in response.content.decode()
    assert Role.objects.get(name="asset_text").model_version == new
    response = client.post(
        "/admin/embeddings/migration/",
        {"action": "resume", "_selected_action": [migration.pk], "index": 0},
        follow=True,
    )
    assert "Cannot resume migration" in response.content.decode()
    listed = api_client.get("/api/embedding-migrations/").json()["results"][0]
    assert (listed["state"], listed["progress"]["done"], listed["validation"]["passed"]) == ("cut_over", 16, True)
    assert [event["to_state"] for event in listed["events"]] == [
        "planned",
        "backfilling",
        "validating",
        "ready",
        "cut_over",
    ]
    assert api_client.post("/api/embedding-migrations/", {}).status_code == 405  # read-only
