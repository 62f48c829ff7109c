"""The SQL spellings that differ between engines: one :class:`Dialect` per engine.

The store writes one SQL text per query, with ``?`` placeholders, in the subset
both engines share (``ON CONFLICT``, ``RETURNING``, window functions). Where they
spell a thing differently, the SQL asks the dialect of the connection it runs on
(``db.dialect``). Each engine package declares its spellings as data
(:mod:`bot.store.sqlite.dialect`, :mod:`bot.store.postgres.dialect`); nothing here
knows which engines exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Dialect:
    """One engine's spellings; ``{}`` in a form is where the expression goes."""

    name: str
    nocase_form: str
    whole_part_form: str
    ids_subquery: str
    same_operator: str
    json_value_form: str  # a column holding JSON text, as a JSON value
    json_object_form: str  # the object's text from its "key, value, ..." list
    no_limit: str  # ``LIMIT`` for "every row", as an ``OFFSET`` needs one in SQLite
    descending_form: str  # ORDER BY a column from largest to smallest, NULLs last
    identity_reset_form: str | None  # with ``{table}``; None where no statement is needed

    def nocase(self, expression: str) -> str:
        """``expression`` compared and ordered without regard to ASCII case, on every
        engine alike (so their answers are equal)."""
        return self.nocase_form.format(expression)

    def descending(self, expression: str) -> str:
        """ORDER BY ``expression`` largest first, rows without a value last."""
        return self.descending_form.format(expression)

    def whole_part(self, expression: str) -> str:
        """The integer part of a non-negative number."""
        return self.whole_part_form.format(expression)

    def json_ids(self) -> str:
        """A subquery of the integers in one JSON array parameter: any number of ids
        in one parameter (SQLite allows 32,766; one statement, however many)."""
        return self.ids_subquery

    def same(self, left: str, right: str) -> str:
        """``left`` equals ``right``, two NULLs counting as equal."""
        return f"{left} {self.same_operator} {right}"

    def json_object(self, pairs: Sequence[tuple[str, str, bool]]) -> str:
        """SQL building a JSON object's text from (key, expression, is JSON text) triples."""
        parts = [
            f"'{key}', {self.json_value_form.format(value) if is_json else value}"
            for key, value, is_json in pairs
        ]
        return self.json_object_form.format(", ".join(parts))

    def identity_reset(self, table: str) -> str | None:
        """After rows were inserted with explicit ids: the statement that makes new ids
        follow them, if the engine needs one."""
        if self.identity_reset_form is None:
            return None
        return self.identity_reset_form.format(table=table)


def placeholders(count: int) -> str:
    return ", ".join("?" * count)
