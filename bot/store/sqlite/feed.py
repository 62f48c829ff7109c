"""The SQLite change feed: an append-only ``changes`` table, read by cursor.

Every connection that writes reviews installs TEMP triggers (its own, invisible to
other connections) that append one row per inserted, updated or deleted review,
stamped with the writer's ``origin``. Triggers rather than calls in each write
path: no writer, present or future, can forget to feed it. A follower polls for
rows past its cursor; the ids are AUTOINCREMENT, so they are never reused after
old rows are pruned, and a cursor older than the oldest kept row means the
follower missed some and must rebuild.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any, Protocol

from bot.changes import Change, ChangeBatch
from bot.store.engine import Row

POLL_SECONDS = 0.5  # a CLI change reaches a running bot within this (plus applying it)
BATCH_LIMIT = 5_000
KEEP_CHANGES = 200_000  # rows kept for followers that fall behind; older ones are pruned


def change_triggers(origin: int) -> list[str]:
    """TEMP triggers feeding ``changes`` from this connection's writes to ``reviews``."""
    return [
        f"CREATE TEMP TRIGGER IF NOT EXISTS feed_{kind} AFTER {event} ON main.reviews BEGIN "
        f"INSERT INTO changes (review_id, kind, origin) VALUES ({row}.id, '{kind}', {origin}); "
        "END"
        for kind, event, row in (
            ("insert", "INSERT", "NEW"),
            ("update", "UPDATE", "NEW"),
            ("delete", "DELETE", "OLD"),
        )
    ]


PRUNE_SQL = "DELETE FROM changes WHERE id <= (SELECT MAX(id) FROM changes) - ?"


class FeedSource(Protocol):
    """The database a feed reads (:class:`~bot.store.sqlite.database.SqliteDatabase`):
    its reader, and the ``origin`` its own triggers stamp on its writes."""

    origin: int

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row: ...


class SqliteChangeFeed:
    """:class:`bot.changes.ChangeFeed` over one SQLite file, from ``cursor`` on."""

    def __init__(self, db: FeedSource, cursor: int, *, poll_seconds: float = POLL_SECONDS) -> None:
        self._db = db
        self.cursor = cursor
        self.poll_seconds = poll_seconds

    @staticmethod
    async def position(db: FeedSource) -> int:
        """The feed's end now: a follower starting here sees every later change."""
        row = await db.fetchone("SELECT COALESCE(MAX(id), 0) FROM changes")
        return int(row[0])

    async def batches(self) -> AsyncIterator[ChangeBatch]:
        while True:
            batch = await self.catch_up()
            if batch.changes or not batch.complete:
                yield batch
            else:
                await asyncio.sleep(self.poll_seconds)

    async def catch_up(self) -> ChangeBatch:
        rows = await self._db.fetchall(
            "SELECT id, review_id, kind, origin FROM changes WHERE id > ? ORDER BY id LIMIT ?",
            [self.cursor, BATCH_LIMIT],
        )
        # Ids are never reused and only pruning deletes rows, so a jump past the cursor
        # means the rows between were pruned before this follower read them.
        complete = not rows or rows[0][0] == self.cursor + 1
        changes = tuple(
            Change(position, review_id, kind, external=origin != self._db.origin)
            for position, review_id, kind, origin in rows
        )
        if rows:
            self.cursor = rows[-1][0]
        return ChangeBatch(changes, complete=complete)
