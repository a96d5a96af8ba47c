"""One production-shaped topology (tests/topology/harness.py) for every test in this package."""

from tests.topology.harness import topology  # noqa: F401 - the fixture
