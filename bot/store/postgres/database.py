"""PostgreSQL through asyncpg: a pool, serialised writers, the LISTEN/NOTIFY feed.

Several bot processes share one PostgreSQL database. Reads go to any pooled
connection. Every write transaction first takes one advisory lock, so writers
are serialised across processes exactly as SQLite's single writer serialises
them within one: "not yet shown in this channel" and "is this title taken"
stay true from check to insert without retry loops. Writes are rare (curation,
misses, one row per /random), so one lock costs little.

A trigger (migration 0001) NOTIFYs every review a transaction writes; a
:class:`~bot.store.postgres.feed.PostgresChangeFeed` LISTENs on its own connection
and hands the catalog what other processes changed.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Unpack

import asyncpg

from bot.faults import Outage
from bot.models import ImportReport, ReviewDraft
from bot.store.engine import Database, Row
from bot.store.errors import StoreError
from bot.store.importing import ImportOptions
from bot.store.postgres import imports
from bot.store.postgres.connection import PostgresConnection, numbered
from bot.store.postgres.dialect import POSTGRESQL
from bot.store.postgres.feed import PostgresChangeFeed
from bot.store.postgres.migrate import migrate
from bot.store.postgres.outages import reaching

URL_SCHEMES = ("postgresql://", "postgres://")
# The pg_advisory_xact_lock key writers take: any fixed 64-bit number, unlikely to clash with
# other apps (migrate.MIGRATE_LOCK is the next one).
WRITE_LOCK = 0x72657669657762  # "reviewb"
DEFAULT_POOL_SIZE = 10


def is_postgres_url(target: object) -> bool:
    return isinstance(target, str) and target.startswith(URL_SCHEMES)


def redact(url: str) -> str:
    """The URL without its password, for logs and messages.

    Everything up to the last ``@`` is taken as user info, so even a password
    with unescaped ``/`` or ``@`` (an invalid URL) is not shown.
    """
    scheme, separator, rest = url.partition("://")
    user_info, at, location = rest.rpartition("@")
    if not separator or not at or ":" not in user_info:
        return url
    user = user_info.split(":", 1)[0]
    return f"{scheme}://{user}:***@{location}"


class PostgresDatabase(Database):
    """A pool of connections to one PostgreSQL database. Create with :meth:`open`."""

    dialect = POSTGRESQL
    errors = (asyncpg.PostgresError,)

    def __init__(self, url: str, pool: asyncpg.Pool) -> None:
        super().__init__()
        self.url = url
        self._pool = pool
        # Tells this store's writes from other processes' in the change feed.
        self.origin = secrets.token_hex(8)
        self.outage = Outage(f"cannot reach the catalog at {redact(url)}")
        self._feeds: list[PostgresChangeFeed] = []

    @classmethod
    async def open(cls, url: str, *, pool_size: int = DEFAULT_POOL_SIZE) -> PostgresDatabase:
        """Connect (migrating the schema if needed); the pool holds up to ``pool_size``."""
        # No floor of open connections (min_size=0): asyncpg restores a floor by
        # retrying in the background and logging each retry, a traceback a second
        # while the server is down; an outage is logged once (bot/faults.py) instead.
        # So the first connection is made here, by the migration.
        pool = await asyncpg.create_pool(url, min_size=0, max_size=pool_size)
        try:
            try:
                connection = await pool.acquire()
            except (OSError, asyncpg.PostgresError) as error:
                raise StoreError(f"cannot connect to {redact(url)}: {error}") from error
            try:
                await migrate(connection, redact(url))
            finally:
                await pool.release(connection)
        except BaseException:
            await pool.close()
            raise
        return cls(url, pool)

    @property
    def location(self) -> str:
        return redact(self.url)

    @property
    def path(self) -> None:
        return None

    @property
    def pool_size(self) -> int:
        """The most connections the pool opens."""
        return int(self._pool.get_max_size())

    def pool_in_use(self) -> int:
        """Connections of the pool busy with a query or transaction now."""
        return int(self._pool.get_size() - self._pool.get_idle_size())

    @asynccontextmanager
    async def transaction(self, *, dry_run: bool = False) -> AsyncIterator[PostgresConnection]:
        with reaching(self.outage):
            async with self._transaction(dry_run) as connection:
                yield connection

    @asynccontextmanager
    async def _transaction(self, dry_run: bool) -> AsyncIterator[PostgresConnection]:
        started = time.perf_counter()
        async with self._pool.acquire() as connection:
            transaction = connection.transaction()
            await transaction.start()
            try:
                # One writer at a time; and the change feed's trigger stamps this
                # transaction's changes with our origin, so our own feed knows them.
                await connection.execute(
                    "SELECT pg_advisory_xact_lock($1), set_config('reviewbot.origin', $2, true)",
                    WRITE_LOCK,
                    self.origin,
                )
                yield PostgresConnection(connection)
            except BaseException:
                await self._rollback(transaction)
                raise
            if dry_run:
                await self._rollback(transaction)
            else:
                await _to_the_end(transaction.commit())
                self.observer.store_query("write", time.perf_counter() - started)

    async def _rollback(self, transaction: Any) -> None:
        await transaction.rollback()
        await self._rolled_back()

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        started = time.perf_counter()
        with reaching(self.outage):
            rows = list(await self._pool.fetch(numbered(sql), *params))
        self.observer.store_query("read", time.perf_counter() - started)
        return rows

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row:
        started = time.perf_counter()
        with reaching(self.outage):
            row = await self._pool.fetchrow(numbered(sql), *params)
        self.observer.store_query("read", time.perf_counter() - started)
        return row

    async def import_reviews(
        self, reviews: Iterable[ReviewDraft], **options: Unpack[ImportOptions]
    ) -> ImportReport:
        """COPY and set-based SQL in one transaction (see :mod:`bot.store.postgres.imports`)."""
        return await imports.import_reviews(self, reviews, **options)  # in self.transaction

    async def backup(self, destination: Path) -> None:
        raise StoreError(
            f"{self.location} is PostgreSQL: back it up with pg_dump (see docs/deploy.md)"
        )

    async def schema_version(self) -> int:
        return int(await self._pool.fetchval("SELECT version FROM reviewbot_schema"))

    async def optimize(self) -> None:
        """VACUUM too: it sets the visibility map, without which PostgreSQL's index-only
        scans (what filtered picks and counts use) read every row's page until
        autovacuum gets to it."""
        await self._pool.execute("VACUUM (ANALYZE) reviews, review_terms")

    async def columns(self, table: str) -> list[str]:
        # Generated columns (the search document) are computed, never written or copied.
        rows = await self._pool.fetch(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = $1 "
            "AND is_generated = 'NEVER' ORDER BY ordinal_position",
            table,
        )
        return [str(row[0]) for row in rows]

    async def integrity_check(self) -> str:
        """PostgreSQL checks its own pages; what can be checked here is that it answers."""
        await self._pool.fetchval("SELECT 1")
        return "ok"

    async def change_feed(self) -> PostgresChangeFeed:
        """A feed of every review change committed from now on, by any process."""
        feed = PostgresChangeFeed(self.url, self.origin, self.outage)
        await feed.start()
        self._feeds.append(feed)
        return feed

    async def close(self) -> None:
        for feed in self._feeds:
            await feed.close()
        await self._pool.close()


async def _to_the_end(statement: Awaitable[None]) -> None:
    """Await a COMMIT to its end even if the caller is cancelled meanwhile, so whether it
    committed is known (it has, when this returns or is cancelled); the cancellation
    goes on after."""
    task = asyncio.ensure_future(statement)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        await task
        raise
