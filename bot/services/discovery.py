"""Discovery: reviews found by what they say (``/discover``, ``/random about:``).

The store ranks, cuts snippets and corrects typos (:mod:`bot.store.search`); this
service only places a typed director or cast member first, as every filter of
``/random`` is placed (:meth:`bot.finder.TitleFinder.with_people`), so the same
options mean the same films in both commands.
"""

from __future__ import annotations

from bot.finder import TitleFinder
from bot.matching.query import looks_like_title
from bot.models import ReviewFilters
from bot.search_results import SearchPage, SearchPick
from bot.store import Store
from bot.store.filters import NO_FILTERS


class Discovery:
    """Searches by the words of the reviews one server sees."""

    def __init__(self, store: Store, finder: TitleFinder) -> None:
        self._search = store.search
        self._finder = finder

    async def search(
        self,
        text: str,
        filters: ReviewFilters = NO_FILTERS,
        *,
        guild_id: int | None,
        page: int = 0,
    ) -> SearchPage:
        """One page of the reviews matching ``text`` and ``filters``, best first."""
        filters = await self._finder.with_people(filters, guild_id)
        return await self._search.search(text, filters, guild_id=guild_id, page=page)

    @staticmethod
    def requestable(text: str, filters: ReviewFilters = NO_FILTERS) -> str | None:
        """The title to offer as a review request when a search of ``text`` found
        nothing: the text itself when it reads like a title and no filter narrowed
        the search (then the filters, not a missing film, may be why)."""
        if filters != NO_FILTERS or not looks_like_title(text):
            return None
        return text.strip()

    async def random_match(
        self,
        text: str,
        filters: ReviewFilters = NO_FILTERS,
        *,
        guild_id: int | None,
        channel_id: int,
    ) -> SearchPick:
        """A random review matching ``text`` and ``filters``, not yet shown in the channel
        while the pool allows."""
        filters = await self._finder.with_people(filters, guild_id)
        return await self._search.random_match(
            text, filters, guild_id=guild_id, channel_id=channel_id
        )

    async def count(
        self, text: str, filters: ReviewFilters = NO_FILTERS, *, guild_id: int | None
    ) -> int:
        """How many reviews match (up to the store's cap on counting)."""
        return (await self.search(text, filters, guild_id=guild_id)).total
