"""Insights: what the catalog holds, read for members (picks, top lists, similar films,
statistics, autocomplete labels) and for moderators (titles members looked for in
vain: the requests service folds them into /wanted).

A typed director or cast member is first resolved to the catalog name it means by
the title finder's people index, since the store matches names exactly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from bot.finder import TitleFinder
from bot.histograms import CatalogHistograms
from bot.models import CatalogStats, Review, ReviewFilters
from bot.store import Store
from bot.store.filters import NO_FILTERS


class Insights:
    """Reads over the whole catalog, as one server sees it."""

    def __init__(self, store: Store, finder: TitleFinder) -> None:
        self._reviews = store.reviews
        self._insights = store.insights
        self._picks = store.picks
        self._guilds = store.guilds
        self._finder = finder
        # /stats counts every review of a slice: tens of milliseconds a query at 58,788
        # films. SQLite answers this process's reads on one connection, in turn, so ten
        # /stats at once would queue ten such queries ahead of a member's lookup; taken
        # one /stats at a time, a lookup waits behind one query at most.
        self._counting = asyncio.Lock()

    async def random_pick(
        self, filters: ReviewFilters, *, guild_id: int | None, channel_id: int
    ) -> Review | None:
        filters = await self._finder.with_people(filters, guild_id)
        return await self._picks.random_pick(filters, guild_id=guild_id, channel_id=channel_id)

    async def top(
        self, filters: ReviewFilters, *, guild_id: int | None, limit: int
    ) -> list[Review]:
        """The best-scored reviews ``guild_id`` sees that match ``filters``."""
        filters = await self._finder.with_people(filters, guild_id)
        return await self._reviews.list_reviews(filters, guild_id=guild_id, limit=limit)

    async def pool_size(self, filters: ReviewFilters, *, guild_id: int | None) -> int:
        """How many reviews ``guild_id`` sees that match ``filters``."""
        filters = await self._finder.with_people(filters, guild_id)
        return await self._reviews.count(filters, guild_id=guild_id)

    async def explain_empty(
        self, steps: Sequence[tuple[str, ReviewFilters]], described: str, guild_id: int | None
    ) -> str:
        """Why nothing matched: an empty catalog, or the first option that emptied the pool.

        ``steps`` are the options in the order the member gave them, each with
        the filters in force once it is applied; ``described`` names them all.
        """
        if await self._reviews.count(guild_id=guild_id) == 0:
            return "The catalog is empty: moderators can add reviews with /catalog add."
        for option, applied in steps:
            applied = await self._finder.with_people(applied, guild_id)
            if await self._reviews.count(applied, guild_id=guild_id) == 0:
                return (
                    f"No film matches {described}: the pool runs dry at "
                    f"`{option}`. Try loosening or removing `{option}`."
                )
        return "No film matches those filters."

    async def related(
        self, review: Review, *, guild_id: int | None
    ) -> list[tuple[Review, list[tuple[str, str]]]]:
        return await self._insights.related(review, guild_id=guild_id)

    async def stats(
        self, filters: ReviewFilters = NO_FILTERS, *, guild_id: int | None
    ) -> CatalogStats:
        """Size, scores, verdicts and leading directors of what ``guild_id`` sees
        through ``filters``."""
        filters = await self._finder.with_people(filters, guild_id)
        async with self._counting:
            return await self._insights.stats(filters, guild_id=guild_id)

    async def histograms(
        self, filters: ReviewFilters, *, guild_id: int | None
    ) -> CatalogHistograms:
        """What the /stats chart of this slice draws: counts by score, decade and genre."""
        filters = await self._finder.with_people(filters, guild_id)
        async with self._counting:
            return await self._insights.histograms(filters, guild_id=guild_id)

    async def server_scopes(self) -> dict[int, int]:
        """Servers with reviews of their own, and how many each has."""
        return await self._insights.server_scopes()

    async def verdict_labels(self, *, guild_id: int | None) -> list[str]:
        return await self._insights.verdict_labels(guild_id=guild_id)

    async def term_labels(self, kind: str, prefix: str, *, guild_id: int | None) -> list[str]:
        return await self._insights.term_labels(kind, prefix, guild_id=guild_id)

    async def record_miss(self, guild_id: int | None, query: str) -> None:
        """Count a lookup that found nothing, for the moderators' /wanted."""
        await self._guilds.record_miss(guild_id, query)
