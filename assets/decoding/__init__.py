"""Decoding media for everything that needs pixels or samples: validation at ingest, thumbnails,
embeddings. One place decides how each format is decoded and what counts as damage."""

from assets.decoding.budget import (  # noqa: E402
    DecodeBudgetExceeded,
    decode_budget_refusal,
    decode_bytes,
    smallest_decode,
)

__all__ = ["DecodeBudgetExceeded", "decode_budget_refusal", "decode_bytes", "smallest_decode"]
