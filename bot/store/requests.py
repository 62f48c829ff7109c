"""Review requests: members ask to be told when a film is reviewed.

Requests are grouped into entries, one per wanted film in a server. Which entry a
new request joins is decided in Python by the caller (:mod:`bot.matching.demand`
compares spellings), but inside the write transaction that stores it, so two
processes can never open two entries for one film. Everything is read and written
per server: no query here reads another server's requests.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.models import (
    AnsweredEntry,
    Delivery,
    MemberRequest,
    MissCount,
    Moderator,
    RequestEntry,
    Requester,
)
from bot.store.clock import precise_now
from bot.store.engine import Connection, Database, Row
from bot.store.errors import StoreError

MAX_OPEN_PER_MEMBER = 50
MAX_PER_SERVER = 5_000
MAX_QUERY_TEXT = 200

# Picks the entry a new spelling belongs to among the server's unanswered entries.
Placement = Callable[[Sequence[RequestEntry]], int | None]
Added = Literal["recorded", "already requested", "member limit", "server full"]


@dataclass(frozen=True, slots=True)
class AddedRequest:
    """What storing a request did, and the entry it is in (``None`` when refused)."""

    outcome: Added
    entry_id: int | None = None


class EntryGone(StoreError):
    """The entry was answered, dismissed or removed before a moderator's action landed."""

    def __init__(self) -> None:
        super().__init__("That film left the queue meanwhile (answered or dismissed).")


_ENTRY_SELECT = "SELECT id, title, state, claimed_name FROM request_entries"
_UNANSWERED = "state IN ('open', 'claimed', 'dismissed')"


class RequestStore:
    """Requests and their entries, per server."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self, guild_id: int, member_id: int, query: str, place: Placement
    ) -> AddedRequest:
        """Record ``member_id``'s request for ``query`` in the entry ``place`` picks (a
        new one when it picks none), unless they already asked for that film or a
        limit is reached."""
        async with self._db.transaction() as db:
            entry_id = place(await _entries(db, guild_id, _UNANSWERED))
            if entry_id is not None and await db.fetchone(
                "SELECT 1 FROM requests WHERE entry_id = ? AND member_id = ? AND state = 'open'",
                [entry_id, member_id],
            ):
                return AddedRequest("already requested", entry_id)
            row = await db.fetchone(
                "SELECT COUNT(*) FROM requests WHERE scope = ? AND member_id = ? "
                "AND state = 'open'",
                [guild_id, member_id],
            )
            if row[0] >= MAX_OPEN_PER_MEMBER:
                return AddedRequest("member limit")
            if not await _room_in_server(db, guild_id):
                return AddedRequest("server full")
            now = precise_now()
            if entry_id is None:
                entry_id = await _new_entry(db, guild_id, query, now)
            await db.execute(
                "INSERT INTO requests (entry_id, scope, member_id, query, state, asked_at) "
                "VALUES (?, ?, ?, ?, 'open', ?)",
                [entry_id, guild_id, member_id, query[:MAX_QUERY_TEXT], now],
            )
            return AddedRequest("recorded", entry_id)

    async def open_count(self, guild_id: int) -> int:
        """How many requests in ``guild_id`` wait for a review (for /config show)."""
        row = await self._db.fetchone(
            "SELECT COUNT(*) FROM requests WHERE scope = ? AND state = 'open'", [guild_id]
        )
        return int(row[0])

    async def member_requests(self, guild_id: int, member_id: int) -> list[MemberRequest]:
        """The member's open requests, and the answered ones they were not yet told of."""
        rows = await self._db.fetchall(
            "SELECT r.id, r.query, r.asked_at, r.state, e.review_id, r.delivery FROM requests r "
            "JOIN request_entries e ON e.id = r.entry_id "
            "WHERE r.scope = ? AND r.member_id = ? AND (r.state = 'open' OR "
            "(r.state = 'answered' AND r.delivery IN ('pending', 'undeliverable'))) "
            "ORDER BY r.asked_at, r.id",
            [guild_id, member_id],
        )
        return [
            MemberRequest(id, query, asked_at, state, review_id, delivery)
            if state == "answered"
            else MemberRequest(id, query, asked_at, state)
            for id, query, asked_at, state, review_id, delivery in rows
        ]

    async def cancel(self, guild_id: int, member_id: int, request_id: int) -> bool:
        """Cancel one of the member's open requests; ``False`` if it is not one (any more).

        An entry nobody asks for any more leaves the queue, unless a moderator claimed
        or dismissed it (that decision stays)."""
        async with self._db.transaction() as db:
            row = await db.fetchone(
                "UPDATE requests SET state = 'cancelled', closed_at = ? "
                "WHERE id = ? AND scope = ? AND member_id = ? AND state = 'open' "
                "RETURNING entry_id",
                [precise_now(), request_id, guild_id, member_id],
            )
            if row is None:
                return False
            await db.execute(
                "DELETE FROM request_entries WHERE id = ? AND state = 'open' AND NOT EXISTS "
                "(SELECT 1 FROM requests r WHERE r.entry_id = ? AND r.state = 'open')",
                [row[0], row[0]],
            )
            return True

    async def entries(self, guild_id: int, *, answered: bool = False) -> list[RequestEntry]:
        """The server's entries not yet answered (and the answered ones too, with
        ``answered``), with their spellings and open requesters."""
        states = "TRUE" if answered else _UNANSWERED
        return await _entries(self._db, guild_id, states)

    async def waiting_servers(self) -> list[int]:
        """The servers with an entry not yet answered, for telling which a newly
        published global review may answer."""
        rows = await self._db.fetchall(
            f"SELECT DISTINCT scope FROM request_entries WHERE {_UNANSWERED} ORDER BY scope"
        )
        return [int(scope) for (scope,) in rows]

    async def misses(self, guild_id: int) -> list[MissCount]:
        """Titles looked up in vain in the server, most asked first."""
        rows = await self._db.fetchall(
            "SELECT query, count, last_at FROM lookup_misses WHERE scope = ? "
            "ORDER BY count DESC, last_at DESC",
            [guild_id],
        )
        return [MissCount(query, int(count), last_at) for query, count, last_at in rows]

    async def claim(
        self, guild_id: int, entry: int | Placement, title: str, moderator: Moderator
    ) -> int:
        """Mark the entry as being reviewed by ``moderator``; audited. Returns its id.

        A film only missed so far has no entry: ``entry`` then picks the one made for it
        meanwhile (by another moderator), else one is made here, named ``title``."""
        async with self._db.transaction() as db:
            changes = "state = 'claimed', claimed_by = ?, claimed_name = ?"
            entry_id = await _act(
                db, guild_id, entry, title, changes, [moderator.id, moderator.name]
            )
            await _audit(db, guild_id, entry_id, moderator.id, "claim", {"name": moderator.name})
            return entry_id

    async def dismiss(
        self, guild_id: int, entry: int | Placement, title: str, moderator: Moderator, reason: str
    ) -> int:
        """Take the entry off the queue, for ``reason`` (requesters are not told);
        audited. Its requests stay open: a review published later still answers them.
        ``entry`` and ``title`` as for :meth:`claim`."""
        async with self._db.transaction() as db:
            changes = "state = 'dismissed', dismissed_by = ?, dismiss_reason = ?"
            entry_id = await _act(db, guild_id, entry, title, changes, [moderator.id, reason])
            await _audit(db, guild_id, entry_id, moderator.id, "dismiss", {"reason": reason})
            return entry_id

    async def answer(
        self, guild_id: int, answers: Iterable[tuple[int, int]]
    ) -> list[AnsweredEntry]:
        """Answer each (entry id, review id) and the entry's open requests, in one
        transaction. Only an entry not yet answered is: a second call (from this
        process or another) answers nobody."""
        answered: list[AnsweredEntry] = []
        async with self._db.transaction() as db:
            for entry_id, review_id in answers:
                now = precise_now()
                row = await db.fetchone(
                    "UPDATE request_entries SET state = 'answered', review_id = ?, "
                    f"answered_at = ? WHERE id = ? AND scope = ? AND {_UNANSWERED} RETURNING id",
                    [review_id, now, entry_id, guild_id],
                )
                if row is None:
                    continue
                rows = await db.fetchall(
                    "UPDATE requests SET state = 'answered', delivery = 'pending', closed_at = ? "
                    "WHERE entry_id = ? AND state = 'open' RETURNING id, member_id",
                    [now, entry_id],
                )
                requesters = tuple(Requester(id, member) for id, member in sorted(rows))
                answered.append(AnsweredEntry(entry_id, review_id, requesters))
        return answered

    async def mark_delivery(self, request_ids: Sequence[int], delivery: Delivery) -> None:
        """Record whether the members of answered ``request_ids`` were told."""
        if not request_ids:
            return
        async with self._db.transaction() as db:
            await db.execute(
                f"UPDATE requests SET delivery = ? WHERE id IN ({db.dialect.json_ids()}) "
                "AND state = 'answered'",
                [delivery, json.dumps(list(request_ids))],
            )


async def _entries(db: Database | Connection, guild_id: int, states: str) -> list[RequestEntry]:
    entries = await db.fetchall(
        f"{_ENTRY_SELECT} WHERE scope = ? AND {states} ORDER BY id", [guild_id]
    )
    requests = await db.fetchall(
        "SELECT entry_id, member_id, query, state, asked_at FROM requests WHERE scope = ? "
        "ORDER BY id",
        [guild_id],
    )
    by_entry: dict[int, list[Row]] = {}
    for row in requests:
        by_entry.setdefault(row[0], []).append(row)
    return [_entry(row, by_entry.get(row[0], [])) for row in entries]


def _entry(row: Row, requests: Sequence[Row]) -> RequestEntry:
    id, title, state, claimed_name = row
    spellings = dict.fromkeys([title, *(query for _, _, query, _, _ in requests)])
    open_requests = [request for request in requests if request[3] == "open"]
    asked = [request[4] for request in open_requests]
    return RequestEntry(
        id,
        title,
        state,
        tuple(spellings),
        requesters=len({request[1] for request in open_requests}),
        first_asked=min(asked, default=None),
        last_asked=max(asked, default=None),
        claimed_by=claimed_name if state == "claimed" else None,
    )


async def _new_entry(db: Connection, guild_id: int, title: str, now: str) -> int:
    row = await db.fetchone(
        "INSERT INTO request_entries (scope, title, state, created_at) "
        "VALUES (?, ?, 'open', ?) RETURNING id",
        [guild_id, title[:MAX_QUERY_TEXT], now],
    )
    return int(row[0])


async def _room_in_server(db: Connection, guild_id: int) -> bool:
    """Whether the server has room for one more request, once its oldest closed
    (answered or cancelled) requests, and the answered entries left empty, are pruned."""
    row = await db.fetchone("SELECT COUNT(*) FROM requests WHERE scope = ?", [guild_id])
    excess = int(row[0]) - MAX_PER_SERVER + 1
    if excess <= 0:
        return True
    await db.execute(
        "DELETE FROM requests WHERE id IN (SELECT id FROM requests WHERE scope = ? "
        "AND state <> 'open' ORDER BY closed_at, id LIMIT ?)",
        [guild_id, excess],
    )
    await db.execute(
        "DELETE FROM request_entries WHERE scope = ? AND state = 'answered' AND NOT EXISTS "
        "(SELECT 1 FROM requests r WHERE r.entry_id = request_entries.id)",
        [guild_id],
    )
    row = await db.fetchone("SELECT COUNT(*) FROM requests WHERE scope = ?", [guild_id])
    return int(row[0]) < MAX_PER_SERVER


async def _act(
    db: Connection,
    guild_id: int,
    entry: int | Placement,
    title: str,
    changes: str,
    values: list[object],
) -> int:
    """Apply a moderator's ``changes`` to an entry still in the queue (open or claimed)."""
    if isinstance(entry, int):
        entry_id = entry
    else:
        placed = entry(await _entries(db, guild_id, _UNANSWERED))
        entry_id = (
            await _new_entry(db, guild_id, title, precise_now()) if placed is None else placed
        )
    row = await db.fetchone(
        f"UPDATE request_entries SET {changes} WHERE id = ? AND scope = ? "
        "AND state IN ('open', 'claimed') RETURNING id",
        [*values, entry_id, guild_id],
    )
    if row is None:
        raise EntryGone()
    return entry_id


async def _audit(
    db: Connection, guild_id: int, entry_id: int, actor_id: int, action: str, detail: object
) -> None:
    await db.execute(
        "INSERT INTO request_audit (entry_id, scope, actor_id, action, at, detail) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            entry_id,
            guild_id,
            actor_id,
            action,
            precise_now(),
            json.dumps(detail, ensure_ascii=False),
        ],
    )
