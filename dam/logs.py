"""Structured logs: with ``DAM_LOG_FORMAT=json`` every line is one JSON object, and every line
written while dam works on an asset carries its ``asset_id``, and inside a Celery task its
``task_id`` and task name, so one asset's story can be followed across web and workers."""

from __future__ import annotations

import json
import logging

from assets.log_context import logged_asset_id


class ContextFilter(logging.Filter):
    """Adds ``asset_id`` (from ``assets.log_context.asset_logging`` or ``extra``) and the current Celery task."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "asset_id", None) is None:
            record.asset_id = logged_asset_id()
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
