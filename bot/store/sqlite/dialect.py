"""SQLite's spellings of what the engines say differently."""

from __future__ import annotations

from collections.abc import Sequence

from bot.store.dialect import Dialect


class SqliteDialect(Dialect):
    name = "sqlite"

    def nocase(self, expression: str) -> str:
        """NOCASE folds ASCII letters only (PostgreSQL's spelling does the same)."""
        return f"{expression} COLLATE NOCASE"

    def whole_part(self, expression: str) -> str:
        return f"CAST({expression} AS INTEGER)"

    def json_ids(self) -> str:
        return "SELECT value FROM json_each(?)"

    def same(self, left: str, right: str) -> str:
        return f"{left} IS {right}"

    def json_object(self, pairs: Sequence[tuple[str, str, bool]]) -> str:
        parts = [
            f"'{key}', {f'json({value})' if is_json else value}" for key, value, is_json in pairs
        ]
        return f"json_object({', '.join(parts)})"

    @property
    def no_limit(self) -> str:
        return "LIMIT -1"

    def identity_reset(self, table: str) -> str | None:
        """None needed: SQLite's next rowid is always MAX(id) + 1."""
        return None


SQLITE = SqliteDialect()
