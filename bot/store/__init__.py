"""The review store: every line of SQL in the project lives in this package.

:class:`Store` is the one object the rest of the bot holds. It is composed of
one class per concern, each in its own module:

- ``sql``: what the SQL needs from an engine (:class:`~bot.store.sql.Database`);
- ``db``: SQLite's connections, one-writer transaction, backup, integrity check;
- ``postgres``: PostgreSQL's pool, serialised writers, LISTEN/NOTIFY, migrations;
- ``migrate``: the schema migrations of both dialects, and SQLite's runner;
- ``schema``: the ``reviews`` columns, derived from :class:`~bot.models.Review`;
- ``filters``: the WHERE clause for filters and the term rows it reads;
- ``reviews`` / ``writes``: reading and changing reviews (with the audit log);
- ``insights``: stats, related reviews, autocomplete labels;
- ``picks``: random picks that do not repeat in a channel;
- ``search``: reviews found by their words (``search_fts5``/``search_tsvector`` per engine);
- ``guild``: per-guild misses and moderator role;
- ``imports``: bulk import in short transactions, all or nothing through a journal;
- ``identity``: which stored review an incoming one is a copy of;
- ``changes``: the change feed other processes' writes reach the catalog through.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
from functools import partial
from pathlib import Path
from typing import Any

import asyncpg

from bot.changes import ChangeFeed
from bot.models import CONTENT_FIELDS, TitleEntry
from bot.store.db import SqliteDatabase
from bot.store.errors import CatalogBusy, DuplicateReview, ReviewNotFound, StoreError
from bot.store.filters import GenreBits, fold
from bot.store.guild import GuildState
from bot.store.imports import ImportRunning, recover_file
from bot.store.insights import Insights
from bot.store.migrate import LATEST_VERSION, MIGRATIONS, POSTGRESQL_MIGRATIONS, migrate
from bot.store.postgres import DEFAULT_POOL_SIZE, PostgresDatabase, is_postgres_url
from bot.store.schema import GLOBAL_SCOPE
from bot.store.search import Search
from bot.store.sql import Database
from bot.store.transfer import TABLES, copy_catalog, table_rows
from bot.store.writes import ReviewWrites

# What a database may raise when it is briefly unreachable or busy: worth a retry.
DATABASE_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, asyncpg.PostgresError, OSError)


class Store(ReviewWrites, Insights, Search, GuildState):
    """Async access to the review catalog. Create with :meth:`open`."""

    def __init__(self, db: Database, genres: GenreBits) -> None:
        self._db = db
        self._genres = genres
        self._random = random.Random()
        db.on_rollback(partial(genres.reload, db))

    @classmethod
    async def open(cls, target: Path | str, *, pool_size: int = DEFAULT_POOL_SIZE) -> Store:
        """Open (creating and migrating if needed) the database at ``target``.

        A ``postgresql://`` URL selects PostgreSQL (with a pool of up to
        ``pool_size`` connections); anything else is a SQLite file path.
        """
        db: Database
        if is_postgres_url(target):
            db = await PostgresDatabase.open(str(target), pool_size=pool_size)
        else:
            db = await SqliteDatabase.open(Path(target))
        try:
            # An import whose process died half-way is taken back before anyone reads.
            if isinstance(db, SqliteDatabase) and await db.fetchone(
                "SELECT 1 FROM imports WHERE state = 'applying' LIMIT 1"
            ):
                await asyncio.to_thread(recover_file, db.path, db.origin)
            genres = GenreBits()
            await genres.reload(db)
        except BaseException:
            await db.close()
            raise
        return cls(db, genres)

    async def reload_caches(self) -> None:
        """Re-read what the store caches from the database (another process may have
        given a new genre its bit)."""
        await self._genres.reload(self._db)

    @property
    def path(self) -> Path:
        """The SQLite file (tools that work on the file itself need it)."""
        if not isinstance(self._db, SqliteDatabase):
            raise StoreError(f"{self.location} is not a SQLite file")
        return self._db.path

    @property
    def location(self) -> str:
        """The file path, or the URL without its password."""
        return self._db.location

    @property
    def dialect(self) -> str:
        return self._db.dialect.name

    async def change_feed(self) -> ChangeFeed:
        """A feed of every change committed from now on, by any process."""
        return await self._db.change_feed()

    async def close(self) -> None:
        await self._db.close()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def backup(self, destination: Path | str) -> None:
        """A consistent copy via SQLite's online backup, safe while writes go on."""
        if not isinstance(self._db, SqliteDatabase):
            raise StoreError(
                f"{self.location} is PostgreSQL: back it up with pg_dump (see docs/deploy.md)"
            )
        await self._db.backup(Path(destination))

    async def copy_to(self, target: Store) -> dict[str, int]:
        """Copy this whole catalog (audit log, settings, picks, misses) into the empty
        ``target``, ids and all; returns the rows copied per table."""
        copied = await copy_catalog(self._db, target._db)
        await target._genres.reload(target._db)
        return copied

    async def table_rows(self, table: str) -> list[tuple[Any, ...]]:
        """Every stored row of one table (see :data:`TABLES`), for comparing catalogs."""
        return await table_rows(self._db, table)

    async def integrity_check(self) -> str:
        return await self._db.integrity_check()

    async def schema_version(self) -> int:
        return await self._db.schema_version()


__all__ = [
    "CONTENT_FIELDS",
    "DATABASE_ERRORS",
    "DEFAULT_POOL_SIZE",
    "GLOBAL_SCOPE",
    "LATEST_VERSION",
    "MIGRATIONS",
    "POSTGRESQL_MIGRATIONS",
    "TABLES",
    "CatalogBusy",
    "DuplicateReview",
    "ImportRunning",
    "ReviewNotFound",
    "Store",
    "StoreError",
    "TitleEntry",
    "fold",
    "migrate",
]
