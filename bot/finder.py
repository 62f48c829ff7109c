"""The title finder: which review a member means.

:class:`TitleFinder` holds the title index and answers lookups, autocomplete and
"which film does this message name" from it, reading from the store only the
cards a reply shows. It also keeps the people index behind the director and cast
options. It never decides when the index changes: the catalog sync
(:mod:`bot.catalog_sync`) does, and calls the maintenance methods at the end.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from bot.labels import choice_label, review_choice_label
from bot.matching import Match, ScopedTitleIndex, normalize_title, split_year
from bot.matching.people import PeopleIndex
from bot.metrics import NO_METRICS, Metrics, Tier
from bot.models import Review, ReviewFilters, TitleEntry, film_key
from bot.store import Store

CHOICE_PREFIX = "id:"  # autocomplete values carry the review id, so a pick is exact
# Titles listed in a "no match" reply or beside a closest match, and the most a
# did-you-mean menu offers when the best is a coin toss (Discord's select limit).
SUGGESTION_COUNT = 5
MENU_SIZE = 25
# Finding a film in a message: the longest title run looked for, and how many of the
# message's words are read (a film is named early; a wall of text must stay cheap).
LONGEST_TITLE_WORDS = 10  # longer titles are 0.2 % of the 58,788 films of ggplot2movies
WORDS_READ = 50
_WORD = re.compile(r"\S+")
INDEX_SLICE = 500  # reviews read or re-indexed between two turns of the event loop


@dataclass(frozen=True, slots=True)
class Lookup:
    """What a member's query found: the best review, and others they might mean.

    ``exact`` is false when the best review is only the closest match to what
    was typed (a typo, a film the catalog lacks): the reply must say so. With no
    ``best`` (nothing sure enough for a card), ``alternatives`` are the nearest
    titles, best first, for a did-you-mean menu.
    """

    query: str
    best: Review | None
    alternatives: list[Review] = field(default_factory=list)
    ambiguous: bool = False
    exact: bool = True

    @property
    def found(self) -> bool:
        return self.best is not None

    @property
    def tier(self) -> Tier:
        """How it resolved: a card as typed, a card as the closest match, or no card."""
        if self.best is None:
            return "no_card"
        return "exact" if self.exact else "closest"

    @property
    def menu(self) -> list[Review]:
        """The films to offer: when there is no card, or the best is a coin toss or
        only the closest."""
        return self.alternatives if self.best is None or self.ambiguous or not self.exact else []


class TitleFinder:
    """The title index and everything answered from it, for one process."""

    def __init__(
        self, store: Store, index: ScopedTitleIndex, metrics: Metrics = NO_METRICS
    ) -> None:
        self._reviews = store.reviews
        self._insights = store.insights
        self.index = index
        self._metrics = metrics
        # Directors and cast per (kind, guild), built on first use after any change.
        self._people: dict[tuple[str, int | None], PeopleIndex] = {}

    @classmethod
    async def load(cls, store: Store, metrics: Metrics = NO_METRICS) -> TitleFinder:
        """A finder over every live review ``store`` holds now."""
        index = ScopedTitleIndex()
        index.add_many(_index_rows(await store.reviews.title_entries()))
        finder = cls(store, index, metrics)
        metrics.watch_index(lambda: len(finder.index))
        return finder

    # -- finding -------------------------------------------------------------

    async def lookup(self, query: str, guild_id: int | None) -> Lookup:
        """Three tiers, as a search engine answers: an exact hit is the card; a sure
        non-exact hit is the card shown as the closest match; a weak hit (or none)
        gets no card but a did-you-mean menu of the nearest titles."""
        matches = self.index.search(query, guild_id, limit=MENU_SIZE)
        if not matches or matches[0].weak:
            return Lookup(query, None, await self._did_you_mean(query, matches, guild_id))
        ambiguous = self.index.is_ambiguous(matches)
        # Only what the reply shows is read: a clear exact hit has no menu, a closest
        # match offers a few other close titles, a coin toss everything that tied.
        clear = matches[0].exact and not ambiguous
        shown = 1 if clear else MENU_SIZE if ambiguous else SUGGESTION_COUNT
        found = await self._visible_matches(matches[:shown], guild_id)
        if not found and len(matches) > shown:
            found = await self._visible_matches(matches[shown:], guild_id)
        if not found:
            return Lookup(query, None, await self._did_you_mean(query, [], guild_id))
        reviews = [review for _, review in found]
        return Lookup(
            query,
            reviews[0],
            reviews[1:],
            ambiguous=ambiguous and len(reviews) > 1,
            exact=found[0][0].exact,
        )

    async def _did_you_mean(
        self, query: str, matches: Sequence[Match], guild_id: int | None
    ) -> list[Review]:
        """The titles a no-card reply offers: the weak hits as the matcher ranked
        them, or, when it found nothing, the nearest titles however far."""
        if not matches:
            matches = self.index.nearest(query, guild_id, limit=SUGGESTION_COUNT)
        found = await self._visible_matches(matches[:SUGGESTION_COUNT], guild_id)
        return [review for _, review in found]

    async def resolve(self, title: str, guild_id: int | None) -> Lookup:
        """What a ``title`` option means: an autocomplete pick (exact) or typed text (fuzzy).

        Every member's lookup comes through here, so here it is counted by tier.
        """
        review_id = parse_choice_value(title)
        if review_id is not None:
            found = Lookup(title, await self._card(review_id, guild_id))
        else:
            found = await self.lookup(title, guild_id)
        self._metrics.lookup(found.tier)
        return found

    def surely_shows_card(self, query: str, guild_id: int | None) -> bool:
        """Whether :meth:`resolve` of ``query`` is sure to answer with a card (a public
        reply): an autocomplete pick, or a title the catalog has exactly. Cheap (no
        fuzzy search), for deciding how to defer a lookup that must wait; a typo may
        still find a card, and that is not known without the search."""
        if parse_choice_value(query) is not None:
            return True
        return bool(self.index.exact(query, guild_id, limit=1))

    def card_for(self, query: str, guild_id: int | None) -> Match | None:
        """The film a lookup of ``query`` would show as a card now (as typed, or as the
        closest match), from the index alone: no reads, cheap enough to ask for every
        title in the moderators' queue."""
        matches = self.index.search(query, guild_id, limit=1)
        return matches[0] if matches and not matches[0].weak else None

    async def get(self, review_id: int, guild_id: int | None) -> Review | None:
        """The live review ``review_id`` if ``guild_id`` may see it."""
        return await self._reviews.get_visible(review_id, guild_id)

    async def choices(
        self, text: str, guild_id: int | None, limit: int = 25
    ) -> list[tuple[str, str]]:
        """(label, value) pairs for an autocomplete answer, best first.

        Built from the index alone: it holds exactly the live reviews this guild can
        see, so a keystroke costs no database reads. A global film the guild has its
        own review of is offered once, as the guild's.
        """
        matches = self.complete(text, guild_id, limit * 2)  # room for shadowed ones
        return [
            (choice_label(match.title, match.year), choice_value(match.review_id))
            for match in self._unshadowed(matches, guild_id)[:limit]
        ]

    def _unshadowed(self, matches: list[Match], guild_id: int | None) -> list[Match]:
        """``matches`` without global films that one of the guild's own matches shadows."""
        if guild_id is None:
            return matches
        own = {
            film_key(match.title, match.year or 0)
            for match in matches
            if self.index.scope_of(match.review_id) == guild_id
        }
        return [
            match
            for match in matches
            if self.index.scope_of(match.review_id) == guild_id
            or film_key(match.title, match.year or 0) not in own
        ]

    def complete(self, text: str, guild_id: int | None, limit: int = 25) -> list[Match]:
        return self.index.complete(text, guild_id, limit=limit)

    async def find_deleted(self, title: str, scope: int | None) -> Review | None:
        """A soft-deleted review in ``scope``, by autocomplete pick or by exact title."""
        review_id = parse_choice_value(title)
        if review_id is not None:
            review = await self._reviews.get(review_id, include_deleted=True)
            # Only this scope's: an id must not reveal another guild's titles.
            if review is None or review.deleted_at is None or review.scope != scope:
                return None
            return review
        name, year = split_year(title)
        found = await self._reviews.find_by_title(name, year, scope=scope, include_deleted=True)
        return next((review for review in found if review.deleted_at is not None), None)

    async def deleted_choices(self, text: str, scope: int | None) -> list[tuple[str, str]]:
        wanted = text.casefold()
        reviews = await self._reviews.deleted_reviews(scope)
        return [
            (review_choice_label(review), choice_value(review.id))
            for review in reviews
            if wanted in review.title.casefold()
        ]

    async def find_in_text(self, text: str, guild_id: int | None) -> Review | None:
        """The film a message talks about: its longest run of words that is a title.

        Only an exact title (or alias) after normalisation counts, so chatter such as
        "good morning" finds nothing rather than the closest fuzzy guess; a one-word
        title counts only where it reads as a name (see :func:`_named_alone`).
        """
        words = _WORD.findall(text)[:WORDS_READ]
        searched: set[str] = set()
        for length in range(min(LONGEST_TITLE_WORDS, len(words)), 0, -1):
            for start in range(len(words) - length + 1):
                run = " ".join(words[start : start + length])
                key = normalize_title(run)
                if not key or key in searched:
                    continue
                if " " not in key and not _named_alone(words, start + length - 1, key):
                    continue
                searched.add(key)
                review = await self._exact_title(run, guild_id)
                if review is not None:
                    return review
            await asyncio.sleep(0)  # a long message must not hold up the bot's other work
        return None

    async def _exact_title(self, text: str, guild_id: int | None) -> Review | None:
        matches = self.index.exact(text, guild_id, limit=SUGGESTION_COUNT)
        found = await self._visible_matches(matches, guild_id)  # one film, one card
        return found[0][1] if found else None

    # -- reading cards ---------------------------------------------------------

    async def _visible_matches(
        self, matches: Iterable[Match], guild_id: int | None
    ) -> list[tuple[Match, Review]]:
        """The cards for ``matches``, one per film, each with the match that found it:
        a guild's copy stands in for the global review. One read for all of them."""
        matches = list(matches)
        cards = await self._reviews.cards([match.review_id for match in matches], guild_id)
        found: list[tuple[Match, Review]] = []
        shown: set[int] = set()
        for match in matches:
            review = cards.get(match.review_id)
            if review is not None and review.id not in shown:
                shown.add(review.id)
                found.append((match, review))
        return found

    async def _card(self, review_id: int, guild_id: int | None) -> Review | None:
        """The review ``guild_id`` is shown for ``review_id``: its own copy of that film
        shadows the global review (one film, one card per server)."""
        return (await self._reviews.cards([review_id], guild_id)).get(review_id)

    async def read_many(self, ids: Sequence[int]) -> list[Review]:
        """Reviews by id, :data:`INDEX_SLICE` at a time with a turn of the event loop
        between: decoding the 5,000 reviews of one feed batch at once was one of the
        longest stalls of the loop while a 58,788-film import ran beside the bot."""
        reviews: list[Review] = []
        for start in range(0, len(ids), INDEX_SLICE):
            reviews.extend(await self._reviews.get_many(ids[start : start + INDEX_SLICE]))
            await asyncio.sleep(0)
        return reviews

    # -- people ----------------------------------------------------------------

    async def person_choices(self, kind: str, typed: str, *, guild_id: int | None) -> list[str]:
        """Autocomplete for ``director`` or ``cast``: catalog names by surname or fuzzily."""
        return (await self._people_index(kind, guild_id)).complete(typed)

    async def with_people(self, filters: ReviewFilters, guild_id: int | None) -> ReviewFilters:
        """The filters with a typed director or cast member ("nolan", "de niro")
        replaced by the catalog name it means, which the store matches exactly.
        A name the matcher cannot place is left as typed (and so matches nothing)."""
        return replace(
            filters,
            director=await self._person("director", filters.director, guild_id),
            cast_member=await self._person("cast", filters.cast_member, guild_id),
        )

    async def _person(self, kind: str, typed: str | None, guild_id: int | None) -> str | None:
        if typed is None:
            return None
        return (await self._people_index(kind, guild_id)).resolve(typed) or typed

    async def _people_index(self, kind: str, guild_id: int | None) -> PeopleIndex:
        people = self._people.get((kind, guild_id))
        if people is None:
            names = await self._insights.term_names(kind, guild_id=guild_id)
            people = self._people[(kind, guild_id)] = PeopleIndex(names)
        return people

    # -- keeping the index (called by the catalog sync) ------------------------

    def newest_id(self) -> int:
        """The highest id of a review in the index (0 when it is empty)."""
        return self.index.newest_id()

    def forget_people(self) -> None:
        """Drop the people indexes: directors or cast may have changed."""
        self._people.clear()

    def index_review(self, review: Review) -> None:
        """Index ``review`` as it is now stored (added, edited, restored)."""
        self._people.clear()  # its directors or cast may have changed
        self.index.remove(review.id)
        self.index.add(review.id, review.title, review.year, review.aliases, scope=review.scope)

    def unindex(self, review_ids: Iterable[int]) -> None:
        """Forget reviews that are no longer live."""
        self._people.clear()
        for review_id in review_ids:
            self.index.remove(review_id)

    def reindex(self, review_ids: Iterable[int], live: Iterable[TitleEntry]) -> None:
        """Index ``review_ids`` as ``live`` says they are now: the ones it lacks are gone."""
        self.unindex(review_ids)
        self.index.add_many(_index_rows(live))

    def rebuild(self, live: Iterable[TitleEntry]) -> None:
        """Replace the whole index with ``live``, every live review."""
        self._people.clear()
        index = ScopedTitleIndex()
        index.add_many(_index_rows(live))
        self.index = index


def _named_alone(words: list[str], position: int, key: str) -> bool:
    """Whether the word at ``position`` may be read as a one-word title ("Heat", "Us").

    Such titles are also ordinary words ("the meeting", "tell us", "I was"), so one
    counts only as the whole message, or capitalised inside a sentence, and never as
    a single letter.
    """
    if len(key) < 2:
        return False
    return len(words) == 1 or (position > 0 and words[position][:1].isupper())


def _index_rows(
    entries: Iterable[TitleEntry],
) -> Iterator[tuple[int, str, int | None, tuple[str, ...], int | None]]:
    for entry in entries:
        yield entry.review_id, entry.title, entry.year, entry.aliases, entry.scope


def choice_value(review_id: int) -> str:
    return f"{CHOICE_PREFIX}{review_id}"


def parse_choice_value(value: str) -> int | None:
    number = value.removeprefix(CHOICE_PREFIX)
    # ASCII digits only ("²" is a digit to str.isdigit) and within SQLite's integers.
    if value.startswith(CHOICE_PREFIX) and number.isascii() and number.isdigit():
        review_id = int(number)
        return review_id if review_id < 2**63 else None
    return None
