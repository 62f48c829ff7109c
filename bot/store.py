"""The review store: every line of SQL in the project lives in this module.

One SQLite file in WAL mode, opened through two aiosqlite connections: a
writer, used by one coroutine at a time behind a lock, and a reader, so
lookups never wait on (or see half of) a write transaction.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import sqlite3
import unicodedata
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from bot.matching import normalize_title
from bot.models import (
    CONTENT_FIELDS,
    AuditEntry,
    CatalogStats,
    ImportReport,
    Review,
    ReviewFilters,
    review_from_fields,
)

log = logging.getLogger(__name__)

GLOBAL_SCOPE = 0  # how the global catalog is stored; ``None`` in Python
BUSY_TIMEOUT_MS = 10_000
NO_FILTERS = ReviewFilters()
ANALYZE_AFTER_ROWS = 1_000
MAX_PREFIX = 100  # autocomplete text; SQLite refuses very long LIKE patterns
REDRAWS = 20  # at most half the pool is seen, so 20 misses in a row has odds under 1e-6


class StoreError(Exception):
    """Base class for errors a caller is expected to show to a person."""


class ReviewNotFound(StoreError):
    def __init__(self, review_id: int) -> None:
        super().__init__(f"no review with id {review_id} in this catalog")
        self.review_id = review_id


class DuplicateReview(StoreError):
    def __init__(self, existing: Review) -> None:
        super().__init__(f"{existing.display_title} is already in this catalog (id {existing.id})")
        self.existing = existing


@dataclass(frozen=True, slots=True)
class TitleEntry:
    """What the title index needs to know about one review."""

    review_id: int
    title: str
    year: int
    aliases: tuple[str, ...]
    scope: int | None


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations() -> list[Migration]:
    folder = resources.files("bot") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number, _, rest = entry.name.partition("_")
            found.append(
                Migration(int(number), rest.removesuffix(".sql"), entry.read_text("utf-8"))
            )
    return sorted(found, key=lambda migration: migration.version)


MIGRATIONS = load_migrations()
LATEST_VERSION = MIGRATIONS[-1].version


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def fold(text: str) -> str:
    """Case- and accent-insensitive form of a name, for exact filter matches."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


def _db_scope(scope: int | None) -> int:
    return GLOBAL_SCOPE if scope is None else scope


def _py_scope(scope: int) -> int | None:
    return None if scope == GLOBAL_SCOPE else scope


_REVIEW_COLUMNS = (
    "id, scope, title, year, tagline, directors, cast_members, runtime, score, verdict, "
    "verdict_text, body, reviewer, review_url, poster_url, genres, aliases, created_by, "
    "created_at, updated_by, updated_at, deleted_at"
)


def _row_to_review(row: sqlite3.Row | tuple[Any, ...]) -> Review:
    (
        rid,
        scope,
        title,
        year,
        tagline,
        directors,
        cast,
        runtime,
        score,
        verdict,
        verdict_text,
        body,
        reviewer,
        review_url,
        poster_url,
        genres,
        aliases,
        created_by,
        created_at,
        updated_by,
        updated_at,
        deleted_at,
    ) = tuple(row)
    return Review(
        id=rid,
        scope=_py_scope(scope),
        title=title,
        year=year,
        tagline=tagline,
        directors=tuple(json.loads(directors)),
        cast=tuple(json.loads(cast)),
        runtime=runtime,
        score=score,
        verdict=verdict,
        verdict_text=verdict_text,
        body=body,
        reviewer=reviewer,
        review_url=review_url,
        poster_url=poster_url,
        genres=tuple(json.loads(genres)),
        aliases=tuple(json.loads(aliases)),
        created_by=created_by,
        created_at=created_at,
        updated_by=updated_by,
        updated_at=updated_at,
        deleted_at=deleted_at,
    )


def _content_params(review: Review) -> dict[str, Any]:
    return {
        "title": review.title,
        "title_key": normalize_title(review.title),
        "year": review.year,
        "tagline": review.tagline,
        "directors": json.dumps(list(review.directors), ensure_ascii=False),
        "cast_members": json.dumps(list(review.cast), ensure_ascii=False),
        "runtime": review.runtime,
        "score": review.score,
        "verdict": review.verdict,
        "verdict_text": review.verdict_text,
        "body": review.body,
        "reviewer": review.reviewer,
        "review_url": review.review_url,
        "poster_url": review.poster_url,
        "genres": json.dumps(list(review.genres), ensure_ascii=False),
        "aliases": json.dumps(list(review.aliases), ensure_ascii=False),
    }


def _visible_clause(guild_id: int | None) -> tuple[str, list[Any]]:
    """A guild sees the global catalog and its own reviews, never another guild's."""
    if guild_id is None:
        return "r.scope = ?", [GLOBAL_SCOPE]
    return "r.scope IN (?, ?)", [GLOBAL_SCOPE, guild_id]


def _filter_clause(
    filters: ReviewFilters, guild_id: int | None, genre_bits: Mapping[str, int]
) -> tuple[str, list[Any]]:
    visible, params = _visible_clause(guild_id)
    clauses = [visible, "r.deleted_at IS NULL"]
    if filters.min_score is not None:
        clauses.append("r.score >= ?")
        params.append(filters.min_score)
    if filters.verdict is not None:
        clauses.append("r.verdict = ? COLLATE NOCASE")
        params.append(filters.verdict)
    if filters.year_from is not None:
        clauses.append("r.year >= ?")
        params.append(filters.year_from)
    if filters.year_to is not None:
        clauses.append("r.year <= ?")
        params.append(filters.year_to)
    if filters.max_runtime is not None:
        clauses.append("r.runtime <= ?")
        params.append(filters.max_runtime)
    genre_bit = None if filters.genre is None else genre_bits.get(fold(filters.genre))
    if genre_bit is not None:
        clauses.append("(r.genre_mask & ?) != 0")
        params.append(1 << genre_bit)
    for kind, value in (
        ("director", filters.director),
        ("cast", filters.cast_member),
        ("genre", filters.genre if genre_bit is None else None),
    ):
        if value is not None:
            clauses.append(
                "r.id IN (SELECT review_id FROM review_terms WHERE kind = ? AND value = ?)"
            )
            params.extend([kind, fold(value)])
    return " AND ".join(clauses), params


class Store:
    """Async access to the review catalog. Create with :meth:`open`."""

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection):
        self.path = path
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()
        self._random = random.Random()
        self._genre_bits: dict[str, int] = {}

    # -- lifecycle -------------------------------------------------------

    @classmethod
    async def open(cls, path: Path | str) -> Store:
        """Open (creating and migrating if needed) the database at ``path``."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = await cls._connect(path)
        try:
            await migrate(writer, path)
            reader = await cls._connect(path)
        except BaseException:
            await writer.close()
            raise
        store = cls(path, writer, reader)
        await store._load_genre_bits()
        return store

    async def _load_genre_bits(self) -> None:
        """Cache genre → bit; after a rollback, forget bits that were never committed."""
        async with self._writer.execute("SELECT value, bit FROM genre_bits") as cursor:
            self._genre_bits = {value: bit for value, bit in await cursor.fetchall()}

    @staticmethod
    async def _connect(path: Path) -> aiosqlite.Connection:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves so a transaction
        # spans exactly the statements we mean it to.
        connection = await aiosqlite.connect(path, isolation_level=None)
        await connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await connection.execute("PRAGMA journal_mode = WAL")
        await connection.execute("PRAGMA foreign_keys = ON")
        await connection.execute("PRAGMA synchronous = NORMAL")
        return connection

    async def close(self) -> None:
        async with self._write_lock:
            await self._reader.close()
            await self._writer.close()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._write_lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException:
                await self._rollback()
                raise
            await self._writer.execute("COMMIT")

    async def _rollback(self) -> None:
        await self._writer.execute("ROLLBACK")
        await self._load_genre_bits()

    async def _fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        async with self._reader.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def _fetchone(self, sql: str, params: Sequence[Any] = ()) -> Any:
        async with self._reader.execute(sql, params) as cursor:
            return await cursor.fetchone()

    # -- reading reviews -------------------------------------------------

    async def get(self, review_id: int, *, include_deleted: bool = False) -> Review | None:
        row = await self._fetchone(
            f"SELECT {_REVIEW_COLUMNS} FROM reviews WHERE id = ?", (review_id,)
        )
        if row is None:
            return None
        review = _row_to_review(row)
        if review.deleted_at is not None and not include_deleted:
            return None
        return review

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
        sql = f"SELECT {_REVIEW_COLUMNS} FROM reviews WHERE scope = ? AND title_key = ?"
        params: list[Any] = [_db_scope(scope), normalize_title(title)]
        if year is not None:
            sql += " AND year = ?"
            params.append(year)
        if not include_deleted:
            sql += " AND deleted_at IS NULL"
        rows = await self._fetchall(sql + " ORDER BY year", params)
        return [_row_to_review(row) for row in rows]

    async def list_reviews(
        self,
        filters: ReviewFilters = NO_FILTERS,
        *,
        guild_id: int | None,
        limit: int = 25,
        offset: int = 0,
        order: str = "score",
    ) -> list[Review]:
        where, params = _filter_clause(filters, guild_id, self._genre_bits)
        order_by = {
            "score": "r.score IS NULL, r.score DESC, r.title",
            "title": "r.title COLLATE NOCASE, r.year",
            "id": "r.id",
        }[order]
        rows = await self._fetchall(
            f"SELECT {_REVIEW_COLUMNS} FROM reviews r WHERE {where} ORDER BY {order_by} "
            "LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [_row_to_review(row) for row in rows]

    async def scope_reviews(
        self, scope: int | None, *, include_deleted: bool = False
    ) -> list[Review]:
        """Every review stored in exactly one scope (for export)."""
        sql = f"SELECT {_REVIEW_COLUMNS} FROM reviews WHERE scope = ?"
        if not include_deleted:
            sql += " AND deleted_at IS NULL"
        rows = await self._fetchall(
            sql + " ORDER BY title COLLATE NOCASE, year", [_db_scope(scope)]
        )
        return [_row_to_review(row) for row in rows]

    async def deleted_reviews(self, scope: int | None, *, limit: int = 25) -> list[Review]:
        rows = await self._fetchall(
            f"SELECT {_REVIEW_COLUMNS} FROM reviews WHERE scope = ? AND deleted_at IS NOT NULL "
            "ORDER BY deleted_at DESC LIMIT ?",
            [_db_scope(scope), limit],
        )
        return [_row_to_review(row) for row in rows]

    async def count(self, filters: ReviewFilters = NO_FILTERS, *, guild_id: int | None) -> int:
        where, params = _filter_clause(filters, guild_id, self._genre_bits)
        row = await self._fetchone(f"SELECT COUNT(*) FROM reviews r WHERE {where}", params)
        return int(row[0])

    async def title_entries(self) -> list[TitleEntry]:
        """Every live review's titles, for building the title index."""
        rows = await self._fetchall(
            "SELECT id, title, year, aliases, scope FROM reviews WHERE deleted_at IS NULL"
        )
        return [
            TitleEntry(rid, title, year, tuple(json.loads(aliases)), _py_scope(scope))
            for rid, title, year, aliases, scope in rows
        ]

    async def term_labels(
        self, kind: str, prefix: str, *, guild_id: int | None, limit: int = 25
    ) -> list[str]:
        """Director, cast or genre names that start with ``prefix`` (for autocomplete)."""
        visible, params = _visible_clause(guild_id)
        rows = await self._fetchall(
            "SELECT t.label, COUNT(*) AS n FROM review_terms t "
            "JOIN reviews r ON r.id = t.review_id "
            f"WHERE t.kind = ? AND t.value LIKE ? ESCAPE '\\' AND {visible} "
            "AND r.deleted_at IS NULL GROUP BY t.value ORDER BY n DESC, t.label LIMIT ?",
            [kind, _like_prefix(fold(prefix)[:MAX_PREFIX]), *params, limit],
        )
        return [label for label, _ in rows]

    async def verdict_labels(self, *, guild_id: int | None) -> list[str]:
        visible, params = _visible_clause(guild_id)
        rows = await self._fetchall(
            f"SELECT verdict, COUNT(*) AS n FROM reviews r WHERE {visible} AND deleted_at IS NULL "
            "AND verdict != '' GROUP BY verdict COLLATE NOCASE ORDER BY n DESC, verdict",
            params,
        )
        return [label for label, _ in rows]

    async def stats(self, *, guild_id: int | None, top: int = 5) -> CatalogStats:
        where, params = _filter_clause(NO_FILTERS, guild_id, self._genre_bits)
        total_row = await self._fetchone(
            f"SELECT COUNT(*), AVG(score) FROM reviews r WHERE {where}", params
        )
        buckets = await self._fetchall(
            f"SELECT CAST(score AS INTEGER), COUNT(*) FROM reviews r WHERE {where} "
            "AND score IS NOT NULL GROUP BY 1 ORDER BY 1",
            params,
        )
        verdicts = await self._fetchall(
            f"SELECT verdict, COUNT(*) FROM reviews r WHERE {where} AND verdict != '' "
            "GROUP BY verdict COLLATE NOCASE ORDER BY 2 DESC, 1",
            params,
        )
        directors = await self._fetchall(
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

        Returns each with the shared (kind, label) pairs, most shared first;
        a shared director outweighs a shared actor, which outweighs a genre.
        """
        visible, params = _visible_clause(guild_id)
        rows = await self._fetchall(
            "SELECT other.review_id, other.kind, other.label FROM review_terms mine "
            "JOIN review_terms other ON other.kind = mine.kind AND other.value = mine.value "
            "JOIN reviews r ON r.id = other.review_id "
            f"WHERE mine.review_id = ? AND other.review_id != ? AND {visible} "
            "AND r.deleted_at IS NULL",
            [review.id, review.id, *params],
        )
        weights = {"director": 3, "cast": 2, "genre": 1}
        shared: dict[int, list[tuple[str, str]]] = {}
        for other_id, kind, label in rows:
            shared.setdefault(other_id, []).append((kind, label))
        ranked = sorted(
            shared.items(),
            key=lambda item: (-sum(weights[kind] for kind, _ in item[1]), item[0]),
        )[:limit]
        results = []
        for other_id, reasons in ranked:
            other = await self.get(other_id)
            if other is not None:
                reasons.sort(key=lambda reason: -weights[reason[0]])
                results.append((other, reasons))
        return results

    # -- random recommendations -----------------------------------------

    async def random_pick(
        self, filters: ReviewFilters, *, guild_id: int | None, channel_id: int
    ) -> Review | None:
        """A uniformly random review matching ``filters`` not yet shown in ``channel_id``.

        Once every matching review has been shown, the channel's history for
        that pool is forgotten and the cycle starts again (avoiding an
        immediate repeat of the last pick when the pool allows it).
        """
        where, params = _filter_clause(filters, guild_id, self._genre_bits)
        async with self._transaction() as db:
            pool = await _scalar(db, f"SELECT COUNT(*) FROM reviews r WHERE {where}", params)
            if pool == 0:
                return None
            async with db.execute(
                "SELECT r.id FROM recent_picks p JOIN reviews r ON r.id = p.review_id "
                f"WHERE p.channel_id = ? AND {where}",
                [channel_id, *params],
            ) as cursor:
                seen = {int(row[0]) for row in await cursor.fetchall()}
            if len(seen) >= pool:
                last = await _last_pick(db, channel_id)  # before its record is forgotten
                await db.executemany(
                    "DELETE FROM recent_picks WHERE channel_id = ? AND review_id = ?",
                    [(channel_id, review_id) for review_id in seen],
                )
                seen = {last} if pool > 1 and last in seen else set()
            chosen = await self._pick_unseen(db, where, params, pool, seen)
            await db.execute(
                "INSERT OR REPLACE INTO recent_picks (channel_id, review_id, picked_at) "
                "VALUES (?, ?, ?)",
                [channel_id, chosen, _precise_now()],
            )
        return await self.get(chosen)

    async def _pick_unseen(
        self, db: aiosqlite.Connection, where: str, params: list[Any], pool: int, seen: set[int]
    ) -> int:
        """Uniform over the pool minus ``seen``.

        While most of the pool is unseen, drawing from the whole pool and
        redrawing on a repeat is cheapest (an index walk, no exclusion list);
        once most has been shown, listing what is left is.
        """
        if len(seen) * 2 <= pool:
            for _ in range(REDRAWS):
                offset = self._random.randrange(pool)
                candidate = await _scalar(
                    db,
                    f"SELECT r.id FROM reviews r WHERE {where} LIMIT 1 OFFSET ?",
                    [*params, offset],
                )
                if candidate not in seen:
                    return candidate
        async with db.execute(f"SELECT r.id FROM reviews r WHERE {where}", params) as cursor:
            left = [int(row[0]) for row in await cursor.fetchall() if int(row[0]) not in seen]
        return self._random.choice(left)

    # -- writing reviews -------------------------------------------------

    async def add(self, review: Review, *, actor_id: int | None) -> Review:
        """Insert a new review; raises :class:`DuplicateReview` if its title+year exist."""
        async with self._transaction() as db:
            existing = await _find_existing(db, review)
            if existing is not None:
                raise DuplicateReview(existing)
            return await _insert(db, review, actor_id, "add", self._genre_bits)

    async def update(
        self, review_id: int, changes: Mapping[str, Any], *, actor_id: int | None, scope: int | None
    ) -> Review:
        """Change content fields of a review stored in ``scope``; validates like an import."""
        async with self._transaction() as db:
            current = await _get_in_scope(db, review_id, scope)
            merged = {**current.content(), **changes}
            updated = review_from_fields(merged, scope=current.scope)
            clash = await _find_existing(db, updated)
            if clash is not None and clash.id != review_id:
                raise DuplicateReview(clash)
            return await _rewrite(db, current, updated, actor_id, "edit", self._genre_bits)

    async def add_alias(
        self, review_id: int, alias: str, *, actor_id: int | None, scope: int | None
    ) -> Review:
        # Read and write in one transaction, so concurrent aliases all land.
        async with self._transaction() as db:
            current = await _get_in_scope(db, review_id, scope)
            updated = review_from_fields(
                {**current.content(), "aliases": [*current.aliases, alias]}, scope=current.scope
            )
            return await _rewrite(db, current, updated, actor_id, "edit", self._genre_bits)

    async def delete(self, review_id: int, *, actor_id: int | None, scope: int | None) -> Review:
        """Soft-delete: the review disappears from lookups until :meth:`restore`."""
        return await self._set_deleted(review_id, actor_id, scope, deleted=True)

    async def restore(self, review_id: int, *, actor_id: int | None, scope: int | None) -> Review:
        return await self._set_deleted(review_id, actor_id, scope, deleted=False)

    async def _set_deleted(
        self, review_id: int, actor_id: int | None, scope: int | None, *, deleted: bool
    ) -> Review:
        async with self._transaction() as db:
            current = await _get_in_scope(db, review_id, scope, include_deleted=True)
            if (current.deleted_at is not None) == deleted:
                state = "already deleted" if deleted else "not deleted"
                raise StoreError(f"{current.display_title} is {state}")
            if not deleted:
                clash = await _find_existing(db, current)
                if clash is not None:
                    raise DuplicateReview(clash)
            now = utc_now()
            await db.execute(
                "UPDATE reviews SET deleted_at = ?, updated_by = ?, updated_at = ? WHERE id = ?",
                [now if deleted else None, actor_id, now, review_id],
            )
            await _audit(
                db,
                current,
                actor_id,
                "delete" if deleted else "restore",
                before=current.content(),
                after=None if deleted else current.content(),
            )
            return await _get_in_scope(db, review_id, scope, include_deleted=True)

    async def import_reviews(
        self, reviews: Iterable[Review], *, actor_id: int | None, dry_run: bool = False
    ) -> tuple[ImportReport, list[Review]]:
        """Upsert by (scope, title, year) in one transaction: all rows or none.

        Returns the counts and the reviews that were added or changed.
        """
        added = updated = unchanged = 0
        changed: list[Review] = []
        async with self._write_lock:
            db = self._writer
            await db.execute("BEGIN IMMEDIATE")
            try:
                for review in reviews:
                    existing = await _find_existing(db, review, include_deleted=True)
                    if existing is None:
                        changed.append(
                            await _insert(db, review, actor_id, "import", self._genre_bits)
                        )
                        added += 1
                    elif existing.content() == review.content() and existing.deleted_at is None:
                        unchanged += 1
                    else:
                        changed.append(
                            await _rewrite(
                                db, existing, review, actor_id, "import", self._genre_bits
                            )
                        )
                        updated += 1
            except BaseException:
                await self._rollback()
                raise
            if dry_run:
                await self._rollback()
            else:
                await db.execute("COMMIT")
                if added + updated >= ANALYZE_AFTER_ROWS:
                    await db.execute("ANALYZE")  # fresh statistics keep filtered picks on indexes
        report = ImportReport(added=added, updated=updated, unchanged=unchanged, dry_run=dry_run)
        return report, [] if dry_run else changed

    async def history(self, review_id: int) -> list[AuditEntry]:
        rows = await self._fetchall(
            "SELECT id, review_id, scope, actor_id, action, at, before, after FROM audit_log "
            "WHERE review_id = ? ORDER BY id",
            [review_id],
        )
        return [
            AuditEntry(
                id=entry_id,
                review_id=rid,
                scope=_py_scope(scope),
                actor_id=actor,
                action=action,
                at=at,
                before=json.loads(before) if before else None,
                after=json.loads(after) if after else None,
            )
            for entry_id, rid, scope, actor, action, at, before, after in rows
        ]

    async def is_empty(self) -> bool:
        row = await self._fetchone("SELECT EXISTS (SELECT 1 FROM reviews)")
        return not row[0]

    # -- guild state -----------------------------------------------------

    async def record_miss(self, guild_id: int | None, query: str) -> None:
        key = normalize_title(query)
        if not key:
            return
        async with self._transaction() as db:
            await db.execute(
                "INSERT INTO lookup_misses (scope, query_key, query, count, last_at) "
                "VALUES (?, ?, ?, 1, ?) ON CONFLICT (scope, query_key) DO UPDATE SET "
                "count = count + 1, query = excluded.query, last_at = excluded.last_at",
                [_db_scope(guild_id), key, query[:200], utc_now()],
            )

    async def top_misses(self, guild_id: int | None, *, limit: int = 10) -> list[tuple[str, int]]:
        rows = await self._fetchall(
            "SELECT query, count FROM lookup_misses WHERE scope = ? "
            "ORDER BY count DESC, last_at DESC LIMIT ?",
            [_db_scope(guild_id), limit],
        )
        return [(query, int(count)) for query, count in rows]

    async def clear_miss(self, guild_id: int | None, title: str) -> None:
        async with self._transaction() as db:
            await db.execute(
                "DELETE FROM lookup_misses WHERE scope IN (?, ?) AND query_key = ?",
                [_db_scope(guild_id), GLOBAL_SCOPE, normalize_title(title)],
            )

    async def mod_role(self, guild_id: int) -> int | None:
        row = await self._fetchone(
            "SELECT mod_role_id FROM guild_config WHERE guild_id = ?", [guild_id]
        )
        return None if row is None else row[0]

    async def set_mod_role(self, guild_id: int, role_id: int | None) -> None:
        async with self._transaction() as db:
            await db.execute(
                "INSERT INTO guild_config (guild_id, mod_role_id) VALUES (?, ?) "
                "ON CONFLICT (guild_id) DO UPDATE SET mod_role_id = excluded.mod_role_id",
                [guild_id, role_id],
            )

    # -- maintenance -----------------------------------------------------

    async def backup(self, destination: Path | str) -> None:
        """A consistent copy via SQLite's online backup, safe while writes go on."""
        destination = Path(destination)
        destination.parent.mkdir(parents=True, exist_ok=True)
        target = await aiosqlite.connect(destination)
        try:
            async with self._write_lock:
                await self._writer.backup(target)
        finally:
            await target.close()

    async def integrity_check(self) -> str:
        row = await self._fetchone("PRAGMA integrity_check")
        return str(row[0])

    async def schema_version(self) -> int:
        row = await self._fetchone("PRAGMA user_version")
        return int(row[0])


def _like_prefix(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def _precise_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


async def _scalar(db: aiosqlite.Connection, sql: str, params: Sequence[Any]) -> int:
    async with db.execute(sql, params) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


async def _last_pick(db: aiosqlite.Connection, channel_id: int) -> int | None:
    async with db.execute(
        "SELECT review_id FROM recent_picks WHERE channel_id = ? ORDER BY picked_at DESC LIMIT 1",
        [channel_id],
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else int(row[0])


async def _fetch_review(db: aiosqlite.Connection, sql: str, params: Sequence[Any]) -> Review | None:
    async with db.execute(f"SELECT {_REVIEW_COLUMNS} FROM reviews WHERE {sql}", params) as cursor:
        row = await cursor.fetchone()
    return None if row is None else _row_to_review(row)


async def _get_in_scope(
    db: aiosqlite.Connection, review_id: int, scope: int | None, *, include_deleted: bool = False
) -> Review:
    """The review, only if it is stored in ``scope``: a guild cannot reach other scopes."""
    review = await _fetch_review(db, "id = ? AND scope = ?", [review_id, _db_scope(scope)])
    if review is None or (review.deleted_at is not None and not include_deleted):
        raise ReviewNotFound(review_id)
    return review


async def _find_existing(
    db: aiosqlite.Connection, review: Review, *, include_deleted: bool = False
) -> Review | None:
    sql = "scope = ? AND title_key = ? AND year = ?"
    if not include_deleted:
        sql += " AND deleted_at IS NULL"
    return await _fetch_review(
        db, sql, [_db_scope(review.scope), normalize_title(review.title), review.year]
    )


async def _insert(
    db: aiosqlite.Connection,
    review: Review,
    actor_id: int | None,
    action: str,
    genre_bits: dict[str, int],
) -> Review:
    now = utc_now()
    params = _content_params(review)
    columns = ", ".join(params)
    placeholders = ", ".join(f":{name}" for name in params)
    async with db.execute(
        f"INSERT INTO reviews (scope, {columns}, created_by, created_at, updated_by, updated_at) "
        f"VALUES (:scope, {placeholders}, :actor, :now, :actor, :now)",
        {**params, "scope": _db_scope(review.scope), "actor": actor_id, "now": now},
    ) as cursor:
        review_id = cursor.lastrowid
    assert review_id is not None
    stored = await _fetch_review(db, "id = ?", [review_id])
    assert stored is not None
    await _write_terms(db, stored, genre_bits)
    await _audit(db, stored, actor_id, action, before=None, after=stored.content())
    return stored


async def _rewrite(
    db: aiosqlite.Connection,
    current: Review,
    updated: Review,
    actor_id: int | None,
    action: str,
    genre_bits: dict[str, int],
) -> Review:
    assert current.id is not None
    params = _content_params(updated)
    assignments = ", ".join(f"{name} = :{name}" for name in params)
    await db.execute(
        f"UPDATE reviews SET {assignments}, updated_by = :actor, updated_at = :now, "
        "deleted_at = NULL WHERE id = :id",
        {**params, "actor": actor_id, "now": utc_now(), "id": current.id},
    )
    stored = await _fetch_review(db, "id = ?", [current.id])
    assert stored is not None
    await _write_terms(db, stored, genre_bits)
    await _audit(db, stored, actor_id, action, before=current.content(), after=stored.content())
    return stored


async def _write_terms(
    db: aiosqlite.Connection, review: Review, genre_bits: dict[str, int]
) -> None:
    await db.execute("DELETE FROM review_terms WHERE review_id = ?", [review.id])
    rows = [
        (review.id, kind, fold(label), label)
        for kind, labels in (
            ("director", review.directors),
            ("cast", review.cast),
            ("genre", review.genres),
        )
        for label in labels
    ]
    await db.executemany(
        "INSERT OR IGNORE INTO review_terms (review_id, kind, value, label) VALUES (?, ?, ?, ?)",
        rows,
    )
    mask = 0
    for genre in review.genres:
        bit = await _genre_bit(db, fold(genre), genre_bits)
        if bit is not None:
            mask |= 1 << bit
    await db.execute("UPDATE reviews SET genre_mask = ? WHERE id = ?", [mask, review.id])


async def _genre_bit(
    db: aiosqlite.Connection, value: str, genre_bits: dict[str, int]
) -> int | None:
    """The genre's bit, assigning the next free one; ``None`` once all 62 are taken."""
    if value in genre_bits:
        return genre_bits[value]
    await db.execute(
        "INSERT OR IGNORE INTO genre_bits (value, bit) SELECT ?, COALESCE(MAX(bit) + 1, 0) "
        "FROM genre_bits HAVING COALESCE(MAX(bit) + 1, 0) <= 61",
        [value],
    )
    async with db.execute("SELECT bit FROM genre_bits WHERE value = ?", [value]) as cursor:
        row = await cursor.fetchone()
    if row is None:
        return None
    genre_bits[value] = int(row[0])
    return genre_bits[value]


async def _audit(
    db: aiosqlite.Connection,
    review: Review,
    actor_id: int | None,
    action: str,
    *,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    await db.execute(
        "INSERT INTO audit_log (review_id, scope, actor_id, action, at, before, after) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            review.id,
            _db_scope(review.scope),
            actor_id,
            action,
            utc_now(),
            None if before is None else json.dumps(before, ensure_ascii=False),
            None if after is None else json.dumps(after, ensure_ascii=False),
        ],
    )


# -- migrations ----------------------------------------------------------


async def migrate(db: aiosqlite.Connection, path: Path) -> int:
    """Bring the schema to :data:`LATEST_VERSION`; returns the version it started at.

    An existing database is backed up beside itself before any step runs, so a
    failed migration never costs data.
    """
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    start = int(row[0]) if row else 0
    if start > LATEST_VERSION:
        raise StoreError(
            f"{path} has schema version {start}, newer than this reviewbot ({LATEST_VERSION}); "
            "upgrade reviewbot"
        )
    pending = [migration for migration in MIGRATIONS if migration.version > start]
    if not pending:
        return start
    backup_path = path.with_name(f"{path.name}.v{start}.bak")
    if start > 0:
        target = await aiosqlite.connect(backup_path)
        try:
            await db.backup(target)
        finally:
            await target.close()
        log.info("backed up %s to %s before migrating", path, backup_path)
    reached = start
    for migration in pending:
        # executescript commits on its own, so the version bump rides inside the script.
        try:
            await db.executescript(
                f"BEGIN;\n{migration.sql}\nPRAGMA user_version = {migration.version};\nCOMMIT;"
            )
        except sqlite3.Error as error:
            if db.in_transaction:
                await db.execute("ROLLBACK")
            kept = f"; a copy from before is at {backup_path}" if start > 0 else ""
            raise StoreError(
                f"{path}: migration {migration.version} ({migration.name}) failed: {error}; "
                f"the database is left at version {reached}{kept}"
            ) from error
        reached = migration.version
        log.info("migrated %s to schema version %d (%s)", path, migration.version, migration.name)
    return start


__all__ = [
    "CONTENT_FIELDS",
    "GLOBAL_SCOPE",
    "LATEST_VERSION",
    "DuplicateReview",
    "ReviewNotFound",
    "Store",
    "StoreError",
    "TitleEntry",
    "fold",
]
