"""One pooled PostgreSQL connection as the store's SQL sees it: ``?`` placeholders, COPY."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from typing import Any

import asyncpg

from bot.store.engine import Connection, Row
from bot.store.postgres.dialect import POSTGRESQL

_PLACEHOLDER = re.compile(r"'[^']*'|\?(\d*)")


@functools.lru_cache(maxsize=1024)
def numbered(sql: str) -> str:
    """SQLite's ``?`` and ``?N`` placeholders as PostgreSQL's ``$N``, numbered as SQLite
    numbers them (a bare ``?`` is one past the largest number so far); none occur
    inside the store's literals."""
    counter = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal counter
        if not match.group().startswith("?"):
            return match.group()  # a quoted literal, kept as it is
        number = int(match.group(1)) if match.group(1) else counter + 1
        counter = max(counter, number)
        return f"${number}"

    return _PLACEHOLDER.sub(replace, sql)


class PostgresConnection(Connection):
    """One pooled connection inside a write transaction."""

    dialect = POSTGRESQL

    def __init__(self, connection: asyncpg.Connection) -> None:
        self._connection = connection

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        await self._connection.execute(numbered(sql), *params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        batch = list(rows)
        if batch:
            await self._connection.executemany(numbered(sql), batch)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return list(await self._connection.fetch(numbered(sql), *params))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row:
        return await self._connection.fetchrow(numbered(sql), *params)

    async def copy(
        self, table: str, columns: Sequence[str], records: Sequence[Sequence[Any]]
    ) -> None:
        """``records`` into ``table`` by COPY: one stream, not a round trip per row."""
        await self._connection.copy_records_to_table(table, records=records, columns=columns)
