"""Search on PostgreSQL: the generated ``search_document`` of migration 0007, ranked by
``ts_rank_cd``.

A member's query arrives parsed (:mod:`bot.matching.query`) and is written back as
web-search text for ``websearch_to_tsquery``, which never raises on any input: the
same structure SQLite's FTS5 expression is written from, so both engines look for
the same words, phrases and exclusions.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.matching.query import Clause, SearchQuery, Term, Tier
from bot.search_results import MATCH_END, MATCH_START, SNIPPET_FIELDS
from bot.store.engine import Database

CONFIGURATION = "reviewbot_english"  # English stemming after unaccent (migration 0007)
TSQUERY = f"websearch_to_tsquery('{CONFIGURATION}', ?)"
# ts_rank_cd's weights for the document's D, C, B and A parts: the review's own text,
# names, the verdict, and title with tagline.
WEIGHTS = (0.1, 0.3, 0.5, 1.0)
# 1: the rank divided by 1 + log(document length), as BM25 discounts long reviews.
NORMALIZATION = 1
_WEIGHTS = "'{" + ", ".join(f"{weight:g}" for weight in WEIGHTS) + "}'"


# The TITLE and CARD tiers are ranked by the card's own document (search_card), the
# rest by all of it.
def _rank(column: str, tsquery: str = "q") -> str:
    return f"ts_rank_cd({_WEIGHTS}, r.{column}, {tsquery}, {NORMALIZATION})"


SCORES = {
    tier: _rank(column)
    for tier, column in (
        (Tier.ALL, "search_document"),
        (Tier.TITLE, "search_card"),
        (Tier.CARD, "search_card"),
        (Tier.TEXT, "search_document"),
    )
}
# ts_headline marks every match in the whole text (the snippet is cut in Python).
_HEADLINE_OPTIONS = (
    f"'HighlightAll=true, StartSel=' || chr({ord(MATCH_START)}) "
    f"|| ', StopSel=' || chr({ord(MATCH_END)})"
)
_HEADLINES = ", ".join(
    f"ts_headline('{CONFIGURATION}', r.{field}, q, {_HEADLINE_OPTIONS})" for field in SNIPPET_FIELDS
)


def _term(term: Term) -> str:
    text = " ".join(term.words)
    return f'"{text}"' if term.is_phrase else text


def _clause(clause: Clause) -> str:
    excluded = [f"-{_term(term)}" for term in clause.excluded]
    return " ".join([*(_term(term) for term in clause.required), *excluded])


def websearch_text(query: SearchQuery) -> str:
    """``query`` as ``websearch_to_tsquery`` text (its words hold no quote or dash)."""
    return " or ".join(_clause(clause) for clause in query.clauses)


def _positive(query: SearchQuery) -> str:
    """``query`` without its excluded terms, as web-search text."""
    return websearch_text(SearchQuery(tuple(Clause(c.required) for c in query.clauses)))


class TsvectorSearch:
    """The SQL of a search on PostgreSQL (see :class:`bot.store.search.SearchEngine`)."""

    order = "DESC"

    def score(self, tier: Tier) -> str:
        return SCORES[tier]

    def matches(
        self, query: SearchQuery, where: str, tier: Tier = Tier.ALL
    ) -> tuple[str, list[Any]]:
        """In the TITLE and CARD tiers ``q`` is the query's required words, which the
        card document must hold (its A part, title and tagline, for TITLE; and the whole
        document must match the query, when it excludes words); in the others ``q`` is
        the query."""
        everything = websearch_text(query)
        if tier is Tier.ALL:
            return (
                f"reviews r CROSS JOIN {TSQUERY} AS q WHERE r.search_document @@ q AND {where}",
                [everything],
            )
        positive = _positive(query)
        if tier is Tier.TEXT:
            return (
                f"reviews r CROSS JOIN {TSQUERY} AS q WHERE r.search_document @@ q "
                f"AND NOT r.search_card @@ {TSQUERY} AND {where}",
                [everything, positive],
            )
        on_title = "ts_filter(r.search_card, '{a}') @@ q"
        source = (
            f"reviews r CROSS JOIN {TSQUERY} AS q WHERE r.search_card @@ q "
            f"AND {'' if tier is Tier.TITLE else 'NOT '}{on_title}"
        )
        params: list[Any] = [positive]
        if any(clause.excluded for clause in query.clauses):
            source += f" AND r.search_document @@ {TSQUERY}"
            params.append(everything)
        return f"{source} AND {where}", params

    def tier(self, query: SearchQuery) -> tuple[str, list[Any]]:
        card = f"r.search_card @@ {TSQUERY}"
        on_title = f"ts_filter(r.search_card, '{{a}}') @@ {TSQUERY}"
        positive = _positive(query)
        return f"CASE WHEN {on_title} THEN 0 WHEN {card} THEN 1 ELSE 2 END", [positive, positive]

    def tier_score(self, query: SearchQuery) -> tuple[str, list[Any]]:
        # The card is scored for the required words (its q in matches()), the rest for all.
        card_score = _rank("search_card", TSQUERY)
        positive = _positive(query)
        return (
            f"CASE WHEN r.search_card @@ {TSQUERY} THEN {card_score} ELSE {SCORES[Tier.TEXT]} END",
            [positive, positive],
        )

    def matching_ids(self, query: SearchQuery) -> tuple[str, list[Any]]:
        return f"r.search_document @@ {TSQUERY}", [websearch_text(query)]

    def matched_terms(self, terms: Sequence[Term]) -> tuple[str, list[Any]]:
        held = f"CAST(r.search_document @@ {TSQUERY} AS INTEGER)"
        return " + ".join([held] * len(terms)), [_term(term) for term in terms]

    async def marked_fields(
        self, db: Database, query: SearchQuery, ids: Sequence[int]
    ) -> dict[int, dict[str, str]]:
        """Each review's :data:`SNIPPET_FIELDS` with its matched words marked."""
        rows = await db.fetchall(
            f"SELECT r.id, {_HEADLINES} FROM reviews r CROSS JOIN {TSQUERY} AS q "
            f"WHERE r.id IN ({db.dialect.json_ids()})",
            [websearch_text(query), json.dumps(list(ids))],
        )
        return {int(row[0]): dict(zip(SNIPPET_FIELDS, row[1:], strict=True)) for row in rows}

    async def vocabulary(self, db: Database, first: str) -> list[tuple[str, int]]:
        """Every indexed word (a stem) starting with ``first``, with its review count."""
        rows = await db.fetchall(
            "SELECT term, documents FROM search_vocabulary WHERE term >= ? AND term < ?",
            [first, first + "\U0010ffff"],
        )
        return [(str(term), int(documents)) for term, documents in rows]
