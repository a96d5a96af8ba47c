"""The controlled vocabulary at work: keywords normalised to their terms' preferred labels.

A keyword, read from a file or typed by a librarian, is matched case- and whitespace-insensitively
against every term's preferred label and aliases. A match becomes the term's preferred label; an
unknown keyword is kept as it is and counts as *unmapped* until a term claims it.

The low level of the vocabulary: ingest and editing call it, and it imports nothing but the models.
"""

from __future__ import annotations

from django.db.models import Value

from assets.models import Term, keyword_key


def terms_for(keywords: list[str]) -> dict[str, Term]:
    """Vocabulary terms for keywords, by their keyword_key (one query)."""
    keys = {keyword_key(keyword) for keyword in keywords if keyword}
    if not keys:
        return {}
    found: dict[str, Term] = {}
    # One array parameter: a plain list becomes ARRAY[%s, %s, ...], one compiled expression per
    # keyword, which took seconds for an asset with 50,000 keywords (on every feed page holding it).
    wanted = Value(sorted(keys), output_field=Term._meta.get_field("match_keys"))
    for term in Term.objects.filter(match_keys__overlap=wanted).order_by("id"):
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


def term_from_keyword_create(keyword: str, language: str = "en") -> tuple[Term, bool]:
    """A term whose preferred label is the keyword (spaces tidied), so the assets that carry it
    count as mapped; returns ``(term, created)``: the term already claiming it, if one does."""
    label = " ".join(keyword.split())
    if not label:
        raise ValueError("an empty keyword cannot become a term")
    existing = terms_for([label]).get(keyword_key(label))
    if existing is not None:
        return existing, False
    term = Term(preferred_label=label[:200], language=language)
    term.save()
    return term, True
