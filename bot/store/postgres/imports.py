"""Bulk import into PostgreSQL: COPY into staging tables, then set-based SQL, one transaction.

SQLite has one writer, so its import (:mod:`bot.store.sqlite.imports`) is cut into short
transactions with an undo journal to keep the bot's own writes flowing. PostgreSQL
needs none of that: readers see the catalog as it was (MVCC) until the import
commits, and the bot's own writes (misses, picks, settings) touch other rows. So the
whole import is one transaction, all or nothing by PostgreSQL's own rollback:

1. **stage**: each review becomes its column values, term rows and genre mask in
   Python, and reaches TEMP tables through ``COPY`` (asyncpg's
   ``copy_records_to_table``), not one round trip per row;
2. **classify**: a review the file holds twice is written once, as its last copy
   says; the rest are matched to stored reviews (:func:`same_review`, the one
   definition of "the existing row") as add, update or same;
3. **apply**: updated rows are audited and rewritten, added rows inserted and
   audited, their terms rewritten, each step one statement over the whole set.

Writers are serialised by the store's advisory lock for the length of the import
(seconds for 58,788 films, measured by bench/bench_backends.py): another process's
pick or miss waits that long, and no reader waits at all.

Cancelled (Ctrl-C on ``reviewbot import``), the import is rolled back like any failed
one; once its transaction has reached its COMMIT it is kept, and returned. The
statistics refreshed after it are upkeep: their failure is the report's warning.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol, Unpack

import asyncpg

from bot.models import ImportReport, ReviewDraft
from bot.store.clock import utc_now
from bot.store.filters import MAX_GENRE_BIT, fold
from bot.store.identity import IDENTITY_COLUMNS, same_review
from bot.store.importing import (
    ANALYZE_AFTER_ROWS,
    CONTENT,
    DERIVED,
    TERM_COLUMNS,
    ImportOptions,
    content_json,
    same_content,
)
from bot.store.postgres.connection import PostgresConnection
from bot.store.postgres.dialect import POSTGRESQL
from bot.store.schema import CONTENT_COLUMNS, content_params, db_scope


def _content_json(alias: str) -> str:
    return content_json(POSTGRESQL, alias)


_STAGED = ["seq", "scope", *CONTENT, *DERIVED, "genre_mask"]
_FIELD_OF = {column.name: column.field for column in CONTENT_COLUMNS}
# review_terms kind → the Review field its labels come from.
_TERM_FIELDS = tuple((kind, _FIELD_OF[column]) for kind, column in TERM_COLUMNS)


def _mask(genres: Iterable[str], bits: dict[str, int]) -> int:
    """The review's genre bits (a genre past the 62 with bits has none)."""
    mask = 0
    for genre in genres:
        bit = bits.get(fold(genre))
        if bit is not None:
            mask |= 1 << bit
    return mask


class ImportTarget(Protocol):
    """What an import needs of :class:`~bot.store.postgres.database.PostgresDatabase`."""

    def transaction(
        self, *, dry_run: bool = False
    ) -> AbstractAsyncContextManager[PostgresConnection]: ...

    async def optimize(self) -> None: ...


async def import_reviews(
    db: ImportTarget, reviews: Iterable[ReviewDraft], **options: Unpack[ImportOptions]
) -> ImportReport:
    """Upsert ``reviews`` by identity in one transaction (rolled back for a ``dry_run``)."""
    actor_id, dry_run = options["actor_id"], options.get("dry_run", False)
    reviews = list(reviews)
    report = options.get("progress") or (lambda done, total: None)
    total = 2 * len(reviews)
    committing = False  # past the last statement: the transaction commits, whatever comes
    warning = None
    try:
        async with db.transaction(dry_run=dry_run) as connection:
            bits = await _assign_genre_bits(connection, reviews)
            await _stage(connection, reviews, bits)
            report(len(reviews), total)
            repeats = await _mark_repeats(connection)
            await _classify(connection)
            counts: dict[str, int] = {
                row[0]: int(row[1])
                for row in await connection.fetchall(
                    "SELECT action, COUNT(*) FROM stage GROUP BY action"
                )
            }
            added: frozenset[int] = frozenset()
            if not dry_run:
                added = await _apply(connection, actor_id, len(reviews))
            report(total, total)
            committing = True
        written = counts.get("add", 0) + counts.get("update", 0)
        if not dry_run and written >= ANALYZE_AFTER_ROWS:
            warning = await _optimize(db)
    except asyncio.CancelledError:
        if not committing:
            raise  # rolled back: nothing of it is kept
    return ImportReport(
        added=counts.get("add", 0),
        updated=counts.get("update", 0) + repeats.get("repeat", 0),
        unchanged=counts.get("same", 0) + repeats.get("repeat-same", 0),
        dry_run=dry_run,
        added_ids=added,
        warning=warning,
    )


async def _optimize(db: ImportTarget) -> str | None:
    """Fresh statistics and visibility map, which keep picks on indexes; upkeep after
    a committed import, so a failure is reported, not raised."""
    try:
        await db.optimize()
    except asyncpg.PostgresError as error:
        return f"the import is complete and kept, but the upkeep after it failed ({error})"
    return None


async def _assign_genre_bits(
    connection: PostgresConnection, reviews: Sequence[ReviewDraft]
) -> dict[str, int]:
    """Bits for every genre in the file (as many as fit), then the whole map."""
    wanted = sorted({fold(genre) for review in reviews for genre in review.genres})
    # One at a time: each new bit is one past the largest so far.
    await connection.executemany(
        "INSERT INTO genre_bits (value, bit) "
        "SELECT ?, COALESCE(MAX(bit) + 1, 0) FROM genre_bits "
        f"HAVING COALESCE(MAX(bit) + 1, 0) <= {MAX_GENRE_BIT} ON CONFLICT (value) DO NOTHING",
        [(value,) for value in wanted],
    )
    return {
        str(row[0]): int(row[1])
        for row in await connection.fetchall("SELECT value, bit FROM genre_bits")
    }


async def _stage(
    connection: PostgresConnection, reviews: Sequence[ReviewDraft], bits: dict[str, int]
) -> None:
    # The stored columns' own types (and "C" collation), so comparisons match reviews'.
    await connection.execute(
        "CREATE TEMP TABLE stage ON COMMIT DROP AS SELECT 0 AS seq, "
        f"{', '.join(_STAGED[1:])}, id AS review_id, ''::text AS action "
        "FROM reviews WITH NO DATA"
    )
    await connection.execute(
        'CREATE TEMP TABLE stage_terms (seq INTEGER, kind TEXT COLLATE "C", '
        'value TEXT COLLATE "C", label TEXT COLLATE "C") ON COMMIT DROP'
    )
    rows: list[tuple[Any, ...]] = []
    terms: list[tuple[int, str, str, str]] = []
    for seq, review in enumerate(reviews):
        params = content_params(review)
        rows.append(
            (
                seq,
                db_scope(review.scope),
                *(params[name] for name in (*CONTENT, *DERIVED)),
                _mask(review.genres, bits),
            )
        )
        for kind, field in _TERM_FIELDS:
            terms.extend((seq, kind, fold(label), label) for label in getattr(review, field))
    await connection.copy("stage", _STAGED, rows)
    await connection.copy("stage_terms", ["seq", "kind", "value", "label"], terms)
    await connection.execute(f"CREATE INDEX ON stage ({', '.join(IDENTITY_COLUMNS)}, seq)")
    await connection.execute("CREATE INDEX ON stage (review_id)")
    await connection.execute("CREATE INDEX ON stage_terms (seq)")
    await connection.execute("ANALYZE stage, stage_terms")  # TEMP tables have no autovacuum


async def _mark_repeats(connection: PostgresConnection) -> dict[str, int]:
    """A review the file holds twice is written once, as its last copy says."""
    partition = ", ".join(IDENTITY_COLUMNS)
    await connection.execute(
        "UPDATE stage SET action = CASE WHEN EXISTS (SELECT 1 FROM stage later "
        f"WHERE later.seq > stage.seq AND {same_review('later', 'stage')} "
        f"AND {same_content(POSTGRESQL, 'later', 'stage')}) THEN 'repeat-same' ELSE 'repeat' END "
        "FROM (SELECT seq, ROW_NUMBER() OVER (PARTITION BY "
        f"{partition} ORDER BY seq DESC) AS from_last FROM stage) AS ranked "
        "WHERE ranked.seq = stage.seq AND ranked.from_last > 1"
    )
    rows = await connection.fetchall(
        "SELECT action, COUNT(*) FROM stage WHERE action LIKE 'repeat%' GROUP BY action"
    )
    await connection.execute("DELETE FROM stage WHERE action LIKE 'repeat%'")
    return {str(row[0]): int(row[1]) for row in rows}


async def _classify(connection: PostgresConnection) -> None:
    """Match staged rows to stored reviews: add, update or same."""
    await connection.execute(
        f"UPDATE stage SET review_id = r.id FROM reviews r WHERE {same_review('r', 'stage')}"
    )
    await connection.execute(
        "UPDATE stage SET action = CASE WHEN review_id IS NULL THEN 'add' "
        "WHEN EXISTS (SELECT 1 FROM reviews r WHERE r.id = stage.review_id "
        f"AND r.deleted_at IS NULL AND {same_content(POSTGRESQL, 'r', 'stage')}) THEN 'same' "
        "ELSE 'update' END"
    )


async def _apply(connection: PostgresConnection, actor_id: int | None, rows: int) -> frozenset[int]:
    """Write the staged adds and updates, audited; returns the ids of the reviews added."""
    now = utc_now()
    journal = await connection.fetchone(
        "INSERT INTO imports (state, actor_id, started_at, finished_at, rows) "
        "VALUES ('done', ?, ?, ?, ?) RETURNING id",
        [actor_id, now, now, rows],
    )
    import_id = int(journal[0])
    audit = (
        "INSERT INTO audit_log (review_id, scope, actor_id, action, at, before, after, import_id)"
    )
    # Updated rows: audit the row as it was, then rewrite it.
    await connection.execute(
        f"{audit} SELECT r.id, r.scope, ?, 'import', ?, {_content_json('r')}, "
        f"{_content_json('s')}, ? FROM stage s JOIN reviews r ON r.id = s.review_id "
        "WHERE s.action = 'update' ORDER BY s.seq",
        [actor_id, now, import_id],
    )
    assignments = ", ".join(f"{name} = s.{name}" for name in (*CONTENT, *DERIVED))
    await connection.execute(
        f"UPDATE reviews SET {assignments}, genre_mask = s.genre_mask, updated_by = ?, "
        "updated_at = ?, deleted_at = NULL, version = version + 1 "
        "FROM stage s WHERE s.review_id = reviews.id "
        "AND s.action = 'update'",
        [actor_id, now],
    )
    # Added rows, in the file's order (their ids follow it).
    columns = ", ".join(("scope", *CONTENT, *DERIVED, "genre_mask"))
    await connection.execute(
        f"INSERT INTO reviews ({columns}, created_by, created_at, updated_by, updated_at) "
        f"SELECT {columns}, ?, ?, ?, ? FROM stage WHERE action = 'add' ORDER BY seq",
        [actor_id, now, actor_id, now],
    )
    await connection.execute(
        f"UPDATE stage SET review_id = r.id FROM reviews r WHERE {same_review('r', 'stage')} "
        "AND stage.action = 'add'"
    )
    await connection.execute(
        f"{audit} SELECT s.review_id, s.scope, ?, 'import', ?, NULL, {_content_json('s')}, ? "
        "FROM stage s WHERE s.action = 'add' ORDER BY s.seq",
        [actor_id, now, import_id],
    )
    # Terms of every row written.
    await connection.execute(
        "DELETE FROM review_terms WHERE review_id IN "
        "(SELECT review_id FROM stage WHERE action = 'update')"
    )
    await connection.execute(
        "INSERT INTO review_terms (review_id, kind, value, label) "
        "SELECT s.review_id, t.kind, t.value, t.label FROM stage s "
        "JOIN stage_terms t ON t.seq = s.seq WHERE s.action IN ('add', 'update') "
        "ON CONFLICT DO NOTHING"
    )
    added = await connection.fetchall("SELECT review_id FROM stage WHERE action = 'add'")
    return frozenset(int(row[0]) for row in added)
