"""The controlled vocabulary: terms, the keywords they normalise, and the report on where metadata drifts.

- ``keywords``: keywords matched to terms and normalised to preferred labels (the low level that ingest and
  editing call; it imports only the models).
- ``merge``: ``terms_merge``, a service that rewrites assets through ``assets.editing``.
- ``report``: the vocabulary report (unmapped keywords, ambiguous or near-duplicate terms, gaps).

Import from the module that does the work; this package re-exports nothing, so that the low level never
drags in the services above it.
"""
