"""Scoped indexes: the global reviews plus one title index per guild."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeAlias

from bot.matching.index import TitleIndex
from bot.matching.scoring import Match, are_ambiguous, match_order
from bot.models import TitleEntry

# One of TitleIndex's lookups (search, exact, nearest, complete), called unbound.
_Lookup: TypeAlias = Callable[[TitleIndex, str, int], list[Match]]


class ScopedTitleIndex:
    """One :class:`TitleIndex` per scope; a guild sees global reviews and its own."""

    def __init__(self) -> None:
        self._indexes: dict[int | None, TitleIndex] = {None: TitleIndex()}
        self._scope_of: dict[int, int | None] = {}

    def __len__(self) -> int:
        return len(self._scope_of)

    def __contains__(self, review_id: object) -> bool:
        return review_id in self._scope_of

    def scope_of(self, review_id: int) -> int | None:
        """The scope a review was added under (KeyError if unknown)."""
        return self._scope_of[review_id]

    def newest_id(self) -> int:
        """The highest review id indexed (0 when empty)."""
        return max(self._scope_of, default=0)

    def add(
        self,
        review_id: int,
        title: str,
        year: int | None = None,
        aliases: Iterable[str] = (),
        scope: int | None = None,
    ) -> None:
        """Index a review in ``scope`` (None = global); re-adding an id replaces it."""
        self.remove(review_id)
        self._index_for(scope).add(review_id, title, year, aliases)
        self._scope_of[review_id] = scope

    def add_many(
        self,
        entries: Iterable[tuple[int, str, int | None, Iterable[str], int | None]],
    ) -> None:
        """Bulk add (review_id, title, year, aliases, scope) tuples."""
        by_scope: dict[int | None, list[TitleEntry]] = {}
        for review_id, title, year, aliases, scope in entries:
            self.remove(review_id)
            by_scope.setdefault(scope, []).append(
                TitleEntry(review_id, title, year, tuple(aliases))
            )
            self._scope_of[review_id] = scope
        for scope, scoped in by_scope.items():
            self._index_for(scope).add_many(scoped)

    def _index_for(self, scope: int | None) -> TitleIndex:
        """The scope's index, made on its first review (:meth:`remove` drops it when empty)."""
        index = self._indexes.get(scope)
        if index is None:
            index = self._indexes[scope] = TitleIndex()
        return index

    def remove(self, review_id: int) -> None:
        """Forget a review wherever it lives; unknown ids are ignored."""
        if review_id not in self._scope_of:
            return
        scope = self._scope_of.pop(review_id)
        index = self._indexes[scope]
        index.remove(review_id)
        if scope is not None and not len(index):
            del self._indexes[scope]

    def _visible(self, guild_id: int | None) -> list[TitleIndex]:
        indexes = [self._indexes[None]]
        if guild_id is not None and guild_id in self._indexes:
            indexes.append(self._indexes[guild_id])
        return indexes

    def _merged(self, lookup: _Lookup, query: str, guild_id: int | None, limit: int) -> list[Match]:
        # Each visible index gives its own best ``limit``; merging them by score lets a
        # guild's own review outrank a global one and the other way round.
        found = [m for index in self._visible(guild_id) for m in lookup(index, query, limit)]
        found.sort(key=match_order)
        return found[:limit]

    def search(self, query: str, guild_id: int | None, limit: int = 5) -> list[Match]:
        """Search global reviews and ``guild_id``'s own, merged by score."""
        return self._merged(TitleIndex.search, query, guild_id, limit)

    def exact(self, query: str, guild_id: int | None, limit: int = 5) -> list[Match]:
        """Exact titles or aliases over global reviews and ``guild_id``'s own."""
        return self._merged(TitleIndex.exact, query, guild_id, limit)

    def nearest(self, query: str, guild_id: int | None, limit: int = 5) -> list[Match]:
        """The nearest titles over global reviews and ``guild_id``'s own (never a card)."""
        return self._merged(TitleIndex.nearest, query, guild_id, limit)

    def complete(self, text: str, guild_id: int | None, limit: int = 25) -> list[Match]:
        """Autocomplete over global reviews and ``guild_id``'s own."""
        return self._merged(TitleIndex.complete, text, guild_id, limit)

    def is_ambiguous(self, matches: Sequence[Match]) -> bool:
        """Whether the best match is not clearly the one meant (see are_ambiguous)."""
        return are_ambiguous(matches)
