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
    # Migrations name staff and count the whole library: not for every token.
    refused = api_client.get("/api/embedding-migrations/")
    assert refused.status_code == 403 and "embeddings.view_migration" in refused.json()["error"]
    from django.contrib.auth.models import Permission

    api_client.user.user_permissions.add(Permission.objects.get(codename="view_migration"))
    api_client.force_authenticate(django_user_model.objects.get(pk=api_client.user.pk))
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


def test_the_norm_axis_labels_do_not_run_into_each_other():
    """Normalised vectors' norms differ in the seventh decimal: the labels must still be apart."""
    import random
    import statistics
    from types import SimpleNamespace

    from embeddings.reembedding.drift import drift_figure

    generator = random.Random(7)
    norms = {name: [1 + generator.gauss(0, 4e-8) for _ in range(300)] for name in ("old", "new")}
    validation_figures = {
        "overlaps": [0.8, 0.9, 1.0] * 10,
        "overlap_at_10": 0.9,
        "norms": {
            name: {"mean": statistics.fmean(values), "stdev": statistics.pstdev(values), "sample": values}
            for name, values in norms.items()
        },
    }
    migration = SimpleNamespace(
        pk=1, role="asset_text", from_version_id=1, to_version_id=2, validation=validation_figures
    )
    figure = drift_figure(migration)
    figure.canvas.draw()
    for axes in figure.axes:
        boxes = [label.get_window_extent() for label in axes.get_xticklabels() if label.get_text()]
        assert len(boxes) >= 2
        assert all(left.x1 < right.x0 for left, right in zip(boxes, boxes[1:], strict=False)), [
            label.get_text() for label in axes.get_xticklabels()
        ]
        assert all(float(label.get_text()).is_integer() for label in axes.get_yticklabels() if label.get_text())
