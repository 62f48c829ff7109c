"""Search on SQLite: the FTS5 index of migration 0007, ranked by BM25.

Only this module knows FTS5's syntax. A member's query arrives parsed
(:mod:`bot.matching.query`) and is written back as a MATCH expression made only of
double-quoted strings joined by AND, OR, NOT and brackets: inside a quoted string
FTS5 reads no operator, column filter, prefix star or NEAR, only words for its
tokenizer, so no text a member types can be a syntax error or reach another column.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.matching.query import Clause, SearchQuery, Term
from bot.search_results import MATCH_END, MATCH_START, SNIPPET_FIELDS
from bot.store.sql import Database

# The index's columns (migration 0007's order) and their weights for bm25(): title
# and tagline weigh most, then the verdict, then names, then the review's own text.
COLUMN_WEIGHTS = {
    "title": 10.0,
    "aliases": 10.0,
    "tagline": 10.0,
    "verdict": 5.0,
    "verdict_text": 5.0,
    "directors": 3.0,
    "cast_members": 3.0,
    "genres": 3.0,
    "body": 1.0,
}
_COLUMNS = list(COLUMN_WEIGHTS)
_FIELD_COLUMNS = {"verdict_text": "verdict_text", "body": "body", "tagline": "tagline"}
SCORE = f"bm25(search_index, {', '.join(f'{weight:g}' for weight in COLUMN_WEIGHTS.values())})"
_HIGHLIGHTS = ", ".join(
    f"highlight(search_index, {_COLUMNS.index(_FIELD_COLUMNS[field])}, ?, ?)"
    for field in SNIPPET_FIELDS
)


def _string(words: Sequence[str]) -> str:
    """An FTS5 string: a phrase of ``words``, any double quote doubled."""
    return '"' + " ".join(word.replace('"', '""') for word in words) + '"'


def _term(term: Term) -> str:
    return _string(term.words)


def _clause(clause: Clause) -> str:
    expression = " AND ".join(_term(term) for term in clause.required)
    for term in clause.excluded:
        expression = f"({expression}) NOT {_term(term)}"
    return f"({expression})"


def match_expression(query: SearchQuery) -> str:
    """The FTS5 MATCH expression for a non-empty ``query``."""
    return " OR ".join(_clause(clause) for clause in query.clauses)


class Fts5Search:
    """The SQL of a search on SQLite (see :class:`bot.store.search.SearchEngine`)."""

    score = SCORE
    order = "ASC"  # bm25() is lower for a better match

    def matches(self, query: SearchQuery, where: str) -> tuple[str, list[Any]]:
        return (
            "search_index JOIN reviews r ON r.id = search_index.rowid "
            f"WHERE search_index MATCH ? AND {where}",
            [match_expression(query)],
        )

    def matching_ids(self, query: SearchQuery) -> tuple[str, list[Any]]:
        return (
            "r.id IN (SELECT rowid FROM search_index WHERE search_index MATCH ?)",
            [match_expression(query)],
        )

    async def marked_fields(
        self, db: Database, query: SearchQuery, ids: Sequence[int]
    ) -> dict[int, dict[str, str]]:
        """Each review's :data:`SNIPPET_FIELDS` with its matched words marked."""
        marks = [MATCH_START, MATCH_END] * len(SNIPPET_FIELDS)
        found: dict[int, dict[str, str]] = {}
        expression = match_expression(query)
        for review_id in ids:  # a rowid seek each; FTS5 has no plan for a rowid list
            row = await db.fetchone(
                f"SELECT {_HIGHLIGHTS} FROM search_index WHERE search_index MATCH ? AND rowid = ?",
                [*marks, expression, review_id],
            )
            if row is not None:
                found[review_id] = dict(zip(SNIPPET_FIELDS, row, strict=True))
        return found

    async def vocabulary(self, db: Database, first: str) -> list[tuple[str, int]]:
        """Every indexed word (a stem) starting with ``first``, with its review count."""
        rows = await db.fetchall(
            "SELECT term, doc FROM search_vocabulary WHERE term >= ? AND term < ?",
            [first, first + "\U0010ffff"],
        )
        return [(str(term), int(documents)) for term, documents in rows]
