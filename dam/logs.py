"""Structured logs: with ``DAM_LOG_FORMAT=json`` every line is one JSON object, and every line
written while dam works on an asset carries its ``asset_id``, and inside a Celery task its
``task_id`` and task name, so one asset's story can be followed across web and workers."""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
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


class ContextFilter(logging.Filter):
    """Adds ``asset_id`` (from ``asset_logging`` or ``extra``) and the current Celery task."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "asset_id", None) is None:
            record.asset_id = _asset_id.get()
        if getattr(record, "task_id", None) is None:
            record.task_id, record.task_name = None, None
            try:
                from celery import current_task

                request = current_task.request if current_task else None
                if request is not None and request.id:
                    record.task_id, record.task_name = request.id, current_task.name
            except Exception:  # noqa: BLE001 - logging must never fail
                pass
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        for name in ("asset_id", "task_id", "task_name"):
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class PlainFormatter(logging.Formatter):
    """The readable default, with the asset and task appended when there are any."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        context = [f"{name}={getattr(record, name)}" for name in ("asset_id", "task_id") if getattr(record, name, None)]
        return f"{text} [{' '.join(context)}]" if context else text
