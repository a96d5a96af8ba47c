"""The controlled vocabulary at work: keywords normalised to their terms' preferred labels.

A keyword, read from a file or typed by a librarian, is matched case- and whitespace-insensitively
against every term's preferred label and aliases. A match becomes the term's preferred label; an
unknown keyword is kept as it is and counts as *unmapped* until a term claims it.
"""

from __future__ import annotations

from assets.models import Term, keyword_key, keyword_key_sql


def terms_for(keywords: list[str]) -> dict[str, Term]:
    """Vocabulary terms for keywords, by their keyword_key (one query)."""
    keys = {keyword_key(keyword) for keyword in keywords if keyword}
    if not keys:
        return {}
    found: dict[str, Term] = {}
    for term in Term.objects.filter(match_keys__overlap=list(keys)).order_by("id"):
        for key in keys & set(term.match_keys):
            found.setdefault(key, term)
    return found


def keywords_normalize(keywords: list[str], terms: dict[str, Term] | None = None) -> list[str]:
    """Preferred labels for known keywords, unknown ones as typed; no repeats (any case)."""
    terms = terms if terms is not None else terms_for(keywords)
    labels: list[str] = []
    seen: set[str] = set()
    for keyword in keywords:
        term = terms.get(keyword_key(keyword))
        label = term.preferred_label if term else " ".join(keyword.split())
        if label and keyword_key(label) not in seen:
            seen.add(keyword_key(label))
            labels.append(label)
    return labels


def keywords_unmapped(keywords: list[str], terms: dict[str, Term] | None = None) -> list[str]:
    """The keywords no term claims."""
    terms = terms if terms is not None else terms_for(keywords)
    return [keyword for keyword in keywords if keyword_key(keyword) not in terms]


def terms_merge(source: Term, target: Term, user) -> int:
    """Merge ``source`` into ``target``: every asset keyword ``source`` claims becomes ``target``'s
    preferred label (one audited change per asset, written back into its file), ``source``'s label
    and aliases become aliases of ``target``, its narrower terms move under ``target``, and
    ``source`` is deleted. Returns the number of assets rewritten."""
    from django.db import transaction
    from django.db.models import BooleanField
    from django.db.models.expressions import RawSQL

    from assets.editing import asset_metadata_update
    from assets.models import Asset, MetadataChange

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
