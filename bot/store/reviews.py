"""Reading reviews: by id, by title, filtered lists, counts, the title index feed, history."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Collection, Sequence
from typing import Any

from bot.matching import normalize_title
from bot.models import AuditEntry, Review, ReviewDraft, ReviewFilters, TitleEntry
from bot.store.dialect import Dialect, placeholders
from bot.store.engine import Connection, Database
from bot.store.filters import NO_FILTERS, SHADOWED_SQL, GenreBits, filter_clause
from bot.store.schema import (
    GLOBAL_SCOPE,
    REVIEW_SELECT,
    db_scope,
    decode,
    decode_review,
    py_scope,
    select_list,
)

ORDERS = ("score", "title", "id")


def order_by(order: str, dialect: Dialect) -> str:
    """The ORDER BY list for one of :data:`ORDERS`."""
    return {
        # The bare column: SQLite then reads the best scores from reviews_visible and
        # sorts only the titles within each score, stopping at the LIMIT; "score IS
        # NULL, score DESC" sorted every matching row, 22 ms for /top's 15,511.
        "score": f"{dialect.descending('r.score')}, r.title",
        "title": f"{dialect.nocase('r.title')}, r.year",
        "id": "r.id",
    }[order]


_TITLE_FIELDS = ("id", "title", "year", "aliases", "scope")
EXPORT_PAGE = 1_000
IDS_PER_QUERY = 500  # well under SQLite's 32,766 host parameters


async def select_review(db: Connection, where: str, params: Sequence[Any]) -> Review | None:
    """The first review matching ``where``, read on ``db`` (the writer, inside a transaction)."""
    row = await db.fetchone(f"SELECT {REVIEW_SELECT} FROM reviews WHERE {where}", params)
    return None if row is None else decode_review(row)


class ReviewReads:
    """Lookups on the reader connection; they never wait on a write."""

    def __init__(self, db: Database, genres: GenreBits) -> None:
        self._db = db
        self._genres = genres

    async def get(self, review_id: int, *, include_deleted: bool = False) -> Review | None:
        row = await self._db.fetchone(
            f"SELECT {REVIEW_SELECT} FROM reviews WHERE id = ?", (review_id,)
        )
        if row is None:
            return None
        review = decode_review(row)
        if review.deleted_at is not None and not include_deleted:
            return None
        return review

    async def get_many(self, ids: Sequence[int]) -> list[Review]:
        """Live reviews by id, in id order (one query, however many)."""
        rows = await self._db.fetchall(
            f"SELECT {REVIEW_SELECT} FROM reviews WHERE deleted_at IS NULL "
            f"AND id IN ({self._db.dialect.json_ids()}) ORDER BY id",
            [json.dumps(list(ids))],
        )
        return [decode_review(row) for row in rows]

    async def get_visible(
        self, review_id: int, guild_id: int | None, *, include_deleted: bool = False
    ) -> Review | None:
        """The review if ``guild_id`` may see it (global or its own), else ``None``."""
        review = await self.get(review_id, include_deleted=include_deleted)
        if review is None or review.scope not in (None, guild_id):
            return None
        return review

    async def find_by_title(
        self, title: str, year: int | None, *, scope: int | None, include_deleted: bool = False
    ) -> list[Review]:
        """Reviews in exactly ``scope`` whose normalised title equals ``title``'s."""
        sql = f"SELECT {REVIEW_SELECT} FROM reviews WHERE scope = ? AND title_key = ?"
        params: list[Any] = [db_scope(scope), normalize_title(title)]
        if year is not None:
            sql += " AND year = ?"
            params.append(year)
        if not include_deleted:
            sql += " AND deleted_at IS NULL"
        rows = await self._db.fetchall(sql + " ORDER BY year", params)
        return [decode_review(row) for row in rows]

    async def find_identity(self, review: ReviewDraft) -> Review | None:
        """The live review in ``review``'s scope that an import of it would update."""
        row = await self._db.fetchone(
            f"SELECT {REVIEW_SELECT} FROM reviews "
            "WHERE scope = ? AND identity = ? AND deleted_at IS NULL",
            [db_scope(review.scope), review.identity],
        )
        return None if row is None else decode_review(row)

    async def shadowed(self, guild_id: int | None) -> list[int]:
        """The global reviews ``guild_id``'s own reviews stand in for (one film, one card)."""
        if guild_id is None:
            return []
        rows = await self._db.fetchall(SHADOWED_SQL, [GLOBAL_SCOPE, guild_id])
        return [int(review_id) for (review_id,) in rows]

    async def cards(self, review_ids: Sequence[int], guild_id: int | None) -> dict[int, Review]:
        """The card ``guild_id`` is shown for each of ``review_ids`` it may see, by the
        id asked for: the review itself, or, for a global review, the guild's own live
        review of the same film, which shadows it (one film, one card per server).

        One query however many ids: a lookup's menu offers up to 25 titles, and reading
        them one by one (the review, then its guild copy) took up to 50 round trips.
        """
        if not review_ids:
            return {}
        guild = db_scope(guild_id)
        rows = await self._db.fetchall(
            f"WITH wanted(id) AS ({self._db.dialect.json_ids()}), "
            "shown AS (SELECT r.id AS wanted, CASE WHEN r.scope = ?2 THEN r.id ELSE COALESCE("
            "(SELECT o.id FROM reviews o WHERE o.scope = ?2 AND o.film_key = r.film_key "
            "AND o.deleted_at IS NULL ORDER BY o.id LIMIT 1), r.id) END AS card "
            "FROM reviews r JOIN wanted w ON r.id = w.id "
            f"WHERE r.deleted_at IS NULL AND r.scope IN ({GLOBAL_SCOPE}, ?2)) "
            f"SELECT shown.wanted, {REVIEW_SELECT} "
            "FROM shown JOIN reviews ON reviews.id = shown.card",
            [json.dumps(list(review_ids)), guild],
        )
        cards: dict[int, Review] = {}
        for wanted, *values in rows:
            cards[int(wanted)] = decode_review(values)
        return cards

    async def list_reviews(
        self,
        filters: ReviewFilters = NO_FILTERS,
        *,
        guild_id: int | None,
        limit: int = 25,
        offset: int = 0,
        order: str = "score",
    ) -> list[Review]:
        where, params = filter_clause(
            filters, guild_id, self._genres.bits, self._db.dialect, await self.shadowed(guild_id)
        )
        rows = await self._db.fetchall(
            f"SELECT {REVIEW_SELECT} FROM reviews r WHERE {where} "
            f"ORDER BY {order_by(order, self._db.dialect)} "
            "LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [decode_review(row) for row in rows]

    async def scope_reviews(
        self, scope: int | None, *, include_deleted: bool = False
    ) -> list[Review]:
        """Every review stored in exactly one scope (for export)."""
        sql = f"SELECT {REVIEW_SELECT} FROM reviews WHERE scope = ?"
        if not include_deleted:
            sql += " AND deleted_at IS NULL"
        rows = await self._db.fetchall(
            sql + f" ORDER BY {self._db.dialect.nocase('title')}, year", [db_scope(scope)]
        )
        return [decode_review(row) for row in rows]

    async def scope_review_pages(
        self, scope: int | None, *, page: int = EXPORT_PAGE
    ) -> AsyncIterator[list[Review]]:
        """A scope's live reviews in pages by id, so an export never holds all of them."""
        after = 0
        while True:
            rows = await self._db.fetchall(
                f"SELECT {REVIEW_SELECT} FROM reviews WHERE scope = ? AND deleted_at IS NULL "
                "AND id > ? ORDER BY id LIMIT ?",
                [db_scope(scope), after, page],
            )
            if not rows:
                return
            reviews = [decode_review(row) for row in rows]
            yield reviews
            after = reviews[-1].id or 0

    async def deleted_reviews(self, scope: int | None, *, limit: int = 25) -> list[Review]:
        rows = await self._db.fetchall(
            f"SELECT {REVIEW_SELECT} FROM reviews WHERE scope = ? AND deleted_at IS NOT NULL "
            "ORDER BY deleted_at DESC LIMIT ?",
            [db_scope(scope), limit],
        )
        return [decode_review(row) for row in rows]

    async def count(self, filters: ReviewFilters = NO_FILTERS, *, guild_id: int | None) -> int:
        where, params = filter_clause(
            filters, guild_id, self._genres.bits, self._db.dialect, await self.shadowed(guild_id)
        )
        row = await self._db.fetchone(f"SELECT COUNT(*) FROM reviews r WHERE {where}", params)
        return int(row[0])

    async def is_empty(self) -> bool:
        row = await self._db.fetchone("SELECT EXISTS (SELECT 1 FROM reviews)")
        return not row[0]

    async def title_entries(self, ids: Collection[int] | None = None) -> list[TitleEntry]:
        """Every live review's titles (or only those of ``ids``), for the title index."""
        sql = f"SELECT {select_list(_TITLE_FIELDS)} FROM reviews WHERE deleted_at IS NULL"
        if ids is None:
            rows = await self._db.fetchall(sql)
        else:
            wanted = sorted(ids)
            rows = []
            for start in range(0, len(wanted), IDS_PER_QUERY):
                chunk = wanted[start : start + IDS_PER_QUERY]
                rows += await self._db.fetchall(
                    f"{sql} AND id IN ({placeholders(len(chunk))})", chunk
                )
        entries = []
        for row in rows:
            values = decode(_TITLE_FIELDS, row)
            entries.append(
                TitleEntry(
                    values["id"],
                    values["title"],
                    values["year"],
                    values["aliases"],
                    values["scope"],
                )
            )
        return entries

    async def history(self, review_id: int) -> list[AuditEntry]:
        rows = await self._db.fetchall(
            "SELECT id, review_id, scope, actor_id, action, at, before, after FROM audit_log "
            "WHERE review_id = ? ORDER BY id",
            [review_id],
        )
        return [
            AuditEntry(
                id=entry_id,
                review_id=rid,
                scope=py_scope(scope),
                actor_id=actor,
                action=action,
                at=at,
                before=json.loads(before) if before else None,
                after=json.loads(after) if after else None,
            )
            for entry_id, rid, scope, actor, action, at, before, after in rows
        ]
