"""The change feed: how one process learns what the others wrote.

A running bot keeps an in-memory title index (and other caches) over the catalog,
but any process may write to the database: ``reviewbot import`` beside the bot, a
second bot, a moderator's CLI edit. Each committed change to a review is one
:class:`Change`, in commit order; a :class:`ChangeFeed` hands them to the catalog in
batches and the catalog applies each batch incrementally (one film changed, one
index entry touched).

Each engine implements the same protocol its own way, and nothing else knows which:
the SQLite feed (:class:`bot.store.sqlite.feed.SqliteChangeFeed`) reads an append-only
``changes`` table by cursor; the PostgreSQL feed
(:class:`bot.store.postgres.feed.PostgresChangeFeed`) hears each commit through
``LISTEN``/``NOTIFY``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal, Protocol

ChangeKind = Literal["insert", "update", "delete"]


@dataclass(frozen=True, slots=True)
class Change:
    """One review row written, by whom: ``external`` when another process (or store) did it."""

    position: int  # in the feed, increasing in commit order
    review_id: int
    kind: ChangeKind
    external: bool


@dataclass(frozen=True, slots=True)
class ChangeBatch:
    """Changes to apply together; ``complete`` is ``False`` when the feed lost some.

    A follower that falls too far behind (its cursor was pruned away) cannot apply
    the gap change by change and rebuilds from the store instead.
    """

    changes: tuple[Change, ...]
    complete: bool = True


class ChangeFeed(Protocol):
    def batches(self) -> AsyncIterator[ChangeBatch]:
        """Batches of changes after the follower's starting point, forever."""
        ...

    async def catch_up(self) -> ChangeBatch:
        """Whatever is committed and not yet delivered, now (empty when nothing is)."""
        ...
