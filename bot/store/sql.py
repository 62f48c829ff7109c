"""What the store's SQL needs from a database engine, for SQLite and PostgreSQL alike.

The store writes one SQL text per query, with ``?`` placeholders, in the
subset both engines share (``ON CONFLICT``, ``RETURNING``, window functions).
The few spellings that differ are :class:`Dialect` methods. A
:class:`Connection` runs statements inside a write transaction; a
:class:`Database` owns the connections, the transaction and the reads.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from bot.changes import ChangeFeed

# A result row: a tuple from SQLite, an asyncpg Record from PostgreSQL; both index and unpack.
# (Any, so fetchone's "no row" None needs no cast where a row is certain.)
Row = Any
# Called after every rollback, so caches of rows never committed are dropped.
RollbackHook = Callable[[], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Dialect:
    name: str

    def nocase(self, expression: str) -> str:
        """``expression`` compared and ordered without regard to ASCII case.

        SQLite's NOCASE folds ASCII letters only; so does PostgreSQL's lower()
        on the store's "C"-collated columns, which keeps both engines' answers equal.
        """
        if self.name == "sqlite":
            return f"{expression} COLLATE NOCASE"
        return f"lower({expression})"

    def whole_part(self, expression: str) -> str:
        """The integer part of a non-negative number (PostgreSQL's CAST rounds)."""
        if self.name == "sqlite":
            return f"CAST({expression} AS INTEGER)"
        return f"CAST(trunc({expression}) AS INTEGER)"

    def json_ids(self) -> str:
        """A subquery of the integers in one JSON array parameter: any number of ids
        in one parameter (SQLite allows 32,766; one statement, however many)."""
        if self.name == "sqlite":
            return "SELECT value FROM json_each(?)"
        return "SELECT CAST(value AS BIGINT) FROM json_array_elements_text(CAST(? AS json))"

    def same(self, left: str, right: str) -> str:
        """``left`` equals ``right``, two NULLs counting as equal."""
        operator = "IS" if self.name == "sqlite" else "IS NOT DISTINCT FROM"
        return f"{left} {operator} {right}"

    def json_object(self, pairs: Sequence[tuple[str, str, bool]]) -> str:
        """SQL building a JSON object's text from (key, expression, is JSON text) triples."""
        if self.name == "sqlite":
            parts = [
                f"'{key}', {f'json({value})' if is_json else value}"
                for key, value, is_json in pairs
            ]
            return f"json_object({', '.join(parts)})"
        parts = [
            f"'{key}', {f'{value}::json' if is_json else value}" for key, value, is_json in pairs
        ]
        return f"json_build_object({', '.join(parts)})::text"

    @property
    def no_limit(self) -> str:
        """``LIMIT`` for "every row", as an ``OFFSET`` needs one in SQLite."""
        return "LIMIT -1" if self.name == "sqlite" else "LIMIT ALL"

    def identity_reset(self, table: str) -> str | None:
        """After rows were inserted with explicit ids: make new ids follow them.

        SQLite's next rowid is always MAX(id) + 1; PostgreSQL's identity
        sequence knows nothing of ids it did not hand out.
        """
        if self.name == "sqlite":
            return None
        return (
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE(MAX(id), 0) + 1, false) FROM {table}"
        )


SQLITE = Dialect("sqlite")
POSTGRESQL = Dialect("postgresql")


def placeholders(count: int) -> str:
    return ", ".join("?" * count)


class Connection(Protocol):
    """Statements inside one write transaction."""

    dialect: Dialect

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row: ...


class Database(Protocol):
    """One catalog database: reads that never wait on a write, and one writer at a time."""

    dialect: Dialect

    @property
    def location(self) -> str:
        """The file path or the URL (without its password), for messages."""
        ...

    def transaction(self, *, dry_run: bool = False) -> AbstractAsyncContextManager[Connection]:
        """A write transaction: committed at the end, rolled back on error or ``dry_run``.

        Writers are serialised (across processes too), as SQLite's one writer is.
        """
        ...

    def on_rollback(self, hook: RollbackHook) -> None: ...

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row: ...

    async def optimize(self) -> None:
        """Refresh the planner's statistics after a bulk change."""
        ...

    async def columns(self, table: str) -> list[str]:
        """The stored columns of ``table`` (not generated ones), in their declared order."""
        ...

    async def schema_version(self) -> int: ...

    async def integrity_check(self) -> str: ...

    async def change_feed(self) -> ChangeFeed:
        """A feed of every change committed from now on, by any process."""
        ...

    async def close(self) -> None: ...
