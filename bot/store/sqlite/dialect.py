"""SQLite's spellings of what the engines say differently."""

from __future__ import annotations

from bot.store.dialect import Dialect

SQLITE = Dialect(
    name="sqlite",
    # NOCASE folds ASCII letters only (PostgreSQL's spelling does the same).
    nocase_form="{} COLLATE NOCASE",
    whole_part_form="CAST({} AS INTEGER)",
    ids_subquery="SELECT value FROM json_each(?)",
    same_operator="IS",
    json_value_form="json({})",
    json_object_form="json_object({})",
    no_limit="LIMIT -1",
    # NULL is the smallest value to SQLite, so DESC puts it last as it is; a bare column
    # (not "score IS NULL, score DESC") lets an index on it give the order.
    descending_form="{} DESC",
    # None needed: SQLite's next rowid is always MAX(id) + 1.
    identity_reset_form=None,
)
