"""Merging two vocabulary terms into one: a service that rewrites every asset using the merged term.

Each rewritten asset goes through ``asset_metadata_update``, so a merge is audited and written back into the
files like any other edit.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

from assets.editing import asset_metadata_update
from assets.models import Asset, MetadataChange, Term, keyword_key, keyword_key_sql


def terms_merge(source: Term, target: Term, user) -> int:
    """Merge ``source`` into ``target``: every asset keyword ``source`` claims becomes ``target``'s
    preferred label (one audited change per asset, written back into its file), ``source``'s label
    and aliases become aliases of ``target``, its narrower terms move under ``target``, and
    ``source`` is deleted. Returns the number of assets rewritten."""
    if source.pk == target.pk:
        raise ValueError("a term cannot be merged into itself")
    claimed = set(source.match_keys)
    uses = RawSQL(
        f"EXISTS (SELECT 1 FROM unnest(assets_asset.keywords) AS k WHERE {keyword_key_sql('k')} = ANY(%s))",
        [list(claimed)],
        output_field=BooleanField(),
    )
    with transaction.atomic():
        target.aliases = sorted(
            {*target.aliases, source.preferred_label, *source.aliases} - {target.preferred_label}, key=str.casefold
        )
        source.narrower.update(broader=target)
        source.delete()
        target.save()
        rewritten = 0
        for asset in Asset.objects.alias(uses_source=uses).filter(uses_source=True).order_by("pk"):
            keywords = [target.preferred_label if keyword_key(k) in claimed else k for k in asset.keywords]
            note = f"vocabulary: {source.preferred_label} merged into {target.preferred_label}"
            if asset_metadata_update(asset, {"keywords": keywords}, user, MetadataChange.Source.VOCABULARY, note=note):
                rewritten += 1
    return rewritten
