"""Search on SQLite: the FTS5 index of migration 0007, ranked by BM25.

Only this module knows FTS5's syntax. A member's query arrives parsed
(:mod:`bot.matching.query`) and is written back as a MATCH expression made only of
double-quoted strings joined by AND, OR, NOT and brackets: inside a quoted string
FTS5 reads no operator, column filter, prefix star or NEAR, only words for its
tokenizer, so no text a member types can be a syntax error or reach another column.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.matching.query import Clause, SearchQuery, Term, Tier
from bot.search_results import MATCH_END, MATCH_START, SNIPPET_FIELDS
from bot.store.engine import Database

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
# Every column but the review's own text: what the card says about the film.
CARD_COLUMN_FILTER = "{" + " ".join(column for column in _COLUMNS if column != "body") + "}"
TITLE_COLUMN_FILTER = "{title aliases tagline}"


def _bm25(weights: dict[str, float]) -> str:
    return f"bm25(search_index, {', '.join(f'{weight:g}' for weight in weights.values())})"


# The TITLE and CARD tiers are ranked by the card alone, as PostgreSQL ranks them by its
# card document.
_CARD_SCORE = _bm25({**COLUMN_WEIGHTS, "body": 0.0})
SCORES = {
    Tier.ALL: _bm25(COLUMN_WEIGHTS),
    Tier.TITLE: _CARD_SCORE,
    Tier.CARD: _CARD_SCORE,
    Tier.TEXT: _bm25(COLUMN_WEIGHTS),
}
_HIGHLIGHTS = ", ".join(
    f"highlight(search_index, {_COLUMNS.index(field)}, ?, ?)" for field in SNIPPET_FIELDS
)


def _term(term: Term) -> str:
    """An FTS5 string: a phrase of the term's words, any double quote doubled."""
    return '"' + " ".join(word.replace('"', '""') for word in term.words) + '"'


def _clause(clause: Clause) -> str:
    expression = " AND ".join(_term(term) for term in clause.required)
    for term in clause.excluded:
        expression = f"({expression}) NOT {_term(term)}"
    return f"({expression})"


def _held(query: SearchQuery, column_filter: str) -> str:
    """The reviews whose ``column_filter`` columns hold the query's required words."""
    positive = " OR ".join(_clause(Clause(clause.required)) for clause in query.clauses)
    return f"{column_filter}: ({positive})"


def match_expression(query: SearchQuery, tier: Tier = Tier.ALL) -> str:
    """The FTS5 MATCH expression of the reviews of ``tier`` matching a non-empty ``query``
    (:class:`Tier`: where its required words are)."""
    everything = " OR ".join(_clause(clause) for clause in query.clauses)
    if tier is Tier.ALL:
        return everything
    on_card = _held(query, CARD_COLUMN_FILTER)
    if tier is Tier.TEXT:
        return f"({everything}) NOT ({on_card})"
    on_title = _held(query, TITLE_COLUMN_FILTER)
    held = on_title if tier is Tier.TITLE else f"({on_card}) NOT ({on_title})"
    if any(clause.excluded for clause in query.clauses):
        return f"({held}) AND ({everything})"
    return held  # holding the required words is matching: no index read twice


class Fts5Search:
    """The SQL of a search on SQLite (see :class:`bot.store.search.SearchEngine`)."""

    order = "ASC"  # bm25() is lower for a better match

    def score(self, tier: Tier) -> str:
        return SCORES[tier]

    def matches(
        self, query: SearchQuery, where: str, tier: Tier = Tier.ALL
    ) -> tuple[str, list[Any]]:
        return (
            "search_index JOIN reviews r ON r.id = search_index.rowid "
            f"WHERE search_index MATCH ? AND {where}",
            [match_expression(query, tier)],
        )

    def matching_ids(self, query: SearchQuery) -> tuple[str, list[Any]]:
        return (
            "r.id IN (SELECT rowid FROM search_index WHERE search_index MATCH ?)",
            [match_expression(query)],
        )

    def tier(self, query: SearchQuery) -> tuple[str, list[Any]]:
        # Each subquery is read once for the statement (as a list of rowids).
        held = "r.id IN (SELECT rowid FROM search_index WHERE search_index MATCH ?)"
        on_title, on_card = _held(query, TITLE_COLUMN_FILTER), _held(query, CARD_COLUMN_FILTER)
        return f"CASE WHEN {held} THEN 0 WHEN {held} THEN 1 ELSE 2 END", [on_title, on_card]

    def tier_score(self, query: SearchQuery) -> tuple[str, list[Any]]:
        held = "r.id IN (SELECT rowid FROM search_index WHERE search_index MATCH ?)"
        return (
            f"CASE WHEN {held} THEN {SCORES[Tier.CARD]} ELSE {SCORES[Tier.TEXT]} END",
            [_held(query, CARD_COLUMN_FILTER)],
        )

    def matched_terms(self, terms: Sequence[Term]) -> tuple[str, list[Any]]:
        held = "r.id IN (SELECT rowid FROM search_index WHERE search_index MATCH ?)"
        return " + ".join([f"({held})"] * len(terms)), [_term(term) for term in terms]

    async def marked_fields(
        self, db: Database, query: SearchQuery, ids: Sequence[int]
    ) -> dict[int, dict[str, str]]:
        """Each review's :data:`SNIPPET_FIELDS` with its matched words marked."""
        marks = [MATCH_START, MATCH_END] * len(SNIPPET_FIELDS)
        rows = await db.fetchall(
            f"SELECT rowid, {_HIGHLIGHTS} FROM search_index WHERE search_index MATCH ? "
            "AND rowid IN (SELECT value FROM json_each(?))",  # a rowid seek each
            [*marks, match_expression(query), json.dumps(list(ids))],
        )
        return {int(row[0]): dict(zip(SNIPPET_FIELDS, row[1:], strict=True)) for row in rows}

    async def vocabulary(self, db: Database, first: str) -> list[tuple[str, int]]:
        """Every indexed word (a stem) starting with ``first``, with its review count."""
        rows = await db.fetchall(
            "SELECT term, doc FROM search_vocabulary WHERE term >= ? AND term < ?",
            [first, first + "\U0010ffff"],
        )
        return [(str(term), int(documents)) for term, documents in rows]
