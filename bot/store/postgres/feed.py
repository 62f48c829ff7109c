"""The PostgreSQL change feed: LISTEN to the NOTIFY every committed review write sends.

A trigger on ``reviews`` (migration 0001) calls ``pg_notify('reviewbot_reviews',
'<kind> <id>')`` for each inserted, updated or deleted row; PostgreSQL delivers
the notifications when the transaction commits, in commit order, to every
session LISTENing: another bot process, on this machine or another, learns of
a write within milliseconds (bench/bench_backends.py measures it), without
polling. Notifications are not stored: a listener whose connection drops
misses what was sent meanwhile, so the first batch after it reconnects is
marked incomplete and the follower rebuilds from the store. While PostgreSQL is
out of reach, the feed retries every second quietly: the catalog's
:class:`~bot.faults.Outage` logs the outage once, and its end.

A notification reaches a listener some time after its commit, so a catch-up (after
this process's own import, say) first sends a marker of its own on the listening
connection and waits for it: PostgreSQL delivers in commit order, so once the marker
is back, so is every change committed before the catch-up began.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import AsyncIterator
from typing import Any

import asyncpg

from bot.changes import Change, ChangeBatch, ChangeKind
from bot.faults import Outage
from bot.store.postgres.outages import OUT_OF_REACH, is_out_of_reach

log = logging.getLogger(__name__)

CHANNEL = "reviewbot_reviews"
RECONNECT_SECONDS = 1.0
KINDS: tuple[ChangeKind, ...] = ("insert", "update", "delete")
MARKER = "caught-up"  # not a kind: every listener's parse_payload passes it over
# A bound on waiting for the marker; past it the batch counts as lost (a rebuild reads
# the store), which is correct, only slower.
MARKER_WITHIN = 10.0


def parse_payload(payload: str) -> tuple[ChangeKind, int, str] | None:
    """``"update 42 ab12"`` → ``("update", 42, "ab12")``; anything else (not ours) → ``None``."""
    kind, _, rest = payload.partition(" ")
    number, _, origin = rest.partition(" ")
    if kind not in KINDS or not (number.isascii() and number.isdigit()):
        return None
    return kind, int(number), origin


class PostgresChangeFeed:
    """:class:`bot.changes.ChangeFeed` over LISTEN on one dedicated connection.

    Changes stamped with ``origin`` (this process's store) arrive marked
    ``external=False``.
    """

    def __init__(self, url: str, origin: str, outage: Outage) -> None:
        self._url = url
        self._origin = origin
        self._outage = outage
        self._connection: asyncpg.Connection | None = None
        self._pending: list[Change] = []
        self._arrived = asyncio.Event()
        self._position = 0
        self._lost = False  # notifications may have been missed: next batch is incomplete
        self._closed = False
        self._markers: dict[str, asyncio.Future[None]] = {}  # by payload, until it is back
        self._marker_numbers = itertools.count()

    async def start(self) -> None:
        """LISTEN now: every change committed after this returns is delivered."""
        self._connection = await asyncpg.connect(self._url)
        self._connection.add_termination_listener(self._terminated)
        await self._connection.add_listener(CHANNEL, self._notified)

    def _notified(self, _: Any, pid: int, channel: str, payload: str) -> None:
        marker = self._markers.pop(payload, None)
        if marker is not None:
            if not marker.done():
                marker.set_result(None)
            return
        parsed = parse_payload(payload)
        if parsed is None:
            return
        kind, review_id, origin = parsed
        self._position += 1
        self._pending.append(
            Change(self._position, review_id, kind, external=origin != self._origin)
        )
        self._arrived.set()

    def _terminated(self, _: Any) -> None:
        if not self._closed:
            self._lost = True
            self._connection = None
            self._arrived.set()
        self._release_markers()

    def _release_markers(self) -> None:
        """Wake every catch-up waiting for a marker this connection will never bring."""
        markers, self._markers = self._markers, {}
        for marker in markers.values():
            if not marker.done():
                marker.set_result(None)

    async def batches(self) -> AsyncIterator[ChangeBatch]:
        while not self._closed:
            if self._connection is None:
                await self._reconnect()
                continue
            await self._arrived.wait()
            if self._connection is None:
                # Lost: LISTEN again before handing out the incomplete batch, or a change
                # committed between the rebuild's read and the new LISTEN would be missed.
                continue
            if self._pending or self._lost:
                yield self._take()

    async def _reconnect(self) -> None:
        try:
            await self.start()
        except (*OUT_OF_REACH, asyncpg.InterfaceError) as error:
            if not is_out_of_reach(error):
                raise
            self._outage.noticed(error)
            await asyncio.sleep(RECONNECT_SECONDS)
            return
        self._outage.over()
        log.info("the change feed listens again after losing its connection")

    async def catch_up(self) -> ChangeBatch:
        await self._delivered()
        return self._take()

    async def _delivered(self) -> None:
        """Return once every change committed before the call has been delivered here,
        or the batch is marked lost."""
        connection = self._connection
        if connection is None:
            return  # lost already: the next batch is incomplete
        payload = f"{MARKER} {self._origin} {next(self._marker_numbers)}"
        back = asyncio.get_running_loop().create_future()
        self._markers[payload] = back
        try:
            await connection.execute("SELECT pg_notify($1, $2)", CHANNEL, payload)
            await asyncio.wait_for(back, MARKER_WITHIN)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
            self._lost = True  # whatever was not delivered, a rebuild reads from the store
        finally:
            self._markers.pop(payload, None)

    def _take(self) -> ChangeBatch:
        changes, self._pending = tuple(self._pending), []
        self._arrived.clear()
        complete, self._lost = not self._lost, False
        return ChangeBatch(changes, complete=complete)

    async def close(self) -> None:
        self._closed = True
        self._arrived.set()  # wakes a follower waiting in batches(), which then ends
        self._release_markers()
        if self._connection is not None:
            with contextlib.suppress(OSError, asyncpg.PostgresError):
                await self._connection.close()
            self._connection = None
