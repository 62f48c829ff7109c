"""PostgreSQL's migration runner: the schema version lives in ``reviewbot_schema``.

The migrations are the numbered files in ``migrations/`` here, the twins of
SQLite's (see :mod:`bot.store.migrations`).
"""

from __future__ import annotations

import logging

import asyncpg

from bot.store.errors import StoreError
from bot.store.migrations import load_migrations, refuse_newer

log = logging.getLogger(__name__)

MIGRATIONS = load_migrations("bot.store.postgres")
# The pg_advisory_xact_lock key migrations take: one past the writers' (database.WRITE_LOCK).
MIGRATE_LOCK = 0x72657669657763


async def migrate(connection: asyncpg.Connection, location: str) -> int:
    """Bring the schema to the latest version; returns the version it started at.

    All steps run in one transaction (PostgreSQL's DDL is transactional), so a
    failure changes nothing, under an advisory lock so processes starting
    together migrate once.
    """
    async with connection.transaction():
        await connection.execute("SELECT pg_advisory_xact_lock($1)", MIGRATE_LOCK)
        await connection.execute(
            "CREATE TABLE IF NOT EXISTS reviewbot_schema (version INTEGER NOT NULL)"
        )
        start = await connection.fetchval("SELECT version FROM reviewbot_schema")
        if start is None:
            await connection.execute("INSERT INTO reviewbot_schema (version) VALUES (0)")
            start = 0
        refuse_newer(location, start, MIGRATIONS)
        for migration in MIGRATIONS:
            if migration.version <= start:
                continue
            try:
                await connection.execute(migration.sql)
            except asyncpg.PostgresError as error:
                raise StoreError(
                    f"{location}: migration {migration.version} ({migration.name}) failed: "
                    f"{error}; nothing was changed (still at version {start})"
                ) from error
            await connection.execute("UPDATE reviewbot_schema SET version = $1", migration.version)
            log.info("migrated %s to version %d (%s)", location, migration.version, migration.name)
    return int(start)
