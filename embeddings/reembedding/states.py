"""The state machine of re-embedding migrations, and their backfill: a role's assets re-embedded
with a new model version, in stages, while search keeps serving the old one.

The states, stored on ``Migration``::

    planned → backfilling → validating → ready → cut_over → retired
                  ↕ paused                  ↘ rolled_back (from any open state; after cutover the
                                               role switches back, the old vectors being retained)
    failed: from backfilling, validating or paused, when something outside dam stops it

Each transition is one function, made in one transaction, audited (who, when, why) and refused
with a plain message from a state where it makes no sense; the way to ``ready`` (validation
passed, or forced with a reason) is in ``embeddings.reembedding.validation``. Backfill batches
are rows: a killed worker, a restarted service or a paused migration continues where it stopped,
and the upsert key (asset, version, segment) means a batch done twice writes nothing twice.
"""

from __future__ import annotations

import getpass
import logging
import os
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from assets.models import Asset
from embeddings.models import Embedding, Migration, MigrationBatch, MigrationEvent, MigrationFailure, ModelVersion, Role
from embeddings.pipeline import embed_assets
from embeddings.registry import role_activate
from embeddings.roles import ROLES, role_active

logger = logging.getLogger(__name__)
State = Migration.State

# Where each transition may start from.
ALLOWED = {
    "start": {State.PLANNED},
    "pause": {State.BACKFILLING},
    "resume": {State.PAUSED},
    "validate": {State.VALIDATING, State.READY},
    "ready": {State.VALIDATING},
    "cutover": {State.READY},
    "backfilled": {State.BACKFILLING},
    "rollback": set(Migration.OPEN),
    "retire": {State.CUT_OVER},
    "fail": {State.BACKFILLING, State.PAUSED, State.VALIDATING},
}


class MigrationError(ValueError):
    """A transition that makes no sense now, or a plan dam cannot carry out; the message says why."""


def _transition(migration: Migration, action: str, to_state: str, user=None, reason: str = "", **fields) -> Migration:
    """Move ``migration`` to ``to_state`` if ``action`` is allowed from its current state (read
    under a row lock, so two people or workers cannot both make it), and record who and why."""
    with transaction.atomic():
        locked = Migration.objects.select_for_update().get(pk=migration.pk)
        if locked.state not in ALLOWED[action]:
            allowed = ", ".join(sorted(ALLOWED[action]))
            raise MigrationError(f"cannot {action} migration {locked.pk}: it is {locked.state} (only from {allowed})")
        _event(locked, locked.state, to_state, user, reason)
        locked.state = to_state
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save()
    migration.refresh_from_db()
    return migration


AUTOMATIC = "dam (automatic)"
# Who acts where no user is given: the management command sets "command line: <login>".
_actor: ContextVar[str] = ContextVar("migration_actor", default=AUTOMATIC)


@contextmanager
def acting_from_command_line():
    """Transitions made inside are audited as "command line: <the login running the command>"."""
    token = _actor.set(f"command line: {_login()}")
    try:
        yield
    finally:
        _actor.reset(token)


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        return f"uid {os.getuid()}"


def _event(migration: Migration, from_state: str, to_state: str, user=None, reason: str = "") -> None:
    """One line of the audit trail: the user when a person made the change in the admin or the
    API, and who acted in words (the user, the command line and its login, or dam itself)."""
    person = user if user is not None and user.is_authenticated else None
    MigrationEvent.objects.create(
        migration=migration,
        from_state=from_state,
        to_state=to_state,
        user=person,
        actor=person.get_username() if person else _actor.get(),
        reason=reason,
    )


def _covered_assets(migration: Migration):
    """The assets the migration must re-embed: those the old version has vectors for."""
    return (
        Asset.objects.filter(pk__in=Embedding.objects.filter(model_version=migration.from_version).values("asset_id"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def migration_plan(role_name: str, to_version: ModelVersion, user=None, reason: str = "") -> Migration:
    """Plan re-embedding the role's assets with ``to_version``; refused, with the reason, for a role
    dam does not know or that has no active version, a version the role already uses or that is
    retired or lacks a modality the role's version has, and while another migration of the role
    is open."""
    if role_name not in ROLES:
        raise MigrationError(f"no role {role_name!r} in dam: the roles are {', '.join(sorted(ROLES))}")
    role = role_active(role_name)
    if role is None:
        raise MigrationError(f"no role {role_name!r}: activate a version first (`manage.py models register --role`)")
    if role.model_version_id == to_version.pk:
        raise MigrationError(f"the {role_name!r} role already uses version {to_version.pk}")
    if to_version.status == ModelVersion.Status.RETIRED:
        raise MigrationError(f"version {to_version.pk} is retired")
    needed = set(role.model_version.modalities) - set(to_version.modalities)
    if needed:
        raise MigrationError(
            f"version {to_version.pk} does not embed {', '.join(sorted(needed))}, which the role needs"
        )
    if Migration.objects.filter(role=role_name, state__in=Migration.OPEN).exists():
        raise MigrationError(f"the {role_name!r} role already has a migration under way: finish or roll it back first")
    with transaction.atomic():
        migration = Migration.objects.create(
            role=role_name,
            from_version=role.model_version,
            to_version=to_version,
            source=settings.DAM_MIGRATION_SOURCE,
            batch_size=settings.DAM_MIGRATION_BATCH_SIZE,
        )
        _event(migration, "", State.PLANNED, user, reason)
    return migration


def migration_start(migration: Migration, user=None, reason: str = "") -> Migration:
    """Cut the assets into batches (recorded) and hand them to the workers."""
    with transaction.atomic():
        ids = list(_covered_assets(migration))
        size = max(int(migration.batch_size), 1)
        MigrationBatch.objects.bulk_create(
            [
                MigrationBatch(migration=migration, number=number, asset_ids=ids[start : start + size])
                for number, start in enumerate(range(0, len(ids), size))
            ]
        )
        migration = _transition(
            migration, "start", State.BACKFILLING, user, reason, total_assets=len(ids), started_at=timezone.now()
        )
        transaction.on_commit(lambda: _enqueue_pending(migration))
    if not ids:
        _backfill_finished(migration.pk)
    return migration


def _enqueue_pending(migration: Migration) -> int:
    from embeddings.tasks import migration_batch_task

    pending = list(migration.batches.filter(done=False).values_list("pk", flat=True))
    for batch_id in pending:
        migration_batch_task.delay(batch_id)
    return len(pending)


def migration_pause(migration: Migration, user=None, reason: str = "") -> Migration:
    """Workers finish the batch in hand; the rest wait (recorded as not done)."""
    return _transition(migration, "pause", State.PAUSED, user, reason, paused_from=migration.state)


def migration_resume(migration: Migration, user=None, reason: str = "") -> Migration:
    """Continue where it stopped: every batch not done is handed to the workers again (also the
    way to carry on after a restart that lost queued messages; done batches are skipped)."""
    migration = _transition(migration, "resume", State.BACKFILLING, user, reason, paused_from="")
    transaction.on_commit(lambda: _enqueue_pending(migration))
    return migration


def migration_kick(migration: Migration) -> int:
    """Re-enqueue the batches not done of a backfilling migration (safe to repeat: done batches
    and existing vectors are skipped or upserted)."""
    if migration.state != State.BACKFILLING:
        raise MigrationError(f"migration {migration.pk} is {migration.state}, not backfilling")
    return _enqueue_pending(migration)


def _embed_batch(migration: Migration, asset_ids: list[str]) -> dict[str, str]:
    """Embed the batch with the new version; returns {asset: why it failed}. One bad asset does
    not stop the others: a failing batch is retried asset by asset."""
    try:
        embed_assets(migration.role, asset_ids, version=migration.to_version, source=migration.source)
        return {}
    except Exception:  # noqa: BLE001 - the reasons are found asset by asset below
        logger.warning("migration %s: a batch failed; retrying its assets one by one", migration.pk)
    failures = {}
    for asset_id in asset_ids:
        try:
            embed_assets(migration.role, [asset_id], version=migration.to_version, source=migration.source)
        except Exception as error:  # noqa: BLE001 - recorded with its reason, shown to a person
            failures[asset_id] = f"{type(error).__name__}: {error}"
            logger.warning("migration %s: %s", migration.pk, failures[asset_id], extra={"asset_id": asset_id})
    return failures


def migration_batch_run(batch_id: int) -> None:
    batch = MigrationBatch.objects.select_related("migration__to_version").filter(pk=batch_id).first()
    if batch is None or batch.done or batch.migration.state != State.BACKFILLING:
        return  # done already, or paused/rolled back: a resume re-enqueues what is left
    migration = batch.migration
    MigrationBatch.objects.filter(pk=batch.pk).update(attempts=batch.attempts + 1)
    failures = _embed_batch(migration, list(batch.asset_ids))
    with transaction.atomic():
        locked = MigrationBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.done:
            return  # a duplicate delivery finished it first
        for asset_id, reason in failures.items():
            MigrationFailure.objects.update_or_create(
                migration=migration, asset_id=asset_id, defaults={"reason": reason}
            )
        MigrationFailure.objects.filter(migration=migration, asset_id__in=set(batch.asset_ids) - set(failures)).delete()
        locked.done, locked.finished_at = True, timezone.now()
        locked.save(update_fields=["done", "finished_at"])
        _counts_update(migration.pk, done_added=len(locked.asset_ids))
    if not MigrationBatch.objects.filter(migration=migration, done=False).exists():
        _backfill_finished(migration.pk)


def _counts_update(migration_id: int, done_added: int = 0) -> None:
    """Add a finished batch's assets to the done count (atomically: workers finish batches side by
    side) and recount the failures, which a batch or a retry may have added or cleared."""
    Migration.objects.filter(pk=migration_id).update(
        done_assets=F("done_assets") + done_added,
        failed_assets=MigrationFailure.objects.filter(migration_id=migration_id).count(),
    )


def _backfill_finished(migration_id: int) -> None:
    """Every batch done: on to validation (once, whichever worker gets here first)."""
    from embeddings.tasks import migration_validate_task

    try:
        _transition(
            Migration(pk=migration_id),
            "backfilled",
            State.VALIDATING,
            reason="backfill complete",
            backfilled_at=timezone.now(),
        )
    except MigrationError:
        return  # another worker got here first, or the migration was paused or rolled back meanwhile
    transaction.on_commit(lambda: migration_validate_task.delay(migration_id))


def migration_retry_failures(migration: Migration, user=None) -> int:
    """Embed the failed assets again (e.g. after fixing a file); returns how many still fail."""
    if migration.state not in (State.VALIDATING, State.READY, State.BACKFILLING, State.PAUSED):
        raise MigrationError(f"migration {migration.pk} is {migration.state}: nothing to retry")
    ids = list(migration.failures.values_list("asset_id", flat=True))
    failures = _embed_batch(migration, ids)
    with transaction.atomic():
        MigrationFailure.objects.filter(migration=migration, asset_id__in=set(ids) - set(failures)).delete()
        for asset_id, reason in failures.items():
            MigrationFailure.objects.update_or_create(
                migration=migration, asset_id=asset_id, defaults={"reason": reason}
            )
        _counts_update(migration.pk)
    return len(failures)


def migration_cutover(migration: Migration, user=None, reason: str = "") -> Migration:
    """Search switches to the new version in one transaction; a request that already read the
    role finishes on the old one, whose vectors stay until the migration is retired."""
    with transaction.atomic():
        migration = _transition(
            migration,
            "cutover",
            State.CUT_OVER,
            user,
            reason,
            cut_over_at=timezone.now(),
            retire_after=timezone.now() + timedelta(days=settings.DAM_MIGRATION_RETENTION_DAYS),
        )
        role_activate(migration.role, migration.to_version)
    return migration


def migration_rollback(migration: Migration, user=None, reason: str = "") -> Migration:
    """Back to the old version (in one transaction, if search had switched); the new vectors stay
    until the new version is removed, so nothing is lost either way."""
    with transaction.atomic():
        was_cut_over = migration.state == State.CUT_OVER
        migration = _transition(migration, "rollback", State.ROLLED_BACK, user, reason)
        if was_cut_over:
            role_activate(migration.role, migration.from_version)
    return migration


def migration_retire(migration: Migration, user=None, reason: str = "", force: bool = False) -> Migration:
    """After the retention period: the old version's vectors and index are dropped."""
    if not force and migration.retire_after and timezone.now() < migration.retire_after:
        raise MigrationError(
            f"the old vectors are kept until {migration.retire_after:%Y-%m-%d %H:%M} (retention); use --force to "
            "retire now"
        )
    with transaction.atomic():
        migration = _transition(migration, "retire", State.RETIRED, user, reason)
        old = migration.from_version
        if not Role.objects.filter(model_version=old).exists():
            Embedding.objects.filter(model_version=old).delete()
            with connection.cursor() as cursor:
                cursor.execute(f"DROP INDEX IF EXISTS {old.index_name}")
            ModelVersion.objects.filter(pk=old.pk).update(status=ModelVersion.Status.RETIRED)
    return migration


def migration_fail(migration: Migration, user=None, reason: str = "") -> Migration:
    return _transition(migration, "fail", State.FAILED, user, reason)


def migrations_embedding_new_assets() -> list[Migration]:
    """Migrations whose new version must also embed what is ingested or edited now."""
    return list(
        Migration.objects.filter(state__in=[State.BACKFILLING, State.PAUSED, State.VALIDATING, State.READY]).only(
            "role", "to_version_id"
        )
    )


def migration_progress(migration: Migration) -> dict:
    """Done/total, rate (assets per second since the start) and ETA, for the command and the admin."""
    done, total = migration.done_assets, migration.total_assets
    # Over the backfill so far, or over the whole backfill once it has ended.
    end = migration.backfilled_at or timezone.now()
    elapsed = (end - migration.started_at).total_seconds() if migration.started_at else 0
    rate = done / elapsed if elapsed > 0 else 0.0
    remaining = max(total - done, 0)
    return {
        "id": migration.pk,
        "role": migration.role,
        "state": migration.state,
        "from_version": migration.from_version_id,
        "to_version": migration.to_version_id,
        "done": done,
        "total": total,
        "failed": migration.failed_assets,
        "rate_per_second": round(rate, 3),
        "eta_seconds": round(remaining / rate) if rate > 0 and migration.state == State.BACKFILLING else None,
        "passed": migration.validation.get("passed"),
        "problems": migration.validation.get("problems", []),
    }
