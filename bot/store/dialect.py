"""The SQL spellings that differ between engines: one :class:`Dialect` per engine.

The store writes one SQL text per query, with ``?`` placeholders, in the subset
both engines share (``ON CONFLICT``, ``RETURNING``, window functions). Where they
spell a thing differently, the SQL asks the dialect of the connection it runs on
(``db.dialect``); each engine package has its own
(:mod:`bot.store.sqlite.dialect`, :mod:`bot.store.postgres.dialect`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar


class Dialect(ABC):
    name: ClassVar[str]

    @abstractmethod
    def nocase(self, expression: str) -> str:
        """``expression`` compared and ordered without regard to ASCII case, on every
        engine alike (so their answers are equal)."""

    @abstractmethod
    def whole_part(self, expression: str) -> str:
        """The integer part of a non-negative number."""

    @abstractmethod
    def json_ids(self) -> str:
        """A subquery of the integers in one JSON array parameter: any number of ids
        in one parameter (SQLite allows 32,766; one statement, however many)."""

    @abstractmethod
    def same(self, left: str, right: str) -> str:
        """``left`` equals ``right``, two NULLs counting as equal."""

    @abstractmethod
    def json_object(self, pairs: Sequence[tuple[str, str, bool]]) -> str:
        """SQL building a JSON object's text from (key, expression, is JSON text) triples."""

    @property
    @abstractmethod
    def no_limit(self) -> str:
        """``LIMIT`` for "every row", as an ``OFFSET`` needs one in SQLite."""

    @abstractmethod
    def identity_reset(self, table: str) -> str | None:
        """After rows were inserted with explicit ids: the statement that makes new ids
        follow them, if the engine needs one."""


def placeholders(count: int) -> str:
    return ", ".join("?" * count)
