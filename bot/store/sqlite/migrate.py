"""SQLite's migration runner: the schema version lives in ``user_version``.

An existing database is backed up beside itself before any step runs, so a failed
migration never costs data. The migrations themselves are the numbered files in
``migrations/`` here (see :mod:`bot.store.migrations`).
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import aiosqlite

from bot.models import film_key, identity_key
from bot.store.errors import StoreError
from bot.store.migrations import Migration, load_migrations, refuse_newer

log = logging.getLogger(__name__)

MIGRATIONS = load_migrations("bot.store.sqlite")


async def migrate(db: aiosqlite.Connection, path: Path) -> int:
    """Apply the pending :data:`MIGRATIONS`; returns the version the file was at."""
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    start = int(row[0]) if row else 0
    refuse_newer(str(path), start, MIGRATIONS)
    pending = [migration for migration in MIGRATIONS if migration.version > start]
    if not pending:
        return start
    backup_path = path.with_name(f"{path.name}.v{start}.bak")
    if start > 0:
        target = await aiosqlite.connect(backup_path)
        try:
            await db.backup(target)
        finally:
            await target.close()
        log.info("backed up %s to %s before migrating", path, backup_path)
    # Migrations compute keys with the same functions the store writes them with.
    await db.create_function("review_identity", 3, identity_key, deterministic=True)
    await db.create_function("review_film", 2, film_key, deterministic=True)
    # A table rebuild must not cascade its DROP to the rows that reference it
    # (SQLite's documented procedure); ids are kept, so the references still hold.
    await db.execute("PRAGMA foreign_keys = OFF")
    try:
        await _apply(db, path, pending, start, backup_path)
    finally:
        await db.execute("PRAGMA foreign_keys = ON")
    return start


async def _apply(
    db: aiosqlite.Connection,
    path: Path,
    pending: list[Migration],
    start: int,
    backup_path: Path,
) -> None:
    reached = start
    for migration in pending:
        # executescript commits on its own, so the version bump rides inside the script.
        try:
            await db.executescript(
                f"BEGIN;\n{migration.sql}\nPRAGMA user_version = {migration.version};\nCOMMIT;"
            )
        except sqlite3.Error as error:
            if db.in_transaction:
                await db.execute("ROLLBACK")
            kept = f"; a copy from before is at {backup_path}" if start > 0 else ""
            raise StoreError(
                f"{path}: migration {migration.version} ({migration.name}) failed: {error}; "
                f"the database is left at version {reached}{kept}"
            ) from error
        reached = migration.version
        log.info("migrated %s to schema version %d (%s)", path, migration.version, migration.name)
