"""What the catalog says about itself: stats, related reviews, autocomplete labels."""

from __future__ import annotations

from bot.models import CatalogStats, Review
from bot.store.filters import NO_FILTERS, filter_clause, fold, visible_clause
from bot.store.reviews import ReviewReads

MAX_PREFIX = 100  # autocomplete text; SQLite refuses very long LIKE patterns
# A shared director outweighs a shared actor, which outweighs a genre.
RELATION_WEIGHTS = {"director": 3, "cast": 2, "genre": 1}


def _like_prefix(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


class Insights(ReviewReads):
    async def term_labels(
        self, kind: str, prefix: str, *, guild_id: int | None, limit: int = 25
    ) -> list[str]:
        """Director, cast or genre names that start with ``prefix`` (for autocomplete)."""
        visible, params = visible_clause(guild_id, await self.shadowed(guild_id))
        rows = await self._db.fetchall(
            "SELECT t.label, COUNT(*) AS n FROM review_terms t "
            "JOIN reviews r ON r.id = t.review_id "
            f"WHERE t.kind = ? AND t.value LIKE ? ESCAPE '\\' AND {visible} "
            "AND r.deleted_at IS NULL GROUP BY t.value ORDER BY n DESC, t.label LIMIT ?",
            [kind, _like_prefix(fold(prefix)[:MAX_PREFIX]), *params, limit],
        )
        return [label for label, _ in rows]

    async def term_names(self, kind: str, *, guild_id: int | None) -> list[tuple[str, int]]:
        """Every director or cast name ``guild_id`` sees, with how many reviews carry it
        (for the people matcher, which resolves what members type to these names)."""
        visible, params = visible_clause(guild_id)
        rows = await self._db.fetchall(
            "SELECT MIN(t.label), COUNT(*) FROM review_terms t "
            "JOIN reviews r ON r.id = t.review_id "
            f"WHERE t.kind = ? AND {visible} AND r.deleted_at IS NULL GROUP BY t.value",
            [kind, *params],
        )
        return [(label, int(n)) for label, n in rows]

    async def verdict_labels(self, *, guild_id: int | None) -> list[str]:
        visible, params = visible_clause(guild_id, await self.shadowed(guild_id))
        rows = await self._db.fetchall(
            f"SELECT verdict, COUNT(*) AS n FROM reviews r WHERE {visible} AND deleted_at IS NULL "
            "AND verdict != '' GROUP BY verdict COLLATE NOCASE ORDER BY n DESC, verdict",
            params,
        )
        return [label for label, _ in rows]

    async def stats(self, *, guild_id: int | None, top: int = 5) -> CatalogStats:
        where, params = filter_clause(
            NO_FILTERS, guild_id, self._genres.bits, await self.shadowed(guild_id)
        )
        total_row = await self._db.fetchone(
            f"SELECT COUNT(*), AVG(score) FROM reviews r WHERE {where}", params
        )
        buckets = await self._db.fetchall(
            f"SELECT CAST(score AS INTEGER), COUNT(*) FROM reviews r WHERE {where} "
            "AND score IS NOT NULL GROUP BY 1 ORDER BY 1",
            params,
        )
        verdicts = await self._db.fetchall(
            f"SELECT verdict, COUNT(*) FROM reviews r WHERE {where} AND verdict != '' "
            "GROUP BY verdict COLLATE NOCASE ORDER BY 2 DESC, 1",
            params,
        )
        directors = await self._db.fetchall(
            "SELECT MIN(t.label), COUNT(*) FROM review_terms t "
            "JOIN reviews r ON r.id = t.review_id "
            f"WHERE t.kind = 'director' AND {where} GROUP BY t.value ORDER BY 2 DESC, 1 LIMIT ?",
            [*params, top],
        )
        average = total_row[1]
        return CatalogStats(
            total=int(total_row[0]),
            score_buckets={int(bucket): int(n) for bucket, n in buckets},
            verdicts={label: int(n) for label, n in verdicts},
            top_directors=[(label, int(n)) for label, n in directors],
            average_score=None if average is None else round(float(average), 2),
        )

    async def related(
        self, review: Review, *, guild_id: int | None, limit: int = 10
    ) -> list[tuple[Review, list[tuple[str, str]]]]:
        """Reviews sharing a director, cast member or genre with ``review``.

        Returns each with the shared (kind, label) pairs, most shared first
        by :data:`RELATION_WEIGHTS`.
        """
        visible, params = visible_clause(guild_id, await self.shadowed(guild_id))
        rows = await self._db.fetchall(
            "SELECT other.review_id, other.kind, other.label FROM review_terms mine "
            "JOIN review_terms other ON other.kind = mine.kind AND other.value = mine.value "
            "JOIN reviews r ON r.id = other.review_id "
            # Never the film itself: not this row, nor another scope's review of it.
            f"WHERE mine.review_id = ? AND r.film_key != ? AND {visible} "
            "AND r.deleted_at IS NULL",
            [review.id, review.film, *params],
        )
        shared: dict[int, list[tuple[str, str]]] = {}
        for other_id, kind, label in rows:
            shared.setdefault(other_id, []).append((kind, label))
        ranked = sorted(
            shared.items(),
            key=lambda item: (-sum(RELATION_WEIGHTS[kind] for kind, _ in item[1]), item[0]),
        )[:limit]
        results = []
        for other_id, reasons in ranked:
            other = await self.get(other_id)
            if other is not None:
                reasons.sort(key=lambda reason: -RELATION_WEIGHTS[reason[0]])
                results.append((other, reasons))
        return results
