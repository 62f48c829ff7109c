"""PostgreSQL plumbing through asyncpg: a pool, serialised writers, LISTEN/NOTIFY, migrations.

Several bot processes share one PostgreSQL database. Reads go to any pooled
connection. Every write transaction first takes one advisory lock, so writers
are serialised across processes exactly as SQLite's single writer serialises
them within one: "not yet shown in this channel" and "is this title taken"
stay true from check to insert without retry loops. Writes are rare (curation,
misses, one row per /random), so one lock costs little.

A trigger (migration 0001) NOTIFYs every review a transaction writes; a
:class:`~bot.store.pg_changes.PostgresChangeFeed` LISTENs on its own connection
and hands the catalog what other processes changed.
"""

from __future__ import annotations

import functools
import logging
import re
import secrets
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from bot.store.errors import StoreError
from bot.store.migrate import POSTGRESQL_MIGRATIONS, refuse_newer
from bot.store.pg_changes import PostgresChangeFeed
from bot.store.sql import POSTGRESQL, Dialect, RollbackHook, Row

log = logging.getLogger(__name__)

URL_SCHEMES = ("postgresql://", "postgres://")
# pg_advisory_xact_lock keys: any fixed 64-bit numbers, unlikely to clash with other apps.
WRITE_LOCK = 0x72657669657762  # "reviewb"
MIGRATE_LOCK = WRITE_LOCK + 1
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


_PLACEHOLDER = re.compile(r"'[^']*'|\?(\d*)")


@functools.lru_cache(maxsize=1024)
def numbered(sql: str) -> str:
    """SQLite's ``?`` and ``?N`` placeholders as PostgreSQL's ``$N``, numbered as SQLite
    numbers them (a bare ``?`` is one past the largest number so far); none occur
    inside the store's literals."""
    counter = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal counter
        if not match.group().startswith("?"):
            return match.group()  # a quoted literal, kept as it is
        number = int(match.group(1)) if match.group(1) else counter + 1
        counter = max(counter, number)
        return f"${number}"

    return _PLACEHOLDER.sub(replace, sql)


class PostgresConnection:
    """One pooled connection inside a write transaction."""

    dialect: Dialect = POSTGRESQL

    def __init__(self, connection: asyncpg.Connection) -> None:
        self._connection = connection

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        await self._connection.execute(numbered(sql), *params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        batch = list(rows)
        if batch:
            await self._connection.executemany(numbered(sql), batch)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return list(await self._connection.fetch(numbered(sql), *params))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row:
        return await self._connection.fetchrow(numbered(sql), *params)

    async def copy(
        self, table: str, columns: Sequence[str], records: Sequence[Sequence[Any]]
    ) -> None:
        """``records`` into ``table`` by COPY: one stream, not a round trip per row."""
        await self._connection.copy_records_to_table(table, records=records, columns=columns)


class PostgresDatabase:
    """A pool of connections to one PostgreSQL database. Create with :meth:`open`."""

    dialect: Dialect = POSTGRESQL

    def __init__(self, url: str, pool: asyncpg.Pool) -> None:
        self.url = url
        self._pool = pool
        self._rollback_hooks: list[RollbackHook] = []
        # Tells this store's writes from other processes' in the change feed.
        self.origin = secrets.token_hex(8)
        self._feeds: list[PostgresChangeFeed] = []

    @classmethod
    async def open(cls, url: str, *, pool_size: int = DEFAULT_POOL_SIZE) -> PostgresDatabase:
        """Connect (migrating the schema if needed); the pool holds up to ``pool_size``."""
        try:
            pool = await asyncpg.create_pool(url, min_size=1, max_size=pool_size)
        except (OSError, asyncpg.PostgresError) as error:
            raise StoreError(f"cannot connect to {redact(url)}: {error}") from error
        try:
            async with pool.acquire() as connection:
                await migrate(connection, redact(url))
        except BaseException:
            await pool.close()
            raise
        return cls(url, pool)

    @property
    def location(self) -> str:
        return redact(self.url)

    def on_rollback(self, hook: RollbackHook) -> None:
        self._rollback_hooks.append(hook)

    @asynccontextmanager
    async def transaction(self, *, dry_run: bool = False) -> AsyncIterator[PostgresConnection]:
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
                await transaction.commit()

    async def _rollback(self, transaction: Any) -> None:
        await transaction.rollback()
        for hook in self._rollback_hooks:
            await hook()

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return list(await self._pool.fetch(numbered(sql), *params))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row:
        return await self._pool.fetchrow(numbered(sql), *params)

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
        feed = PostgresChangeFeed(self.url, self.origin)
        await feed.start()
        self._feeds.append(feed)
        return feed

    async def close(self) -> None:
        for feed in self._feeds:
            await feed.close()
        await self._pool.close()


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
        refuse_newer(location, start)
        for migration in POSTGRESQL_MIGRATIONS:
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
