#!/usr/bin/env bash
# Everything from a fresh clone: set-up, embedded PostgreSQL, a Celery worker, the sample media
# ingested, and the admin and API served on localhost. Ctrl-C stops it all.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
exec "${DAM_VENV:-.venv}/bin/python" manage.py demo "$@"
