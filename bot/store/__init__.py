"""The review store: every line of SQL in the project lives in this package.

:class:`Store` is the one object the rest of the bot holds. It is composed of
one class per concern, each in its own module:

- ``db``: connections, the one-writer transaction, backup, integrity check;
- ``migrate``: the schema migration runner over ``migrations/*.sql``;
- ``schema``: the ``reviews`` columns, derived from :class:`~bot.models.Review`;
- ``filters``: the WHERE clause for filters and the term rows it reads;
- ``reviews`` / ``writes``: reading and changing reviews (with the audit log);
- ``insights``: stats, related reviews, autocomplete labels;
- ``picks``: random picks that do not repeat in a channel;
- ``guild``: per-guild misses and moderator role;
- ``imports``: bulk import in short transactions, all or nothing through a journal;
- ``identity``: which stored review an incoming one is a copy of;
- ``changes``: the change feed other processes' writes reach the catalog through.
"""

from __future__ import annotations

import asyncio
import random
from functools import partial
from pathlib import Path

from bot.models import CONTENT_FIELDS, TitleEntry
from bot.store.changes import SqliteChangeFeed
from bot.store.db import Database
from bot.store.errors import CatalogBusy, DuplicateReview, ReviewNotFound, StoreError
from bot.store.filters import GenreBits, fold
from bot.store.guild import GuildState
from bot.store.imports import ImportRunning, recover_file
from bot.store.insights import Insights
from bot.store.migrate import LATEST_VERSION, MIGRATIONS, migrate
from bot.store.picks import Picks
from bot.store.schema import GLOBAL_SCOPE
from bot.store.writes import ReviewWrites


class Store(ReviewWrites, Insights, Picks, GuildState):
    """Async access to the review catalog. Create with :meth:`open`."""

    def __init__(self, db: Database, genres: GenreBits) -> None:
        self._db = db
        self._genres = genres
        self._random = random.Random()
        db.on_rollback(partial(genres.reload, db))

    @classmethod
    async def open(cls, path: Path | str) -> Store:
        """Open (creating and migrating if needed) the database at ``path``."""
        db = await Database.open(Path(path))
        try:
            # An import whose process died half-way is taken back before anyone reads.
            if await db.fetchone("SELECT 1 FROM imports WHERE state = 'applying' LIMIT 1"):
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

    async def change_feed(self) -> SqliteChangeFeed:
        """A feed of every change committed from now on, by any process."""
        return SqliteChangeFeed(self._db, await SqliteChangeFeed.position(self._db))

    @property
    def path(self) -> Path:
        return self._db.path

    async def close(self) -> None:
        await self._db.close()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def backup(self, destination: Path | str) -> None:
        """A consistent copy via SQLite's online backup, safe while writes go on."""
        await self._db.backup(Path(destination))

    async def integrity_check(self) -> str:
        return await self._db.integrity_check()

    async def schema_version(self) -> int:
        return await self._db.schema_version()


__all__ = [
    "CONTENT_FIELDS",
    "GLOBAL_SCOPE",
    "LATEST_VERSION",
    "MIGRATIONS",
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
