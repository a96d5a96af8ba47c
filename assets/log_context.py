"""Which asset the code running now works on, for the log lines it writes.

Apps mark the work (``asset_logging``); the project's log filter (``dam.logs.ContextFilter``)
reads the mark (``logged_asset_id``) and puts it on every line. A context variable, so threads and
asyncio tasks each keep their own.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

_asset_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("dam_asset_id", default=None)


@contextlib.contextmanager
def asset_logging(asset_id: str | None) -> Iterator[None]:
    """Lines logged inside carry ``asset_id`` (nested uses: the innermost wins)."""
    token = _asset_id.set(asset_id)
    try:
        yield
    finally:
        _asset_id.reset(token)


def logged_asset_id() -> str | None:
    """The asset of the innermost ``asset_logging`` around the caller, or None."""
    return _asset_id.get()
