"""What the catalog says about itself: stats, related reviews, autocomplete labels."""

from __future__ import annotations

import json
from typing import Any

from bot.histograms import SCORE_STEP, CatalogHistograms
from bot.models import CatalogStats, Review, ReviewFilters
from bot.store.engine import Database
from bot.store.filters import NO_FILTERS, GenreBits, filter_clause, fold, visible_clause
from bot.store.reviews import ReviewReads
from bot.store.schema import GLOBAL_SCOPE, REVIEW_COLUMNS, decode_review

MAX_PREFIX = 100  # autocomplete text; SQLite refuses very long LIKE patterns
# A shared director outweighs a shared actor, which outweighs a genre.
RELATION_WEIGHTS = {"director": 3, "cast": 2, "genre": 1}


# Every genre mask in one scope, by repeated index seeks (reviews_by_genre).
_DISTINCT_MASKS = (
    "WITH RECURSIVE masks(m) AS ("
    "SELECT MIN(genre_mask) FROM reviews WHERE scope = ?1 AND deleted_at IS NULL "
    "UNION ALL SELECT (SELECT MIN(genre_mask) FROM reviews WHERE scope = ?1 "
    "AND deleted_at IS NULL AND genre_mask > m) FROM masks WHERE m IS NOT NULL) "
    "SELECT m FROM masks WHERE m IS NOT NULL"
)


_LOWEST_IDS = (
    "SELECT id FROM (SELECT id FROM reviews WHERE scope = ? AND deleted_at IS NULL "
    "AND genre_mask = ? ORDER BY id LIMIT ?) AS lowest"
)
MAX_COMPOUND = 400  # SQLite allows 500 SELECTs in one compound statement


def _weight_sql(kinds: tuple[str, ...]) -> str:
    cases = " ".join(f"WHEN '{kind}' THEN {RELATION_WEIGHTS[kind]}" for kind in kinds)
    return f"CASE other.kind {cases} ELSE 0 END"


_REVIEW_SELECT_R = ", ".join(f"r.{column.name}" for column in REVIEW_COLUMNS)


def _like_prefix(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


class Insights:
    """Aggregates over what a guild sees (its shadowed global reviews left out)."""

    def __init__(self, db: Database, genres: GenreBits, reads: ReviewReads) -> None:
        self._db = db
        self._genres = genres
        self._reads = reads

    async def term_labels(
        self, kind: str, prefix: str, *, guild_id: int | None, limit: int = 25
    ) -> list[str]:
        """Director, cast or genre names that start with ``prefix`` (for autocomplete)."""
        visible, params = visible_clause(guild_id, await self._reads.shadowed(guild_id))
        rows = await self._db.fetchall(
            "SELECT MIN(t.label), COUNT(*) AS n FROM review_terms t "
            "JOIN reviews r ON r.id = t.review_id "
            f"WHERE t.kind = ? AND t.value LIKE ? ESCAPE '\\' AND {visible} "
            "AND r.deleted_at IS NULL GROUP BY t.value ORDER BY n DESC, MIN(t.label) LIMIT ?",
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
        visible, params = visible_clause(guild_id, await self._reads.shadowed(guild_id))
        rows = await self._db.fetchall(
            f"SELECT MIN(verdict), COUNT(*) AS n FROM reviews r WHERE {visible} "
            "AND deleted_at IS NULL AND verdict != '' "
            f"GROUP BY {self._db.dialect.nocase('verdict')} ORDER BY n DESC, 1",
            params,
        )
        return [label for label, _ in rows]

    async def stats(self, *, guild_id: int | None, top: int = 5) -> CatalogStats:
        dialect = self._db.dialect
        where, params = filter_clause(
            NO_FILTERS, guild_id, self._genres.bits, dialect, await self._reads.shadowed(guild_id)
        )
        total_row = await self._db.fetchone(
            f"SELECT COUNT(*), AVG(score) FROM reviews r WHERE {where}", params
        )
        buckets = await self._db.fetchall(
            f"SELECT {dialect.whole_part('score')}, COUNT(*) FROM reviews r WHERE {where} "
            "AND score IS NOT NULL GROUP BY 1 ORDER BY 1",
            params,
        )
        verdicts = await self._db.fetchall(
            f"SELECT MIN(verdict), COUNT(*) FROM reviews r WHERE {where} AND verdict != '' "
            f"GROUP BY {dialect.nocase('verdict')} ORDER BY 2 DESC, 1",
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

    async def histograms(
        self, filters: ReviewFilters, *, guild_id: int | None, genres: int = 10
    ) -> CatalogHistograms:
        """The slice of the catalog ``guild_id`` sees through ``filters``, counted by
        half-point score, by decade and by its ``genres`` most common genres."""
        dialect = self._db.dialect
        where, params = filter_clause(
            filters, guild_id, self._genres.bits, dialect, await self._reads.shadowed(guild_id)
        )
        total, average = await self._db.fetchone(
            f"SELECT COUNT(*), AVG(score) FROM reviews r WHERE {where}", params
        )
        steps = await self._db.fetchall(
            f"SELECT {dialect.whole_part(f'r.score / {SCORE_STEP}')}, COUNT(*) FROM reviews r "
            f"WHERE {where} AND r.score IS NOT NULL GROUP BY 1 ORDER BY 1",
            params,
        )
        # Integer division on both engines: the year is an INTEGER column.
        decades = await self._db.fetchall(
            f"SELECT (r.year / 10) * 10, COUNT(*) FROM reviews r WHERE {where} "
            "GROUP BY 1 ORDER BY 1",
            params,
        )
        genre_counts = await self._db.fetchall(
            "SELECT MIN(t.label), COUNT(*) FROM review_terms t "
            "JOIN reviews r ON r.id = t.review_id "
            f"WHERE t.kind = 'genre' AND {where} GROUP BY t.value ORDER BY 2 DESC, 1 LIMIT ?",
            [*params, genres],
        )
        return CatalogHistograms(
            total=int(total),
            average_score=None if average is None else round(float(average), 2),
            by_score={int(step) * SCORE_STEP: int(n) for step, n in steps},
            by_decade={int(decade): int(n) for decade, n in decades},
            by_genre=[(label, int(n)) for label, n in genre_counts],
        )

    async def related(
        self, review: Review, *, guild_id: int | None, limit: int = 10
    ) -> list[tuple[Review, list[tuple[str, str]]]]:
        """Reviews sharing a director, cast member or genre with ``review``.

        Returns each with the shared (kind, label) pairs, most shared first
        by :data:`RELATION_WEIGHTS`.
        """
        shadowed = await self._reads.shadowed(guild_id)
        visible, params = visible_clause(guild_id, shadowed)
        # Never the film itself: not this row, nor another scope's review of it.
        live = f"{visible} AND r.deleted_at IS NULL AND r.film_key != ?"
        people = _weight_sql(("director", "cast"))
        # Films sharing a person: few, so they are scored whole (people and genres).
        ranked = await self._db.fetchall(
            f"WITH people AS (SELECT other.review_id AS id, SUM({people}) AS score "
            "FROM review_terms mine JOIN review_terms other "
            "ON other.kind = mine.kind AND other.value = mine.value "
            "WHERE mine.review_id = ?1 AND mine.kind IN ('director', 'cast') "
            "GROUP BY other.review_id) "
            f"SELECT p.id, p.score + {RELATION_WEIGHTS['genre']} * (SELECT COUNT(*) "
            "FROM review_terms g JOIN review_terms mine ON mine.kind = 'genre' "
            "AND mine.value = g.value AND mine.review_id = ?1 "
            "WHERE g.kind = 'genre' AND g.review_id = p.id) AS score "
            f"FROM people p JOIN reviews r ON r.id = p.id WHERE {live} "
            "ORDER BY score DESC, p.id LIMIT ?",
            [review.id, *params, review.film, limit],
        )
        # Films sharing only genres: a third of the catalog may share one, so they are
        # ranked inside SQLite by genre bits, the best ``limit`` only.
        people_ids = {row[0] for row in ranked}
        ranked += await self._genre_only(review, guild_id, live, params, people_ids, limit)
        ranked.sort(key=lambda row: (-row[1], row[0]))
        chosen = [row[0] for row in ranked[:limit]]
        if not chosen:
            return []
        rows = await self._db.fetchall(
            f"SELECT {_REVIEW_SELECT_R}, other.kind, other.label FROM review_terms mine "
            "JOIN review_terms other ON other.kind = mine.kind AND other.value = mine.value "
            "JOIN reviews r ON r.id = other.review_id "
            f"WHERE mine.review_id = ? AND other.review_id IN ({self._db.dialect.json_ids()})",
            [review.id, json.dumps(chosen)],
        )
        width = len(REVIEW_COLUMNS)
        found: dict[int, tuple[Review, list[tuple[str, str]]]] = {}
        for row in rows:
            other = decode_review(row[:width])
            entry = found.setdefault(other.id, (other, []))
            entry[1].append((row[width], row[width + 1]))
        results = [found[review_id] for review_id in chosen if review_id in found]
        for _, reasons in results:
            reasons.sort(key=lambda reason: -RELATION_WEIGHTS[reason[0]])
        return results

    async def _genre_only(
        self,
        review: Review,
        guild_id: int | None,
        live: str,
        params: list[Any],
        exclude: set[int],
        limit: int,
    ) -> list[Any]:
        """(id, score) of the best films sharing only genres with ``review``.

        ``live`` (with ``params`` and then the film key) is what a film must pass to be
        shown; ``exclude`` are the films already scored for sharing a person.
        """
        bits = [self._genres.bits.get(fold(genre)) for genre in review.genres]
        if not bits:
            return []
        weight = RELATION_WEIGHTS["genre"]
        if None in bits:  # a genre past the 62 with bits: count term rows instead
            return await self._db.fetchall(
                f"SELECT r.id, {weight} * COUNT(*) AS score FROM review_terms mine "
                "JOIN review_terms other ON other.kind = 'genre' AND other.value = mine.value "
                f"JOIN reviews r ON r.id = other.review_id WHERE mine.review_id = ? "
                f"AND mine.kind = 'genre' AND {live} "
                f"AND r.id NOT IN ({self._db.dialect.json_ids()}) "
                "GROUP BY r.id ORDER BY score DESC, r.id LIMIT ?",
                [review.id, *params, review.film, json.dumps(sorted(exclude)), limit],
            )
        # Each distinct genre mask scores the same for every film that carries it, and
        # masks are few: score the masks, then take the lowest ids of the best ones, each
        # a seek in reviews_by_genre. No scan of the films sharing a common genre.
        mine = sorted({bit for bit in bits if bit is not None})
        masks: set[tuple[int, int]] = set()  # (scope, mask)
        scopes = [GLOBAL_SCOPE] if guild_id is None else [GLOBAL_SCOPE, guild_id]
        for scope in scopes:
            rows = await self._db.fetchall(_DISTINCT_MASKS, [scope])
            masks.update((scope, int(row[0])) for row in rows)
        levels: dict[int, list[tuple[int, int]]] = {}
        for scope, mask in masks:
            shared = sum((mask >> bit) & 1 for bit in mine)
            if shared:
                levels.setdefault(weight * shared, []).append((scope, mask))
        found: list[Any] = []
        # Enough per mask to fill ``limit`` after leaving out the films already scored,
        # shadowed global reviews and the film itself (checked by ``live`` below).
        per_mask = limit + len(exclude) + len(params) + 2
        for score in sorted(levels, reverse=True):
            ids: list[int] = []
            for start in range(0, len(levels[score]), MAX_COMPOUND):
                group = levels[score][start : start + MAX_COMPOUND]
                rows = await self._db.fetchall(
                    " UNION ALL ".join([_LOWEST_IDS] * len(group)),
                    [v for scope, mask in group for v in (scope, mask, per_mask)],
                )
                ids.extend(int(row[0]) for row in rows if int(row[0]) not in exclude)
            shown = await self._db.fetchall(
                f"SELECT r.id FROM reviews r WHERE r.id IN ({self._db.dialect.json_ids()}) "
                f"AND {live} ORDER BY r.id LIMIT ?",
                [json.dumps(ids), *params, review.film, limit - len(found)],
            )
            found.extend((int(row[0]), score) for row in shown)
            if len(found) >= limit:
                break
        return found
