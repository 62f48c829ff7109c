"""Database plumbing: connections, the one-writer transaction, reader queries, backup.

One SQLite file in WAL mode, opened through two aiosqlite connections: a
writer, used by one coroutine at a time behind a lock, and a reader, so
lookups never wait on (or see half of) a write transaction.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bot.store.errors import StoreError
from bot.store.migrate import migrate

BUSY_TIMEOUT_MS = 10_000

# Called after every rollback, so caches of rows never committed are dropped.
RollbackHook = Callable[[], Awaitable[None]]


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def precise_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


async def _open(path: Path, **options: Any) -> aiosqlite.Connection:
    """aiosqlite.connect, after opening the file once in a worker thread.

    When aiosqlite's own open fails, its thread outlives the event loop and dies
    with a traceback on the way out; the probe fails first, with the same error.
    """
    await asyncio.to_thread(lambda: sqlite3.connect(path).close())
    return await aiosqlite.connect(path, **options)


async def connect(path: Path) -> aiosqlite.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves so a transaction
    # spans exactly the statements we mean it to.
    connection = await _open(path, isolation_level=None)
    try:
        await connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await connection.execute("PRAGMA journal_mode = WAL")
        await connection.execute("PRAGMA foreign_keys = ON")
        await connection.execute("PRAGMA synchronous = NORMAL")
    except BaseException:
        # An open connection's thread keeps the process alive: close it, or a
        # file that is not a database leaves the command hanging after its error.
        await connection.close()
        raise
    return connection


def _cannot_write(path: Path, error: sqlite3.OperationalError) -> Exception:
    """A read-only file is the person's to fix; anything else stays a bug."""
    if "readonly" in str(error):
        return StoreError(f"{path}: the file is read-only; nothing was changed")
    return error


def _cannot_open(path: Path, error: sqlite3.Error | OSError) -> StoreError:
    reason = str(error)
    if "not a database" in reason or "malformed" in reason:
        return StoreError(f"{path}: not a reviewbot database, or a damaged one ({reason})")
    if "readonly" in reason or "read-only" in reason:
        return StoreError(f"{path}: the file is read-only; reviewbot needs to write to it")
    return StoreError(f"{path}: cannot open it as a database ({reason})")


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
        """Open (creating and migrating if needed) the database at ``path``.

        Raises :class:`StoreError` (one line naming the file) when it cannot be.
        """
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            writer = await connect(path)
        except (sqlite3.Error, OSError) as error:
            raise _cannot_open(path, error) from None
        try:
            await migrate(writer, path)
            reader = await connect(path)
        except (sqlite3.Error, OSError) as error:
            await writer.close()
            raise _cannot_open(path, error) from None
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
            try:
                await self._writer.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:
                raise _cannot_write(self.path, error) from None
            try:
                yield self._writer
            except sqlite3.OperationalError as error:
                await self._rollback()
                raise _cannot_write(self.path, error) from None
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
        target = await _open(destination)
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
