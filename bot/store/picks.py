"""Random recommendations that do not repeat in a channel until its pool runs out."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from typing import Any

from bot.models import Review, ReviewFilters
from bot.store.clock import precise_now
from bot.store.engine import Connection, Database
from bot.store.filters import GenreBits, filter_clause
from bot.store.reviews import ReviewReads

REDRAWS = 20  # at most half the pool is seen, so 20 misses in a row has odds under 1e-6
# A channel remembers this many picks: no repeat within 500 re-rolls, and the table
# stays bounded however long a channel keeps rolling through a 58,788-film pool.
MAX_PICKS_PER_CHANNEL = 500
# Random ids drawn per pick, times the ids' span over the pool: with at least half the
# pool unseen, all of them missing has odds under e^-4 (then a random offset is used).
DRAW_FACTOR = 8
MAX_DRAWS = 2_000  # beyond this the pool is a sliver of the ids: the offset walk is short
# The ids' span, as two scalar subqueries: SQLite answers a lone MIN or MAX from the
# primary key's b-tree, but MIN(id), MAX(id) in one SELECT scans the whole table
# (3.5 ms of every pick at 58,788 films, whatever the filters).
ID_SPAN_SQL = "SELECT (SELECT MIN(id) FROM reviews), (SELECT MAX(id) FROM reviews)"


class Picks:
    """One random review per call, remembered per channel so it does not repeat."""

    def __init__(self, db: Database, genres: GenreBits, reads: ReviewReads) -> None:
        self._db = db
        self._genres = genres
        self._reads = reads
        self._random = random.Random()

    async def random_pick(
        self, filters: ReviewFilters, *, guild_id: int | None, channel_id: int
    ) -> Review | None:
        """A uniformly random review matching ``filters`` not yet shown in ``channel_id``.

        Once every matching review has been shown, the channel's history for
        that pool is forgotten and the cycle starts again (avoiding an
        immediate repeat of the last pick when the pool allows it).
        """
        where, params = filter_clause(
            filters,
            guild_id,
            self._genres.bits,
            self._db.dialect,
            await self._reads.shadowed(guild_id),
        )
        return await self.pick_where(where, params, channel_id)

    async def pick_where(self, where: str, params: list[Any], channel_id: int) -> Review | None:
        """:meth:`random_pick` over the reviews ``r`` matching ``where`` (a filter clause,
        maybe narrowed further, as a search narrows it)."""
        async with self._db.transaction() as db:
            pool = await _scalar(db, f"SELECT COUNT(*) FROM reviews r WHERE {where}", params)
            if pool == 0:
                return None
            rows = await db.fetchall(
                "SELECT r.id FROM recent_picks p JOIN reviews r ON r.id = p.review_id "
                f"WHERE p.channel_id = ? AND {where}",
                [channel_id, *params],
            )
            seen = {int(row[0]) for row in rows}
            if len(seen) >= pool:
                last = await _last_pick(db, channel_id)  # before its record is forgotten
                await db.executemany(
                    "DELETE FROM recent_picks WHERE channel_id = ? AND review_id = ?",
                    [(channel_id, review_id) for review_id in seen],
                )
                seen = {last} if pool > 1 and last in seen else set()
            chosen = await self._pick_unseen(db, where, params, pool, seen)
            await db.execute(
                "INSERT INTO recent_picks (channel_id, review_id, picked_at) VALUES (?, ?, ?) "
                "ON CONFLICT (channel_id, review_id) DO UPDATE SET picked_at = excluded.picked_at",
                [channel_id, chosen, precise_now()],
            )
            await db.execute(
                "DELETE FROM recent_picks WHERE channel_id = ?1 AND review_id IN ("
                "SELECT review_id FROM recent_picks WHERE channel_id = ?1 "
                f"ORDER BY picked_at DESC {db.dialect.no_limit} OFFSET ?2)",
                [channel_id, MAX_PICKS_PER_CHANNEL],
            )
        return await self._reads.get(chosen)

    async def _pick_unseen(
        self, db: Connection, where: str, params: list[Any], pool: int, seen: set[int]
    ) -> int:
        """Uniform over the pool minus ``seen``.

        While most of the pool is unseen, drawing from the whole pool and
        redrawing on a repeat is cheapest: first by random ids (:meth:`_draw_ids`),
        then by a random offset (an index walk, no exclusion list); once most has
        been shown, listing what is left is.
        """
        if len(seen) * 2 <= pool:
            drawn = await self._draw_ids(db, where, params, pool, seen)
            if drawn is not None:
                return drawn
            for _ in range(REDRAWS):
                offset = self._random.randrange(pool)
                candidate = await _scalar(
                    db,
                    f"SELECT r.id FROM reviews r WHERE {where} LIMIT 1 OFFSET ?",
                    [*params, offset],
                )
                if candidate not in seen:
                    return candidate
        rows = await db.fetchall(f"SELECT r.id FROM reviews r WHERE {where}", params)
        left = [int(row[0]) for row in rows if int(row[0]) not in seen]
        return self._random.choice(left)

    async def _draw_ids(
        self, db: Connection, where: str, params: list[Any], pool: int, seen: set[int]
    ) -> int | None:
        """Rejection sampling by id: ids drawn uniformly between the lowest and highest,
        the first one that is in the pool and unseen is the pick, which makes it uniform
        over those. One query, however large the pool, where a random ``OFFSET`` walks
        half of it on average (PostgreSQL's index walks cost tens of milliseconds at
        58,788 films). ``None`` when no draw landed (a pool too sparse among the ids)."""
        low, high = await db.fetchone(ID_SPAN_SQL)
        span = int(high) - int(low) + 1
        # Enough draws that at least half of them landing in an unseen pool film is
        # likely (pool/span is the chance per draw, at least half the pool is unseen).
        draws = -(-span * DRAW_FACTOR // pool)
        if draws > MAX_DRAWS:
            return None
        candidates = [self._random.randint(int(low), int(high)) for _ in range(draws)]
        rows = await db.fetchall(
            f"SELECT r.id FROM reviews r WHERE r.id IN ({db.dialect.json_ids()}) AND {where}",
            [json.dumps(sorted(set(candidates))), *params],
        )
        hits = {int(row[0]) for row in rows} - seen
        return next((candidate for candidate in candidates if candidate in hits), None)


async def _scalar(db: Connection, sql: str, params: Sequence[Any]) -> int:
    row = await db.fetchone(sql, params)
    assert row is not None
    return int(row[0])


async def _last_pick(db: Connection, channel_id: int) -> int | None:
    row = await db.fetchone(
        "SELECT review_id FROM recent_picks WHERE channel_id = ? ORDER BY picked_at DESC LIMIT 1",
        [channel_id],
    )
    return None if row is None else int(row[0])
