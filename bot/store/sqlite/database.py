"""The SQLite engine's database: connections, the one-writer transaction, reads, backup.

One SQLite file in WAL mode, opened through two aiosqlite connections: a
writer, used by one coroutine at a time behind a lock, and a reader, so
lookups never wait on (or see half of) a write transaction.

Other processes write to the same file (``reviewbot import`` beside the bot), and
SQLite lets one writer in at a time. A transaction here waits for the lock in
short attempts (``busy_timeout`` of :data:`BUSY_TIMEOUT_MS`, then a growing pause)
for at most :data:`WRITE_WAIT_SECONDS`, then raises :class:`CatalogBusy`, a
sentence for the member rather than ``database is locked``. Short attempts matter:
a bulk import releases the lock between its chunks for a few tens of
milliseconds, and one long ``busy_timeout`` sleeps through those gaps.

Bulk imports run on their own connection (:mod:`bot.store.sqlite.imports`); one
whose process died half-way is taken back when the file is next opened.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
import sqlite3
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractContextManager, asynccontextmanager
from pathlib import Path
from typing import Any, Unpack

import aiosqlite

from bot.faults import DatabaseReadOnly, DiskFull, Outage
from bot.models import ImportReport, ReviewDraft
from bot.store.engine import Connection, Database, Row
from bot.store.errors import CatalogBusy, StoreError
from bot.store.importing import ImportOptions
from bot.store.sqlite.dialect import SQLITE
from bot.store.sqlite.feed import SqliteChangeFeed, change_triggers
from bot.store.sqlite.imports import (
    ImportNotUndone,
    ImportStopped,
    import_reviews,
    is_full,
    recover_file,
)
from bot.store.sqlite.intent import WriteIntent
from bot.store.sqlite.migrate import migrate

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5  # one attempt at the write lock; SQLite polls within it
WRITE_WAIT_SECONDS = 1.5  # in all, inside Discord's 3 s to answer
MAX_PAUSE_SECONDS = 0.005  # between attempts: well inside an import's gap between chunks


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


def cannot_write(path: Path, error: sqlite3.OperationalError) -> Exception:
    """A read-only file or a full disk is the operator's to fix; anything else stays a bug."""
    if "readonly" in str(error):
        return DatabaseReadOnly(path)
    if is_full(error):
        return DiskFull(path)
    return error


def _import_failed(path: Path, error: sqlite3.OperationalError | ImportNotUndone) -> Exception:
    """What a failed import says: its cause, and when its rows are taken back if the
    failure left them in (an undo needs room to write, too)."""
    if isinstance(error, sqlite3.OperationalError):
        return DiskFull(path, "nothing imported") if is_full(error) else cannot_write(path, error)
    if is_full(error.cause):
        return DiskFull(
            path,
            "nothing imported: the rows it had applied are taken back when reviewbot "
            "next opens the database",
        )
    return error


def _cannot_open(path: Path, error: sqlite3.Error | OSError) -> StoreError:
    reason = str(error)
    if "not a database" in reason or "malformed" in reason:
        return StoreError(f"{path}: not a reviewbot database, or a damaged one ({reason})")
    if "readonly" in reason or "read-only" in reason:
        return StoreError(f"{path}: the file is read-only; reviewbot needs to write to it")
    return StoreError(f"{path}: cannot open it as a database ({reason})")


def is_busy(error: sqlite3.OperationalError) -> bool:
    return error.sqlite_errorcode in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class SqliteConnection(Connection):
    """The writer connection, as the store's statements see it inside a transaction."""

    dialect = SQLITE

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        await self._connection.execute(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._connection.executemany(sql, rows)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        async with self._connection.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row:
        async with self._connection.execute(sql, params) as cursor:
            return await cursor.fetchone()


class SqliteDatabase(Database):
    """The writer and reader connections to one file. Create with :meth:`open`.

    ``origin`` names this writer in the change feed, so the catalog can tell its
    own changes from another process's.
    """

    dialect = SQLITE
    errors = (sqlite3.Error,)

    def __init__(
        self,
        path: Path,
        writer: aiosqlite.Connection,
        reader: aiosqlite.Connection,
        origin: int,
    ) -> None:
        super().__init__()
        self._path = path
        self.origin = origin
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()
        self._random = random.Random()
        self._intent = WriteIntent(path)
        # Every write fails until space is freed: logged once, members read one sentence.
        self.disk_full = Outage(f"{path}: the disk is full; writes are refused until it has room")

    @classmethod
    async def open(cls, path: Path) -> SqliteDatabase:
        """Open (creating and migrating if needed) the database at ``path``, taking back
        an import whose process died half-way before anyone reads.

        Raises :class:`StoreError` (one line naming the file) when it cannot be opened.
        """
        origin = secrets.randbits(62)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            writer = await connect(path)
        except (sqlite3.Error, OSError) as error:
            raise _cannot_open(path, error) from None
        try:
            await writer.execute("PRAGMA busy_timeout = 10000")  # migrations may take a while
            await migrate(writer, path)
            await writer.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            for statement in change_triggers(origin):
                await writer.execute(statement)
            reader = await connect(path)
        except (sqlite3.Error, OSError) as error:
            await writer.close()
            raise _cannot_open(path, error) from None
        except BaseException:
            await writer.close()
            raise
        database = cls(path, writer, reader, origin)
        try:
            if await database.fetchone("SELECT 1 FROM imports WHERE state = 'applying' LIMIT 1"):
                await asyncio.to_thread(recover_file, path, origin)
        except BaseException:
            await database.close()
            raise
        return database

    @property
    def location(self) -> str:
        return str(self._path)

    @property
    def path(self) -> Path:
        return self._path

    async def change_feed(self) -> SqliteChangeFeed:
        """A feed of every change committed from now on, by any process."""
        return SqliteChangeFeed(self, await SqliteChangeFeed.position(self))

    async def close(self) -> None:
        async with self._write_lock:
            await self._reader.close()
            await self._writer.close()
            self._intent.close()

    @asynccontextmanager
    async def transaction(self, *, dry_run: bool = False) -> AsyncIterator[SqliteConnection]:
        """The writer inside ``BEGIN IMMEDIATE``: committed at the end, rolled back on error.

        A ``dry_run`` transaction is rolled back at the end too, so a caller can
        see what a change would do without keeping it.
        """
        async with self._write_lock, _held(self._intent.waiting()):
            await self._begin()
            try:
                yield SqliteConnection(self._writer)
            except sqlite3.OperationalError as error:
                await self._rollback()
                raise self._cannot_write(error) from None
            except BaseException:
                await self._rollback()
                raise
            if dry_run:
                await self._rollback()
            else:
                await self._commit()

    async def _commit(self) -> None:
        try:
            await _uncancelled(self._writer.execute("COMMIT"))
        except sqlite3.OperationalError as error:
            # A full disk shows at COMMIT too (the pages go to the log then).
            await self._rollback()
            raise self._cannot_write(error) from None
        self.disk_full.over()

    def _cannot_write(self, error: sqlite3.OperationalError) -> Exception:
        if is_full(error):
            return self.disk_full.fault(error)
        return cannot_write(self._path, error)

    async def _begin(self) -> None:
        """``BEGIN IMMEDIATE``, waiting for the lock in short attempts, at most a bound."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WRITE_WAIT_SECONDS
        pause = 0.002
        while True:
            try:
                await _uncancelled(self._writer.execute("BEGIN IMMEDIATE"), self._undo_begin)
                return
            except sqlite3.OperationalError as error:
                if not is_busy(error):
                    raise cannot_write(self._path, error) from None
                if loop.time() + pause > deadline:
                    log.info("write lock still taken after %.1f s: %s", WRITE_WAIT_SECONDS, error)
                    raise CatalogBusy() from error
            await asyncio.sleep(pause * (0.5 + self._random.random()))
            pause = min(pause * 2, MAX_PAUSE_SECONDS)

    async def _undo_begin(self) -> None:
        """A BEGIN whose caller was cancelled still ran: without this, the writer would
        stay inside a transaction after the lock is released, and every later write fail."""
        if self._writer.in_transaction:
            await self._writer.execute("ROLLBACK")

    async def _rollback(self) -> None:
        # A full disk or an I/O error may have made SQLite roll back already.
        if self._writer.in_transaction:
            await _uncancelled(self._writer.execute("ROLLBACK"))
        await self._rolled_back()

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        async with self._reader.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row:
        async with self._reader.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def import_reviews(
        self, reviews: Iterable[ReviewDraft], **options: Unpack[ImportOptions]
    ) -> ImportReport:
        """In a worker thread on its own connection, in short transactions, so the bot
        keeps answering and writing meanwhile (see :mod:`bot.store.sqlite.imports`);
        raises :class:`~bot.store.sqlite.imports.ImportRunning` if another import into
        this file is under way.

        Cancelled, the import stops at its next batch or chunk and is undone before the
        cancellation goes on; one that had already finished is kept and returned.
        """
        stop = threading.Event()
        work = asyncio.ensure_future(
            asyncio.to_thread(
                import_reviews, self._path, reviews, origin=self.origin, stop=stop, **options
            )
        )
        try:
            try:
                return await asyncio.shield(work)
            except asyncio.CancelledError:
                stop.set()
                try:
                    return await work  # too late to stop: finished, and kept
                except ImportStopped:
                    pass
                raise
        except (sqlite3.OperationalError, ImportNotUndone) as error:
            raise _import_failed(self._path, error) from None  # one line for the operator

    async def backup(self, destination: Path) -> None:
        """A consistent copy via SQLite's online backup, safe while writes go on."""
        destination.parent.mkdir(parents=True, exist_ok=True)
        target = await _open(destination)
        try:
            async with self._write_lock:
                await self._writer.backup(target)
        finally:
            await target.close()

    async def optimize(self) -> None:
        async with self.transaction() as db:
            await db.execute("ANALYZE")

    async def columns(self, table: str) -> list[str]:
        rows = await self.fetchall("SELECT name FROM pragma_table_info(?) ORDER BY cid", [table])
        return [str(row[0]) for row in rows]

    async def integrity_check(self) -> str:
        row = await self.fetchone("PRAGMA integrity_check")
        return str(row[0])

    async def schema_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0])


async def _uncancelled(
    statement: Awaitable[object], cleanup: Callable[[], Awaitable[None]] | None = None
) -> None:
    """Await a statement to its end even if the caller is cancelled meanwhile.

    aiosqlite runs the statement in its own thread, which a cancellation does not
    stop: BEGIN, COMMIT or ROLLBACK happen regardless, and only the caller stops
    waiting. So the statement is shielded and, if the caller was cancelled, awaited
    to the end (and ``cleanup`` run) before the cancellation goes on.
    """
    task = asyncio.ensure_future(statement)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        try:
            await task
        except sqlite3.Error:
            pass  # it failed: nothing to undo
        else:
            if cleanup is not None:
                await cleanup()
        raise


@asynccontextmanager
async def _held(lock: AbstractContextManager[None]) -> AsyncIterator[None]:
    with lock:
        yield
