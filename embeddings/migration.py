"""Re-embedding migrations: a role's assets re-embedded with a new model version, in stages,
while search keeps serving the old one.

The state machine, stored on ``Migration``::

    planned → backfilling → validating → ready → cut_over → retired
                  ↕ paused                  ↘ rolled_back (from any open state; after cutover the
                                               role switches back, the old vectors being retained)
    failed: from backfilling, validating or paused, when something outside dam stops it

Each transition is one function below, made in one transaction, audited (who, when, why) and
refused with a plain message from a state where it makes no sense. Backfill batches are rows:
a killed worker, a restarted service or a paused migration continues where it stopped, and the
upsert key (asset, version, segment) means a batch done twice writes nothing twice.
"""

from __future__ import annotations

import logging
import statistics
from datetime import timedelta

import numpy
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from assets.models import Asset
from embeddings.models import Embedding, Migration, MigrationBatch, MigrationEvent, MigrationFailure, ModelVersion, Role
from embeddings.registry import role_activate

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


def _event(migration: Migration, from_state: str, to_state: str, user=None, reason: str = "") -> None:
    """One line of the audit trail (the user only when a person made the change)."""
    MigrationEvent.objects.create(
        migration=migration,
        from_state=from_state,
        to_state=to_state,
        user=user if user is not None and user.is_authenticated else None,
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
    role = Role.objects.select_related("model_version").filter(name=role_name).first()
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
    from embeddings.pipeline import embed_assets

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


# --- validation ---------------------------------------------------------------------------------


def _norms(version: ModelVersion) -> list[float]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT vector_norm(embedding::vector) FROM embeddings_embedding WHERE model_version_id = %s",
            [version.pk],
        )
        return [row[0] for row in cursor.fetchall()]


def _first_vectors(version: ModelVersion, asset_ids: list[str]) -> dict[str, list[float]]:
    rows = (
        Embedding.objects.filter(model_version=version, asset_id__in=asset_ids)
        .order_by("asset_id", "segment_start_ms")
        .distinct("asset_id")
        .values_list("asset_id", "embedding")
    )
    return {asset_id: list(vector) for asset_id, vector in rows}


def _neighbour_overlap(migration: Migration, sample: list[str]) -> list[float]:
    """Per sampled asset: the share of its 10 nearest assets by the old version that are also among
    its 10 nearest by the new one (each version queried with the asset's own vector)."""
    from embeddings.storage import nearest

    old, new = _first_vectors(migration.from_version, sample), _first_vectors(migration.to_version, sample)
    overlaps = []
    for asset_id in sample:
        if asset_id not in old or asset_id not in new:
            continue
        neighbours = []
        for version, vector in ((migration.from_version, old[asset_id]), (migration.to_version, new[asset_id])):
            found = [n.asset_id for n in nearest(version, vector, 40)]
            ordered = [a for i, a in enumerate(found) if a != asset_id and a not in found[:i]]
            neighbours.append(set(ordered[:10]))
        if neighbours[0]:
            overlaps.append(len(neighbours[0] & neighbours[1]) / len(neighbours[0]))
    return overlaps


def _query_set_recall(migration: Migration) -> dict | None:
    """recall@10 of both versions on the configured query set (texts with expected assets)."""
    import json
    from pathlib import Path

    from embeddings.encoders import encoder_for
    from embeddings.storage import nearest

    if not settings.DAM_MIGRATION_QUERY_SET:
        return None
    queries = json.loads(Path(settings.DAM_MIGRATION_QUERY_SET).read_text())
    recall = {}
    for name, version in (("old", migration.from_version), ("new", migration.to_version)):
        scores = []
        for query in queries:
            vector = encoder_for(version).embed_texts([query["text"]])[0].tolist()
            found = {n.asset_id for n in nearest(version, vector, 40)}
            expected = set(query["expected"])
            scores.append(len(found & expected) / min(len(expected), 10) if expected else 1.0)
        recall[name] = statistics.mean(scores) if scores else 0.0
    return recall


def migration_validate(migration: Migration, user=None) -> Migration:
    """Measure the new vectors, store the figures, and move to ``ready`` when they pass."""
    migration.refresh_from_db()
    if migration.state not in ALLOWED["validate"]:
        raise MigrationError(f"cannot validate migration {migration.pk}: it is {migration.state}")
    covered = list(_covered_assets(migration))
    new_assets = set(
        Embedding.objects.filter(model_version=migration.to_version, asset_id__in=covered).values_list(
            "asset_id", flat=True
        )
    )
    failed = dict(migration.failures.values_list("asset_id", "reason"))
    accounted = sum(1 for asset_id in covered if asset_id in new_assets or asset_id in failed)
    old_norms, new_norms = _norms(migration.from_version), _norms(migration.to_version)
    generator = numpy.random.default_rng(migration.pk)
    sample = sorted(generator.choice(covered, size=min(len(covered), settings.DAM_MIGRATION_SAMPLE), replace=False))
    overlaps = _neighbour_overlap(migration, [str(a) for a in sample])
    recall = _query_set_recall(migration)
    figures = {
        "assets": len(covered),
        "with_new_vectors": len(new_assets),
        "failed": len(failed),
        "coverage": len(new_assets) / len(covered) if covered else 1.0,
        "accounted": accounted / len(covered) if covered else 1.0,
        "zero_or_nan_vectors": sum(1 for n in new_norms if not n or n != n),
        "norms": {
            name: {"mean": statistics.fmean(values), "stdev": statistics.pstdev(values), "sample": values[:2000]}
            for name, values in (("old", old_norms), ("new", new_norms))
            if values
        },
        "overlap_at_10": statistics.fmean(overlaps) if overlaps else None,
        "overlaps": overlaps,
        "query_set_recall_at_10": recall,
        "validated_at": timezone.now().isoformat(),
    }
    thresholds = {
        "min_coverage": settings.DAM_MIGRATION_MIN_COVERAGE,
        "min_overlap_at_10": settings.DAM_MIGRATION_MIN_OVERLAP,
        "max_recall_drop": settings.DAM_MIGRATION_MAX_RECALL_DROP,
    }
    problems = []
    if figures["coverage"] < thresholds["min_coverage"]:
        problems.append(
            f"coverage {figures['coverage']:.1%} is below {thresholds['min_coverage']:.0%} "
            f"({len(failed)} failed; retry them or force with a reason)"
        )
    if figures["zero_or_nan_vectors"]:
        problems.append(f"{figures['zero_or_nan_vectors']} new vectors are zero or NaN")
    if overlaps and figures["overlap_at_10"] < thresholds["min_overlap_at_10"]:
        problems.append(
            f"neighbourhood overlap@10 {figures['overlap_at_10']:.2f} is below {thresholds['min_overlap_at_10']:.2f}"
        )
    if recall and recall["new"] < recall["old"] - thresholds["max_recall_drop"]:
        problems.append(f"query-set recall@10 drops from {recall['old']:.2f} to {recall['new']:.2f}")
    figures.update(thresholds=thresholds, problems=problems, passed=not problems)
    Migration.objects.filter(pk=migration.pk).update(validation=figures)
    migration.refresh_from_db()
    if not problems and migration.state == State.VALIDATING:
        migration = _transition(migration, "ready", State.READY, user, "validation passed")
    return migration


def migration_force_ready(migration: Migration, user=None, reason: str = "") -> Migration:
    """Ready despite failing checks: a person takes responsibility, with a reason on record."""
    if not reason.strip():
        raise MigrationError("forcing a migration ready needs a reason")
    return _transition(migration, "ready", State.READY, user, f"forced: {reason}", forced_reason=reason)


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


# --- scheduling ---------------------------------------------------------------------------------


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
    from embeddings.models import ModelAlert

    retention_expired_retire()
    today = today or timezone.localdate()
    horizon = today + timedelta(days=settings.DAM_DEPRECATION_WARNING_DAYS)
    planned = []
    for role in Role.objects.select_related("model_version__successor"):
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
