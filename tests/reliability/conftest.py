"""Fixtures for the reliability tests.

The end-to-end ones (a real bot on the loopback Discord) are shared with tests/e2e.
"""

from pathlib import Path

import pytest

from bot.catalog import Catalog
from tests.e2e.conftest import catalog_store, run, settings  # noqa: F401
from tests.e2e.test_moderation import served_attachments  # noqa: F401


@pytest.fixture
async def seeded(tmp_path: Path) -> Path:
    """A database file holding the starter catalog, closed again (for child processes)."""
    path = tmp_path / "reviews.db"
    catalog = await Catalog.open(path)
    await catalog.load_starter_if_empty()
    await catalog.close()
    return path
