"""What a bulk import is on any engine: its options, the columns it stages, shared SQL.

Each engine imports its own way (:mod:`bot.store.sqlite.imports` in short
transactions with an undo journal, :mod:`bot.store.postgres.imports` by COPY in one
transaction), but both take the same :class:`ImportOptions`, stage the same
columns and decide "the same review, saying the same" with the same SQL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NotRequired, TypedDict

from bot.models import LIST_FIELDS
from bot.store.dialect import Dialect
from bot.store.schema import CONTENT_COLUMNS, CONTENT_PARAMS

ANALYZE_AFTER_ROWS = 1_000  # rows written, past which the planner's statistics are refreshed

# (done, total) steps, called from the import thread; total is None while the rows are
# still being read (a streamed file's length is known only at its end).
Progress = Callable[[int, int | None], None]


class ImportOptions(TypedDict):
    """How an import runs: declared once, passed unchanged by the catalog and the store."""

    actor_id: int | None  # who the audit log names (None: the console)
    dry_run: NotRequired[bool]  # count what would change, write nothing (default: write)
    progress: NotRequired[Progress | None]


CONTENT = [column.name for column in CONTENT_COLUMNS]
# Derived from content on every write (title_key, identity, film_key, sample...).
DERIVED = [name for name in CONTENT_PARAMS if name not in CONTENT]
# review_terms kind → the JSON list column its labels come from.
TERM_COLUMNS = (("director", "directors"), ("cast", "cast_members"), ("genre", "genres"))
_LIST_COLUMNS = {column.name for column in CONTENT_COLUMNS if column.field in LIST_FIELDS}


def same_content(dialect: Dialect, a: str, b: str) -> str:
    """SQL: rows ``a`` and ``b`` say the same (content, and whether it is a sample)."""
    return " AND ".join(dialect.same(f"{a}.{name}", f"{b}.{name}") for name in (*CONTENT, "sample"))


def content_json(dialect: Dialect, alias: str) -> str:
    """SQL for ``Review.content()`` of a row, as the audit log stores it (JSON text)."""
    return dialect.json_object(
        [
            (column.field, f"{alias}.{column.name}", column.name in _LIST_COLUMNS)
            for column in CONTENT_COLUMNS
        ]
    )
