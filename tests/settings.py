"""Settings for the test suite: dam's settings with the state (embedded PostgreSQL, stored
files, broker folder) kept apart from the demo's, under var/test."""

import os
from pathlib import Path

os.environ.setdefault("DAM_STATE_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test"))

from dam.settings import *  # noqa: E402,F403
