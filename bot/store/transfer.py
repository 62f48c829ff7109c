"""Copying a whole catalog between databases (SQLite ⇄ PostgreSQL), row for row.

Every table is copied as stored, ids included, so the audit log still points at
its reviews, a channel's recent picks still name the films it saw, and a review
keeps the id its autocomplete values and ``/catalog history`` use. Both ends are
at the same schema version (opening a store migrates it), so their columns agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.store.dialect import placeholders
from bot.store.engine import Database
from bot.store.errors import StoreError

# Parents before children (foreign keys), each with its primary key for a stable order.
TABLES: dict[str, str] = {
    "reviews": "id",
    "review_terms": "review_id, kind, value",
    "imports": "id",
    "audit_log": "id",
    "genre_bits": "bit",
    "guild_config": "guild_id",
    "lookup_misses": "scope, query_key",
    "recent_picks": "channel_id, review_id",
    "command_sync": "key",
    "request_entries": "id",
    "requests": "id",
    "request_audit": "id",
}
# Tables whose ids a sequence hands out (PostgreSQL), to move past the copied ids.
IDENTITY_TABLES = (
    "reviews",
    "imports",
    "audit_log",
    "request_entries",
    "requests",
    "request_audit",
)
# SQLite's own, not copied: its change feed (PostgreSQL NOTIFYs instead), the undo
# journal of an import under way (empty once every import is done or undone), and the
# search index with its vocabulary, which triggers fill as the reviews are copied in
# (PostgreSQL computes its search column).
SQLITE_ONLY_TABLES = (
    "changes",
    "import_changes",
    "search_index",
    "search_index_data",
    "search_index_idx",
    "search_index_docsize",
    "search_index_config",
    "search_vocabulary",
)
BATCH_ROWS = 5_000


async def columns(db: Database, table: str) -> list[str]:
    """``table``'s columns by name: the engines may declare them in different orders
    (SQLite rebuilds a table to change it, PostgreSQL adds columns at the end)."""
    return sorted(await db.columns(table))


async def table_rows(db: Database, table: str) -> list[tuple[Any, ...]]:
    """Every row of ``table`` in primary-key order, as plain tuples in the order of
    :func:`columns` (for comparing)."""
    names = await columns(db, table)
    rows = await db.fetchall(f"SELECT {', '.join(names)} FROM {table} ORDER BY {TABLES[table]}")
    return [tuple(row) for row in rows]


async def copy_catalog(source: Database, target: Database) -> dict[str, int]:
    """Copy every table of ``source`` into the empty ``target``; returns rows per table."""
    row = await target.fetchone("SELECT EXISTS (SELECT 1 FROM reviews)")
    if row[0]:
        raise StoreError(f"{target.location} already holds reviews; migrate into an empty one")
    copied: dict[str, int] = {}
    async with target.transaction() as db:
        for table in TABLES:
            names = await columns(source, table)
            if names != await columns(target, table):
                raise StoreError(
                    f"{table} differs between {source.location} and {target.location}; "
                    "run the same reviewbot version on both"
                )
            rows = await table_rows(source, table)
            insert = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({placeholders(len(names))})"
            for start in range(0, len(rows), BATCH_ROWS):
                batch: Sequence[tuple[Any, ...]] = rows[start : start + BATCH_ROWS]
                await db.executemany(insert, batch)
            copied[table] = len(rows)
        for table in IDENTITY_TABLES:
            reset = db.dialect.identity_reset(table)
            if reset:
                await db.execute(reset)
    return copied
