"""Finding reviews by what they say: ranked pages, snippets, typo correction, random picks.

The query is parsed once (:mod:`bot.matching.query`) and each engine writes it in its
own syntax: FTS5 ranked by BM25 on SQLite (:mod:`bot.store.sqlite.search`), a tsvector
ranked by ``ts_rank_cd`` on PostgreSQL (:mod:`bot.store.postgres.search`). Everything
else is shared: which reviews a server may see (the filters' clause, own reviews
shadowing global ones), paging, snippets cut from the engine's marked text
(:mod:`bot.search_results`), and typo correction against the engine's vocabulary
(:mod:`bot.matching.spelling`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from operator import itemgetter
from typing import Any, Protocol

from bot.matching.query import (
    RANKED_TIERS,
    Clause,
    SearchQuery,
    Term,
    Tier,
    fold,
    parse_query,
)
from bot.matching.spelling import CANDIDATES, closest_word, max_edits, nearest_stems
from bot.models import ReviewFilters
from bot.search_results import (
    MATCH_END,
    MATCH_START,
    Correction,
    SearchHit,
    SearchPage,
    SearchPick,
    best_snippet,
)
from bot.store.engine import Database
from bot.store.filters import NO_FILTERS, GenreBits, filter_clause
from bot.store.picks import Picks
from bot.store.postgres.search import TsvectorSearch
from bot.store.reviews import ReviewReads
from bot.store.sqlite.search import Fts5Search

PAGE_SIZE = 10
# Matches are counted up to here ("1,000 or more"): counting every review that holds a
# common word costs more than ranking the page, and no one pages through a thousand.
MAX_COUNTED = 1_000
SURFACE_SAMPLES = 5  # reviews read to learn which words a corrected stem stands for
_MARKED_WORD = re.compile(f"{MATCH_START}([^{MATCH_END}]*){MATCH_END}")


class SearchEngine(Protocol):
    """What one engine supplies; ``where`` is a condition on ``reviews r``."""

    order: str  # ASC or DESC: which scores are best

    def score(self, tier: Tier) -> str:
        """How well a review ``r`` of ``tier`` matches (in :meth:`matches`' source)."""
        ...

    def matches(
        self, query: SearchQuery, where: str, tier: Tier = Tier.ALL
    ) -> tuple[str, list[Any]]:
        """``FROM … WHERE …`` (without the keyword FROM) of the reviews of ``tier``
        matching ``query`` and ``where``, and the parameters that come before
        ``where``'s."""
        ...

    def matching_ids(self, query: SearchQuery) -> tuple[str, list[Any]]:
        """A condition on ``r``: the review matches ``query``."""
        ...

    def tier(self, query: SearchQuery) -> tuple[str, list[Any]]:
        """An expression: the index in :data:`RANKED_TIERS` of the tier of review ``r``,
        which matches ``query`` (in :meth:`matches`' source for :attr:`Tier.ALL`)."""
        ...

    def tier_score(self, query: SearchQuery) -> tuple[str, list[Any]]:
        """An expression: :meth:`score` for the tier of review ``r`` (as :meth:`tier`)."""
        ...

    def matched_terms(self, terms: Sequence[Term]) -> tuple[str, list[Any]]:
        """An expression: how many of ``terms`` review ``r`` holds."""
        ...

    async def marked_fields(
        self, db: Database, query: SearchQuery, ids: Sequence[int]
    ) -> dict[int, dict[str, str]]: ...

    async def vocabulary(self, db: Database, first: str) -> list[tuple[str, int]]: ...


ENGINES: dict[str, SearchEngine] = {"sqlite": Fts5Search(), "postgresql": TsvectorSearch()}


def _one_slip(candidates: Sequence[tuple[str, int]]) -> bool:
    """Whether the nearest of ``candidates`` (stem, edits), nearest first, is one edit away."""
    return bool(candidates) and candidates[0][1] <= 1


def _word_query(word: str) -> SearchQuery:
    return SearchQuery((Clause((Term((word,)),)),))


class Search:
    """Search by the words of reviews (``/discover``, ``/random about:``); a random
    match is drawn by the picks part, so it does not repeat in a channel either."""

    def __init__(self, db: Database, genres: GenreBits, reads: ReviewReads, picks: Picks) -> None:
        self._db = db
        self._genres = genres
        self._reads = reads
        self._picks = picks

    @property
    def _engine(self) -> SearchEngine:
        return ENGINES[self._db.dialect.name]

    async def search(
        self,
        text: str,
        filters: ReviewFilters = NO_FILTERS,
        *,
        guild_id: int | None,
        page: int = 0,
        page_size: int = PAGE_SIZE,
    ) -> SearchPage:
        """One page of the reviews ``guild_id`` sees that match ``text`` (web-search
        syntax) and ``filters``, best first. When nothing matches and a word of
        ``text`` is in no review, it is searched as the nearest word that is (said in
        :attr:`SearchPage.corrections`)."""
        query = parse_query(text)
        page = max(0, page)
        if query.is_empty:
            return SearchPage((), 0, page, page_size)
        where, params = await self._search_where(filters, guild_id)
        offset = page * page_size
        ids, total = await self._ranked(query, where, params, page_size, offset)
        corrections: tuple[Correction, ...] = ()
        relaxed = False
        if total == 0:
            query, corrections = await self._corrected(query, guild_id)
            if corrections:
                ids, total = await self._ranked(query, where, params, page_size, offset)
        if total == 0 and query.can_relax:
            query, relaxed = query.relaxed(), True
            ids, total = await self._ranked_relaxed(query, where, params, page_size, offset)
        reviews = {review.id: review for review in await self._reads.get_many(ids)}
        marked = await self._engine.marked_fields(self._db, query, ids)
        hits = tuple(
            SearchHit(reviews[review_id], best_snippet(marked.get(review_id, {})))
            for review_id in ids
            if review_id in reviews
        )
        return SearchPage(
            hits,
            total,
            page,
            page_size,
            corrections,
            relaxed=relaxed and total > 0,
            counted_to_cap=total >= MAX_COUNTED,
        )

    async def random_match(
        self,
        text: str,
        filters: ReviewFilters = NO_FILTERS,
        *,
        guild_id: int | None,
        channel_id: int,
    ) -> SearchPick:
        """A random review matching ``text`` and ``filters`` (``/random about:``), not yet
        shown in ``channel_id`` while the pool allows, as :meth:`random_pick` draws."""
        query = parse_query(text)
        if query.is_empty:
            return SearchPick(None)
        where, params = await self._search_where(filters, guild_id)
        corrections: tuple[Correction, ...] = ()
        if not await self._any_match(query, where, params):
            query, corrections = await self._corrected(query, guild_id)
        matching, match_params = self._engine.matching_ids(query)
        review = await self._picks.pick_where(
            f"{where} AND {matching}", [*params, *match_params], channel_id
        )
        return SearchPick(review, corrections)

    async def _search_where(
        self, filters: ReviewFilters, guild_id: int | None
    ) -> tuple[str, list[Any]]:
        return filter_clause(
            filters,
            guild_id,
            self._genres.bits,
            self._db.dialect,
            await self._reads.shadowed(guild_id),
        )

    async def _ranked(
        self, query: SearchQuery, where: str, params: list[Any], limit: int, offset: int
    ) -> tuple[list[int], int]:
        """The ids of one page, best first, and how many match (up to :data:`MAX_COUNTED`).

        :data:`RANKED_TIERS` in order: reviews whose title or tagline holds the query,
        then those whose card does, then those matched only through their text, each
        tier by the engine's score. Fewer matches than :data:`MAX_COUNTED` are ranked
        in one query that tells each one's tier; more are ranked a tier at a time,
        which is what keeps a common word fast: a word in nearly every review's text is
        on a few thousand taglines, and only those are ranked unless the page reaches
        past them.
        """
        total = await self._count(query, where, params)
        if total < MAX_COUNTED:
            tier, tier_params = self._engine.tier(query)
            score, score_params = self._engine.tier_score(query)
            source, query_params = self._engine.matches(query, where)
            rows = await self._db.fetchall(
                f"SELECT id FROM (SELECT r.id AS id, {tier} AS tier, {score} AS score "
                f"FROM {source}) AS hits ORDER BY tier, score {self._engine.order}, id "
                "LIMIT ? OFFSET ?",
                [*tier_params, *score_params, *query_params, *params, limit, offset],
            )
            return [int(row[0]) for row in rows], total
        ids: list[int] = []
        skip = offset  # rows of the tiers still to come that lie before the page
        for tier_of in RANKED_TIERS:
            found = await self._ranked_tier(query, tier_of, where, params, limit - len(ids), skip)
            ids += found
            if len(ids) == limit:
                break
            if found or skip == 0:
                skip = 0  # the page holds the end of this tier
            else:  # the page starts past this tier
                source, query_params = self._engine.matches(query, where, tier_of)
                row = await self._db.fetchone(
                    f"SELECT COUNT(*) FROM {source}", [*query_params, *params]
                )
                skip -= int(row[0])
        return ids, total

    async def _ranked_tier(
        self,
        query: SearchQuery,
        tier: Tier,
        where: str,
        params: list[Any],
        limit: int,
        offset: int,
    ) -> list[int]:
        """One tier's ids from ``offset``, best first (ranked by a sort that keeps only
        ``offset + limit`` rows: no count of the whole tier)."""
        source, query_params = self._engine.matches(query, where, tier)
        # The score in a subquery: FTS5's bm25() is only callable where the index is read.
        rows = await self._db.fetchall(
            f"SELECT id FROM (SELECT r.id AS id, {self._engine.score(tier)} AS score "
            f"FROM {source}) AS hits ORDER BY score {self._engine.order}, id LIMIT ? OFFSET ?",
            [*query_params, *params, limit, offset],
        )
        return [int(row[0]) for row in rows]

    async def _ranked_relaxed(
        self, query: SearchQuery, where: str, params: list[Any], limit: int, offset: int
    ) -> tuple[list[int], int]:
        """:meth:`_ranked` for a relaxed query: the reviews holding the most of its terms
        first, each group by the engine's score (no tiers: a review with more of the
        words comes first even if only its text holds them)."""
        matched, matched_params = self._engine.matched_terms(query.required_terms())
        source, query_params = self._engine.matches(query, where)
        rows = await self._db.fetchall(
            f"SELECT id FROM (SELECT r.id AS id, {matched} AS matched, "
            f"{self._engine.score(Tier.ALL)} AS score FROM {source}) AS hits "
            f"ORDER BY matched DESC, score {self._engine.order}, id LIMIT ? OFFSET ?",
            [*matched_params, *query_params, *params, limit, offset],
        )
        return [int(row[0]) for row in rows], await self._count(query, where, params)

    async def _count(self, query: SearchQuery, where: str, params: list[Any]) -> int:
        """How many reviews match, up to :data:`MAX_COUNTED`."""
        source, query_params = self._engine.matches(query, where)
        row = await self._db.fetchone(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM {source} LIMIT ?) AS counted",
            [*query_params, *params, MAX_COUNTED],
        )
        return int(row[0])

    async def _any_match(self, query: SearchQuery, where: str, params: list[Any]) -> bool:
        source, query_params = self._engine.matches(query, where)
        row = await self._db.fetchone(f"SELECT 1 FROM {source} LIMIT 1", [*query_params, *params])
        return row is not None

    async def _corrected(
        self, query: SearchQuery, guild_id: int | None
    ) -> tuple[SearchQuery, tuple[Correction, ...]]:
        """``query`` with each word no review ``guild_id`` sees holds replaced by the
        nearest word one does, where there is one within a couple of typing slips."""
        visible, params = await self._search_where(NO_FILTERS, guild_id)
        replacements: dict[str, str] = {}
        for word in query.required_words():
            if max_edits(fold(word)) == 0 or await self._any_match(
                _word_query(word), visible, params
            ):
                continue
            replacement = await self._nearest_word(word, visible, params)
            if replacement is not None and replacement != word.casefold():
                replacements[word] = replacement
        corrections = tuple(Correction(typed, searched) for typed, searched in replacements.items())
        return query.replaced(replacements), corrections

    async def _nearest_word(self, word: str, visible: str, params: list[Any]) -> str | None:
        """The word, as reviews ``visible`` write it, of the vocabulary stem nearest ``word``.

        Stems sharing the word's first two letters are read first (a range of the
        vocabulary, a few milliseconds). When none of those is one slip away, the slip
        may be in the second letter: the stems starting with the first and third
        letters are read too (the second letter swapped with the third, "gohst", or a
        letter slipped in before it, "gxhost"), as cheap. Only when neither range holds
        a stem within the word's slips is the whole first letter's read (the second
        letter dropped or replaced: "gost" for ghost): at 58,788 reviews that is 30-90
        ms, and a stem two slips away in the cheap ranges is taken rather than paying it
        for one slip away elsewhere.
        """
        folded = fold(word)
        candidates = nearest_stems(word, await self._engine.vocabulary(self._db, folded[:2]))
        if not _one_slip(candidates) and len(folded) > 2 and folded[2] != folded[1]:
            swapped = await self._engine.vocabulary(self._db, folded[0] + folded[2])
            candidates = sorted([*candidates, *nearest_stems(word, swapped)], key=itemgetter(1))
            candidates = candidates[:CANDIDATES]
        if not candidates:
            candidates = nearest_stems(word, await self._engine.vocabulary(self._db, folded[0]))
        for stem, _ in candidates:
            stem_query = _word_query(stem)
            source, query_params = self._engine.matches(stem_query, visible)
            rows = await self._db.fetchall(
                f"SELECT r.id FROM {source} LIMIT ?", [*query_params, *params, SURFACE_SAMPLES]
            )
            ids = [int(row[0]) for row in rows]
            if not ids:
                continue  # only in reviews this server does not see
            marked = await self._engine.marked_fields(self._db, stem_query, ids)
            found = [
                matched
                for fields in marked.values()
                for text in fields.values()
                for matched in _MARKED_WORD.findall(text)
            ]
            return closest_word(word, found) or stem
        return None
