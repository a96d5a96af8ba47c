"""The daily job of re-embedding: migrations planned (and started, where configured) for roles
whose model is about to be deprecated, alerts where no successor is registered, and old vectors
retired once a cutover's retention period is over."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from embeddings.models import Migration, ModelAlert, Role
from embeddings.reembedding.states import State, migration_plan, migration_retire, migration_start
from embeddings.roles import ROLES


def retention_expired_retire() -> list[Migration]:
    """Cut-over migrations whose retention period has passed: the old vectors go."""
    retired = []
    for migration in Migration.objects.filter(state=State.CUT_OVER, retire_after__lte=timezone.now()):
        retired.append(migration_retire(migration, reason="retention period over"))
    return retired


def deprecations_check(today=None) -> list[Migration]:
    """The daily job. Roles whose active version is within ``DAM_DEPRECATION_WARNING_DAYS`` of its
    deprecation date: with a successor registered, a migration is planned (and started when
    ``DAM_MIGRATION_AUTO_START``); without one, an alert is recorded for a person. Migrations cut
    over longer ago than the retention period are retired."""
    retention_expired_retire()
    today = today or timezone.localdate()
    horizon = today + timedelta(days=settings.DAM_DEPRECATION_WARNING_DAYS)
    planned = []
    # Only dam's roles (a row under another name has nothing to re-embed).
    for role in Role.objects.filter(name__in=ROLES).select_related("model_version__successor"):
        version = role.model_version
        if not version.deprecation_date or version.deprecation_date > horizon:
            continue
        if Migration.objects.filter(role=role.name, state__in=Migration.OPEN).exists():
            continue
        if version.successor is None:
            message = (
                f"{version} ({role.name}) is deprecated on {version.deprecation_date:%Y-%m-%d} and has no successor: "
                "register the replacement and set it as this version's successor"
            )
            ModelAlert.objects.get_or_create(
                role=role.name, version=version, resolved_at=None, defaults={"message": message}
            )
            continue
        migration = migration_plan(
            role.name, version.successor, reason=f"deprecation on {version.deprecation_date:%Y-%m-%d}"
        )
        ModelAlert.objects.filter(role=role.name, version=version, resolved_at=None).update(resolved_at=timezone.now())
        if settings.DAM_MIGRATION_AUTO_START:
            migration = migration_start(migration, reason="started by the deprecation schedule")
        planned.append(migration)
    return planned
