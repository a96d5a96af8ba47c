"""What the benchmark commands share: work that is rolled back, scratch storage, medians."""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import transaction


class _Rollback(Exception):
    pass


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run the body in a transaction that is always rolled back: benchmarks leave nothing behind."""
    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass


def scratch_storages(folder: Path) -> dict:
    """STORAGES that keep stored files in ``folder`` (removed with it)."""
    return {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(folder)}},
        "staticfiles": settings.STORAGES["staticfiles"],
    }


def median_seconds(rounds: int, run: Callable[[], float]) -> float:
    """The median of ``rounds`` timings, after one warm-up run (models loaded, caches filled)."""
    run()
    return statistics.median(run() for _ in range(rounds))


def figures_json(figures: dict) -> str:
    return json.dumps(figures, indent=2)


def percentile_ms(seconds: list[float], percentile: int) -> float:
    """A percentile of timings in seconds, in milliseconds."""
    import numpy

    return float(numpy.percentile(numpy.array(seconds) * 1000, percentile))
