"""The end-to-end fixtures (a real bot on the loopback Discord), shared with tests/e2e."""

from tests.e2e.conftest import catalog_store, run, settings  # noqa: F401
