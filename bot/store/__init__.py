"""The review store: every line of SQL in the project lives in this package.

:class:`Store` is the one object the catalog opens. It holds one
:class:`~bot.store.engine.Database`, and never asks which engine that is; what
concerns the database as a whole (open, close, the change feed, backup, copying,
integrity) is the store's own. Everything else is one of its parts, each a class with
one job over that same database (and the genre bits, for those that filter):

- ``store.reviews`` (:class:`~bot.store.reviews.ReviewReads`): reading reviews and
  their history;
- ``store.writes`` (:class:`~bot.store.writes.ReviewWrites`): changing them, audited;
- ``store.insights`` (:class:`~bot.store.insights.Insights`): stats, histograms,
  related reviews, autocomplete labels, the people lists;
- ``store.picks`` (:class:`~bot.store.picks.Picks`): random picks that do not repeat
  in a channel;
- ``store.search`` (:class:`~bot.store.search.Search`): reviews found by their words,
  each engine writing the query in its own syntax (``sqlite/search``, ``postgres/search``);
- ``store.guilds`` (:class:`~bot.store.guild.GuildState`): per-guild state (misses,
  moderator role, announcements, synced commands);
- ``store.requests`` (:class:`~bot.store.requests.RequestStore`): members' review
  requests, grouped into one entry per wanted film, and the moderators' queue actions.

Callers hold the parts they need, not the store. Engine-neutral modules here:

- ``engine``: the engine interface (:class:`~bot.store.engine.Database`,
  :class:`~bot.store.engine.Connection`); ``dialect``: the few spellings that differ;
- ``schema``: the ``reviews`` columns, derived from :class:`~bot.models.Review`;
- ``filters``: the WHERE clause for filters, the term rows and genre bits it reads;
- ``reviews`` / ``writes`` / ``insights`` / ``picks`` / ``search`` / ``guild`` / ``requests``:
  the parts above;
- ``identity``: which stored review an incoming one is a copy of;
- ``importing``: what a bulk import is on any engine (options, shared SQL);
- ``transfer``: copying a whole catalog between databases, row for row;
- ``migrations``: the numbered schema migrations, as every engine loads them;
- ``clock``: timestamps as stored; ``errors``: what the store raises.

Each engine is a package, with its migration SQL in ``migrations/`` beside it:

- ``sqlite``: ``database`` (the WAL file's writer and reader, one-writer transactions,
  backup, recovery on open), ``feed`` (the change feed: triggers into a table, read
  by cursor), ``imports`` (bulk import in short transactions, all or nothing through
  a journal), ``intent`` (short writers announce themselves, so an import lets them
  in first), ``migrate`` (the runner, backing the file up first), ``search`` (FTS5),
  ``dialect``;
- ``postgres``: ``database`` (a pool, writers serialised across processes),
  ``connection`` (``?`` placeholders as ``$N``, COPY), ``feed`` (LISTEN/NOTIFY),
  ``imports`` (COPY and set-based SQL in one transaction), ``migrate``, ``search``
  (tsvector), ``dialect``.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from bot.changes import ChangeFeed
from bot.store.engine import Database, QueryObserver
from bot.store.errors import (
    CatalogBusy,
    DuplicateReview,
    ReviewNotFound,
    StaleReview,
    StoreError,
)
from bot.store.filters import GenreBits
from bot.store.guild import GuildState
from bot.store.insights import Insights
from bot.store.picks import Picks
from bot.store.postgres.database import DEFAULT_POOL_SIZE, PostgresDatabase, is_postgres_url
from bot.store.postgres.migrate import MIGRATIONS as POSTGRESQL_MIGRATIONS
from bot.store.requests import RequestStore
from bot.store.reviews import ReviewReads
from bot.store.search import Search
from bot.store.sqlite.database import SqliteDatabase
from bot.store.sqlite.imports import ImportRunning
from bot.store.sqlite.migrate import MIGRATIONS
from bot.store.transfer import TABLES, copy_catalog, table_rows
from bot.store.writes import ReviewWrites

# Both engines' migrations are numbered together: either's last is the schema version.
LATEST_VERSION = MIGRATIONS[-1].version
# What a database may raise when it is briefly unreachable or busy: worth a retry.
DATABASE_ERRORS: tuple[type[Exception], ...] = (
    *SqliteDatabase.errors,
    *PostgresDatabase.errors,
    OSError,
)


async def open_database(target: Path | str, *, pool_size: int = DEFAULT_POOL_SIZE) -> Database:
    """The engine ``target`` names, opened (created and migrated if needed): a
    ``postgresql://`` URL is PostgreSQL (with a pool of up to ``pool_size``
    connections); anything else is a SQLite file path."""
    if is_postgres_url(target):
        return await PostgresDatabase.open(str(target), pool_size=pool_size)
    return await SqliteDatabase.open(Path(target))


class Store:
    """Async access to the review catalog. Create with :meth:`open`.

    The database itself (open, close, feed, backup, copy) is the store's; everything
    about reviews and guilds is one of its parts, each over the same database:
    ``reviews`` (reads), ``writes``, ``insights``, ``picks``, ``search``, ``guilds`` and
    ``requests``.
    """

    def __init__(self, db: Database, genres: GenreBits) -> None:
        self._db = db
        self._genres = genres
        db.on_rollback(partial(genres.reload, db))
        self.reviews = ReviewReads(db, genres)
        self.writes = ReviewWrites(db, genres)
        self.insights = Insights(db, genres, self.reviews)
        self.picks = Picks(db, genres, self.reviews)
        self.search = Search(db, genres, self.reviews, self.picks)
        self.guilds = GuildState(db)
        self.requests = RequestStore(db)

    @classmethod
    async def open(cls, target: Path | str, *, pool_size: int = DEFAULT_POOL_SIZE) -> Store:
        """Open (creating and migrating if needed) the database at ``target``
        (see :func:`open_database`)."""
        db = await open_database(target, pool_size=pool_size)
        try:
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
    def path(self) -> Path | None:
        """The SQLite file (tools that work on the file itself need it); ``None`` on
        PostgreSQL."""
        return self._db.path

    @property
    def location(self) -> str:
        """The file path, or the URL without its password."""
        return self._db.location

    @property
    def dialect(self) -> str:
        return self._db.dialect.name

    def observe(self, observer: QueryObserver) -> None:
        """Tell ``observer`` the time of every query and every busy retry from now on."""
        self._db.observe(observer)

    @property
    def pool_size(self) -> int | None:
        """The most connections PostgreSQL's pool opens; ``None`` for SQLite (no pool)."""
        return self._db.pool_size

    def pool_in_use(self) -> int:
        """PostgreSQL connections busy now (0 for SQLite)."""
        return self._db.pool_in_use()

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
        """A consistent copy, safe while writes go on (SQLite's online backup; a
        PostgreSQL catalog is backed up with pg_dump, and this says so)."""
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
    "DATABASE_ERRORS",
    "DEFAULT_POOL_SIZE",
    "LATEST_VERSION",
    "MIGRATIONS",
    "POSTGRESQL_MIGRATIONS",
    "TABLES",
    "CatalogBusy",
    "DuplicateReview",
    "ImportRunning",
    "QueryObserver",
    "ReviewNotFound",
    "StaleReview",
    "Store",
    "StoreError",
    "open_database",
]
