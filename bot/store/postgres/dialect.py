"""PostgreSQL's spellings of what the engines say differently."""

from __future__ import annotations

from collections.abc import Sequence

from bot.store.dialect import Dialect


class PostgresDialect(Dialect):
    name = "postgresql"

    def nocase(self, expression: str) -> str:
        """lower() on the store's "C"-collated columns folds ASCII letters only, as
        SQLite's NOCASE does, which keeps both engines' answers equal."""
        return f"lower({expression})"

    def whole_part(self, expression: str) -> str:
        """trunc first: PostgreSQL's CAST rounds."""
        return f"CAST(trunc({expression}) AS INTEGER)"

    def json_ids(self) -> str:
        return "SELECT CAST(value AS BIGINT) FROM json_array_elements_text(CAST(? AS json))"

    def same(self, left: str, right: str) -> str:
        return f"{left} IS NOT DISTINCT FROM {right}"

    def json_object(self, pairs: Sequence[tuple[str, str, bool]]) -> str:
        parts = [
            f"'{key}', {f'{value}::json' if is_json else value}" for key, value, is_json in pairs
        ]
        return f"json_build_object({', '.join(parts)})::text"

    @property
    def no_limit(self) -> str:
        return "LIMIT ALL"

    def identity_reset(self, table: str) -> str | None:
        """The identity sequence knows nothing of ids it did not hand out."""
        return (
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE(MAX(id), 0) + 1, false) FROM {table}"
        )


POSTGRESQL = PostgresDialect()
