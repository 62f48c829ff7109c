"""Insights: what the catalog holds, read for members (picks, top lists, similar films,
statistics, autocomplete labels) and for moderators (titles members looked for in
vain).

A typed director or cast member is first resolved to the catalog name it means by
the title finder's people index, since the store matches names exactly.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.finder import TitleFinder
from bot.models import CatalogStats, Review, ReviewFilters
from bot.store import Store


class Insights:
    """Reads over the whole catalog, as one server sees it."""

    def __init__(self, store: Store, finder: TitleFinder) -> None:
        self._reviews = store.reviews
        self._insights = store.insights
        self._picks = store.picks
        self._guilds = store.guilds
        self._finder = finder

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

    async def stats(self, *, guild_id: int | None) -> CatalogStats:
        return await self._insights.stats(guild_id=guild_id)

    async def verdict_labels(self, *, guild_id: int | None) -> list[str]:
        return await self._insights.verdict_labels(guild_id=guild_id)

    async def term_labels(self, kind: str, prefix: str, *, guild_id: int | None) -> list[str]:
        return await self._insights.term_labels(kind, prefix, guild_id=guild_id)

    async def record_miss(self, guild_id: int | None, query: str) -> None:
        """Count a lookup that found nothing, for the moderators' /wanted."""
        await self._guilds.record_miss(guild_id, query)

    async def top_misses(self, guild_id: int | None) -> list[tuple[str, int]]:
        return await self._guilds.top_misses(guild_id)
