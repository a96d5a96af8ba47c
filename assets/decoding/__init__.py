"""Decoding media for everything that needs pixels or samples: validation at ingest, thumbnails,
embeddings. One place decides how each format is decoded and what counts as damage."""
