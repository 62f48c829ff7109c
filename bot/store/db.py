"""Database plumbing: connections, the one-writer transaction, reader queries, backup.

One SQLite file in WAL mode, opened through two aiosqlite connections: a
writer, used by one coroutine at a time behind a lock, and a reader, so
lookups never wait on (or see half of) a write transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bot.store.migrate import migrate

BUSY_TIMEOUT_MS = 10_000

# Called after every rollback, so caches of rows never committed are dropped.
RollbackHook = Callable[[], Awaitable[None]]


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def precise_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


async def connect(path: Path) -> aiosqlite.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves so a transaction
    # spans exactly the statements we mean it to.
    connection = await aiosqlite.connect(path, isolation_level=None)
    await connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    await connection.execute("PRAGMA journal_mode = WAL")
    await connection.execute("PRAGMA foreign_keys = ON")
    await connection.execute("PRAGMA synchronous = NORMAL")
    return connection


class Database:
    """The writer and reader connections to one file. Create with :meth:`open`."""

    def __init__(
        self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection
    ) -> None:
        self.path = path
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()
        self._rollback_hooks: list[RollbackHook] = []

    @classmethod
    async def open(cls, path: Path) -> Database:
        """Open (creating and migrating if needed) the database at ``path``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = await connect(path)
        try:
            await migrate(writer, path)
            reader = await connect(path)
        except BaseException:
            await writer.close()
            raise
        return cls(path, writer, reader)

    def on_rollback(self, hook: RollbackHook) -> None:
        self._rollback_hooks.append(hook)

    async def close(self) -> None:
        async with self._write_lock:
            await self._reader.close()
            await self._writer.close()

    @asynccontextmanager
    async def transaction(self, *, dry_run: bool = False) -> AsyncIterator[aiosqlite.Connection]:
        """The writer inside ``BEGIN IMMEDIATE``: committed at the end, rolled back on error.

        A ``dry_run`` transaction is rolled back at the end too, so a caller can
        see what a change would do without keeping it.
        """
        async with self._write_lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException:
                await self._rollback()
                raise
            if dry_run:
                await self._rollback()
            else:
                await self._writer.execute("COMMIT")

    async def _rollback(self) -> None:
        await self._writer.execute("ROLLBACK")
        for hook in self._rollback_hooks:
            await hook()

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        async with self._reader.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Any:
        async with self._reader.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def backup(self, destination: Path) -> None:
        """A consistent copy via SQLite's online backup, safe while writes go on."""
        destination.parent.mkdir(parents=True, exist_ok=True)
        target = await aiosqlite.connect(destination)
        try:
            async with self._write_lock:
                await self._writer.backup(target)
        finally:
            await target.close()

    async def integrity_check(self) -> str:
        row = await self.fetchone("PRAGMA integrity_check")
        return str(row[0])

    async def schema_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0])
