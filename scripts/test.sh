#!/usr/bin/env bash
# Everything from a fresh clone: set-up, then the whole test suite on real parts
# (embedded PostgreSQL with pgvector, ExifTool, a real Celery worker).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# The browser test drives Debian's Chromium (never a browser downloaded by Playwright); the
# transcript test speaks with espeak-ng; the crash test kills a worker fed by a real Redis.
DAM_EXTRAS="${DAM_EXTRAS:-dev,ml}" \
  DAM_SYSTEM_PACKAGES="${DAM_SYSTEM_PACKAGES:-chromium espeak-ng redis-server}" bash scripts/setup.sh
"${DAM_VENV:-.venv}/bin/ruff" check --quiet dam assets embeddings tests benchmarks
# Two test processes (pytest-xdist), each with its own database, files and broker (tests/settings.py);
# a module's tests stay together in one process. DAM_TEST_PROCESSES=0 runs them in this one.
exec "${DAM_VENV:-.venv}/bin/python" -m pytest -n "${DAM_TEST_PROCESSES:-2}" --dist loadfile "$@"
