"""System checks of the model registry."""

from django.core.checks import Warning, register
from django.db.utils import DatabaseError


@register("dam", "database")
def model_weights_check(app_configs=None, databases=None, **kwargs):
    """Model versions whose weights are missing or changed (searches and embedding would fail)."""
    if not databases:
        return []
    from embeddings.models import ModelVersion
    from embeddings.registry import model_version_verify

    problems = []
    try:
        versions = list(ModelVersion.objects.exclude(status=ModelVersion.Status.RETIRED))
    except DatabaseError:  # not migrated yet
        return []
    for version in versions:
        problem = model_version_verify(version)
        if problem:
            problems.append(
                Warning(
                    f"Model version {version}: {problem}.",
                    id="embeddings.W001",
                    hint="Run `python manage.py models verify` for the full list.",
                )
            )
    return problems
