"""Fixtures shared by every test layer."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.models import Review
from bot.store import MIGRATIONS, Store


def make_review(title: str = "Heat", year: int = 1995, **fields: Any) -> Review:
    """A valid review with sensible defaults; override any field."""
    defaults: dict[str, Any] = {
        "directors": ("Michael Mann",),
        "cast": ("Al Pacino", "Robert De Niro"),
        "runtime": 170,
        "score": 9.0,
        "verdict": "Masterpiece",
        "verdict_text": "A crime epic about two lonely professionals.",
        "genres": ("Crime", "Thriller"),
    }
    return Review(title=title, year=year, **{**defaults, **fields})


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(tmp_path / "reviews.db")
    yield opened
    await opened.close()


def make_old_database(path: Path, version: int) -> Path:
    """A file at schema ``version`` holding one review, as an older reviewbot left it."""
    db = sqlite3.connect(path)
    try:
        for migration in MIGRATIONS:
            if migration.version <= version:
                db.executescript(migration.sql)
        db.execute(f"PRAGMA user_version = {version}")
        db.execute(
            "INSERT INTO reviews (scope, title, title_key, year, created_at, updated_at) "
            "VALUES (0, 'Heat', 'heat', 1995, 'then', 'then')"
        )
        db.commit()
    finally:
        db.close()
    return path
