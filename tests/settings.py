"""Settings for the test suite: dam's settings with the state (embedded PostgreSQL, stored
files, broker folder) kept apart from the demo's, under var/test."""

import os
from pathlib import Path

os.environ.setdefault("DAM_STATE_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test"))
# Under pytest-xdist (`-n 2`) each test process keeps its own state in a folder of its own: its
# own database server, stored files and broker folder (the suite purges the broker folder, and
# the worker processes a test starts consume from it). Processes a test starts inherit the folder.
_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _xdist_worker and os.environ.get("DAM_TEST_STATE_WORKER") != _xdist_worker:
    os.environ["DAM_STATE_DIR"] = str(Path(os.environ["DAM_STATE_DIR"]) / _xdist_worker)
    os.environ["DAM_TEST_STATE_WORKER"] = _xdist_worker
# The suite makes many requests from one process; throttling has a test of its own.
os.environ.setdefault("DAM_THROTTLE_ANON", "100000/min")
os.environ.setdefault("DAM_THROTTLE_USER", "100000/min")
# Worker and server processes the tests start load models on first use, unless a test asks.
os.environ.setdefault("DAM_PRELOAD_MODELS", "false")
# No hub is reachable from the tests: downloads are tested against a loopback stand-in.
os.environ.setdefault("DAM_MODEL_DOWNLOADS", "false")

from dam.settings import *  # noqa: E402,F403
