"""How reviews are narrowed: the WHERE clause for a :class:`ReviewFilters`, and the
term rows and genre bits it reads, written alongside every review.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from bot.models import Review, ReviewFilters
from bot.store.dialect import Dialect
from bot.store.engine import Connection, Database
from bot.store.schema import GLOBAL_SCOPE

NO_FILTERS = ReviewFilters()
TERM_KINDS = ("director", "cast", "genre")
MAX_GENRE_BIT = 61  # the last bit of reviews.genre_mask a genre gets: 62 genres have one


def column_conditions(dialect: Dialect) -> dict[str, str]:
    """Filters answered by a column of ``reviews`` itself: filter field → condition on its value."""
    return {
        "min_score": "r.score >= ?",
        "verdict": f"{dialect.nocase('r.verdict')} = {dialect.nocase('?')}",
        "year_from": "r.year >= ?",
        "year_to": "r.year <= ?",
        "max_runtime": "r.runtime <= ?",
    }


@lru_cache(maxsize=65_536)  # names repeat: a bulk import folds each a few times at most
def fold(text: str) -> str:
    """Case- and accent-insensitive form of a name, for exact filter matches.

    Deliberately not the matcher's title folding: that one is tuned for fuzzy
    search and may change with it, while this one's output is stored (in
    ``review_terms.value`` and ``genre_bits``), so changing it needs a migration.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


class GenreBits:
    """Folded genre → its bit in ``reviews.genre_mask``, as committed.

    Bits are assigned inside write transactions, so after a rollback the
    cache is reloaded (from the reader, which sees only committed rows) to
    forget bits that were never committed.
    """

    def __init__(self) -> None:
        self.bits: dict[str, int] = {}

    async def reload(self, db: Database) -> None:
        rows = await db.fetchall("SELECT value, bit FROM genre_bits")
        self.bits = {value: bit for value, bit in rows}

    async def assign(self, db: Connection, value: str) -> int | None:
        """The genre's bit, assigning the next free one; ``None`` once all 62 are taken."""
        if value in self.bits:
            return self.bits[value]
        await db.execute(
            "INSERT INTO genre_bits (value, bit) SELECT CAST(? AS TEXT), COALESCE(MAX(bit) + 1, 0) "
            f"FROM genre_bits HAVING COALESCE(MAX(bit) + 1, 0) <= {MAX_GENRE_BIT} "
            "ON CONFLICT DO NOTHING",
            [value],
        )
        row = await db.fetchone("SELECT bit FROM genre_bits WHERE value = ?", [value])
        if row is None:
            return None
        self.bits[value] = int(row[0])
        return self.bits[value]


async def write_terms(db: Connection, review: Review, genres: GenreBits) -> None:
    """Replace the review's director, cast and genre rows and its genre mask."""
    await db.execute("DELETE FROM review_terms WHERE review_id = ?", [review.id])
    rows = [
        (review.id, kind, fold(label), label)
        for kind, labels in zip(
            TERM_KINDS, (review.directors, review.cast, review.genres), strict=True
        )
        for label in labels
    ]
    await db.executemany(
        "INSERT INTO review_terms (review_id, kind, value, label) VALUES (?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        rows,
    )
    mask = 0
    for genre in review.genres:
        bit = await genres.assign(db, fold(genre))
        if bit is not None:
            mask |= 1 << bit
    await db.execute("UPDATE reviews SET genre_mask = ? WHERE id = ?", [mask, review.id])


# Above this many, the shadowed ids are matched by a subquery instead of listed.
MAX_LISTED_SHADOWS = 500

# The global reviews a guild's own live reviews stand in for (same film_key).
SHADOWED_SQL = (
    "SELECT shadowed.id FROM reviews own JOIN reviews shadowed "
    "ON shadowed.scope = ? AND shadowed.film_key = own.film_key "
    "WHERE own.scope = ? AND own.deleted_at IS NULL"
)


def visible_clause(guild_id: int | None, shadowed: Sequence[int] = ()) -> tuple[str, list[Any]]:
    """A guild sees the global catalog and its own reviews, never another guild's.

    ``shadowed`` are the global reviews the guild has its own review of (read with
    :data:`SHADOWED_SQL` just before): those are left out, so each film has one
    card. Most guilds have none, and then the clause costs nothing extra.
    """
    if guild_id is None:
        return "r.scope = ?", [GLOBAL_SCOPE]
    clause, params = "r.scope IN (?, ?)", [GLOBAL_SCOPE, guild_id]
    if len(shadowed) > MAX_LISTED_SHADOWS:
        return f"{clause} AND r.id NOT IN ({SHADOWED_SQL})", [*params, GLOBAL_SCOPE, guild_id]
    if shadowed:
        marks = ", ".join("?" * len(shadowed))
        return f"{clause} AND r.id NOT IN ({marks})", [*params, *shadowed]
    return clause, params


def filter_clause(
    filters: ReviewFilters,
    guild_id: int | None,
    genre_bits: Mapping[str, int],
    dialect: Dialect,
    shadowed: Sequence[int] = (),
) -> tuple[str, list[Any]]:
    """The WHERE clause (over ``reviews r``) for the live reviews ``guild_id`` sees."""
    visible, params = visible_clause(guild_id, shadowed)
    clauses = [visible, "r.deleted_at IS NULL"]
    for name, condition in column_conditions(dialect).items():
        value = getattr(filters, name)
        if value is not None:
            clauses.append(condition)
            params.append(value)
    genre_bit = None if filters.genre is None else genre_bits.get(fold(filters.genre))
    if genre_bit is not None:
        clauses.append("(r.genre_mask & ?) != 0")
        params.append(1 << genre_bit)
    for kind, value in zip(
        TERM_KINDS,
        (filters.director, filters.cast_member, filters.genre if genre_bit is None else None),
        strict=True,
    ):
        if value is not None:
            clauses.append(
                "r.id IN (SELECT review_id FROM review_terms WHERE kind = ? AND value = ?)"
            )
            params.extend([kind, fold(value)])
    return " AND ".join(clauses), params
