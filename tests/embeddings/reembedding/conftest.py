"""Helpers of the re-embedding tests: a library of assets with distinct titles, the asset_text
version in use and a new one, and a backfill run in the test's own process."""

from assets.models import Asset
from benchmarks.synthetic import synthetic_assets_create
from embeddings.defaults import ASSET_TEXT, default_models_register
from embeddings.models import Migration, Role
from embeddings.reembedding import states
from embeddings.registry import model_version_register

SUBJECTS = ["harbour with sailing boats", "snowy mountain summit", "city traffic at night", "forest in autumn"]


def library(count: int = 40) -> list[str]:
    """Assets with distinct titles (the asset_text role embeds their metadata)."""
    synthetic_assets_create(count, prefix="migration")
    ids = list(Asset.objects.order_by("pk").values_list("pk", flat=True))
    for number, asset_id in enumerate(ids):
        Asset.objects.filter(pk=asset_id).update(title=f"{SUBJECTS[number % len(SUBJECTS)]} number {number}")
    return ids


def versions():
    """The active asset_text version, and a new one: the same weights with another preprocessing,
    which is a new model version (as a vendor's preprocessor change would be)."""
    default_models_register()
    old = Role.objects.get(name="asset_text").model_version
    new, _ = model_version_register(
        {**ASSET_TEXT, "preprocessing": {**ASSET_TEXT["preprocessing"], "max_seq_length": 128}}
    )
    return old, new


def backfill_here(migration: Migration) -> None:
    for batch_id in migration.batches.order_by("number").values_list("pk", flat=True):
        states.migration_batch_run(batch_id)
