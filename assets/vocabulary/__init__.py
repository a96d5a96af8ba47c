"""The controlled vocabulary: terms, the keywords they normalise, their files, and the report on drift.

- ``keywords``: keywords matched to terms and normalised to preferred labels (the low level that ingest and
  editing call; it imports only the models).
- ``merge``: ``terms_merge``, a service that rewrites assets through ``assets.editing``.
- ``importing``: what the CSV and SKOS formats share: checking values, planning an import against the terms dam
  has, finding duplicates and loops, writing all or nothing, and the order exports write.
- ``csv_format``: ``vocabulary_import_csv`` and ``vocabulary_export_csv``.
- ``skos``: ``vocabulary_import_skos`` and ``vocabulary_export_skos`` (SKOS in JSON-LD).
- ``report``: the vocabulary report (unmapped keywords, ambiguous or near-duplicate terms, gaps).

Import from the module that does the work; this package re-exports nothing, so that the low level never
drags in the services above it.
"""
