"""The catalog: the store and the title index, kept in step.

Cogs and the CLI reach reviews and guild state only through :class:`Catalog`,
so the index that answers lookups and autocomplete never drifts from what this
process stored, and no cog depends on how it is stored. What other processes
store reaches the index through the change feed (:mod:`bot.changes`), which a
running bot follows with :meth:`Catalog.follow_changes`.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, TextIO, Unpack

from bot.changes import ChangeBatch, ChangeFeed
from bot.heap import LARGE_BATCH, freeze_long_lived
from bot.importers import EXPORTERS, read_review_file
from bot.labels import choice_label, review_choice_label
from bot.matching import Match, ScopedTitleIndex, normalize_title, split_year
from bot.matching.people import PeopleIndex
from bot.models import (
    Announcements,
    AuditEntry,
    CatalogStats,
    ImportReport,
    Review,
    ReviewFilters,
    TitleEntry,
    film_key,
)
from bot.store import DATABASE_ERRORS, DEFAULT_POOL_SIZE, Store
from bot.store.imports import ImportOptions

log = logging.getLogger(__name__)

CHOICE_PREFIX = "id:"  # autocomplete values carry the review id, so a pick is exact
STARTER_CATALOG = Path(__file__).resolve().parent / "data" / "catalog.json"  # package data
# Titles listed in a "no match" reply or beside a closest match, and the most a
# did-you-mean menu offers when the best is a coin toss (Discord's select limit).
SUGGESTION_COUNT = 5
MENU_SIZE = 25
# Finding a film in a message: the longest title run looked for, and how many of the
# message's words are read (a film is named early; a wall of text must stay cheap).
LONGEST_TITLE_WORDS = 10  # longer titles are 0.2 % of the 58,788 films of ggplot2movies
WORDS_READ = 50
_WORD = re.compile(r"\S+")

PublishSource = Literal["add", "import", "external"]


@dataclass(frozen=True, slots=True)
class Published:
    """Reviews that just became visible: one event per add, import or outside change."""

    reviews: tuple[Review, ...]
    source: PublishSource


PublishListener = Callable[[Published], Awaitable[None]]
FEED_RETRY_SECONDS = 1.0
INDEX_SLICE = 500  # reviews re-indexed between two turns of the event loop


@dataclass(frozen=True, slots=True)
class Exported:
    """How an export went: ``complete`` is ``False`` when it stopped at ``max_bytes``."""

    count: int
    complete: bool


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
    def menu(self) -> list[Review]:
        """The films to offer: when there is no card, or the best is a coin toss or
        only the closest."""
        return self.alternatives if self.best is None or self.ambiguous or not self.exact else []


class Catalog:
    def __init__(self, store: Store, index: ScopedTitleIndex, feed: ChangeFeed) -> None:
        self.store = store
        self.index = index
        self._publish_listeners: list[PublishListener] = []
        # Directors and cast per (kind, guild), built on first use after any change.
        self._people: dict[tuple[str, int | None], PeopleIndex] = {}
        self.feed = feed
        # One reader of the feed at a time: the follower and an import's catch-up.
        self._feed_lock = asyncio.Lock()

    @classmethod
    async def open(cls, target: Path | str, *, pool_size: int = DEFAULT_POOL_SIZE) -> Catalog:
        """Open (or create, empty) the database, a file or a PostgreSQL URL, and build
        the index."""
        store = await Store.open(target, pool_size=pool_size)
        try:
            return await cls.from_store(store)
        except BaseException:
            await store.close()
            raise

    @classmethod
    async def from_store(cls, store: Store) -> Catalog:
        # The feed starts before the index is read: a change committed in between is
        # applied twice, which is harmless, rather than not at all.
        feed = await store.change_feed()
        index = ScopedTitleIndex()
        index.add_many(_index_rows(await store.title_entries()))
        return cls(store, index, feed)

    async def close(self) -> None:
        await self.store.close()

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
        """What a ``title`` option means: an autocomplete pick (exact) or typed text (fuzzy)."""
        review_id = parse_choice_value(title)
        if review_id is not None:
            return Lookup(title, await self._card(review_id, guild_id))
        return await self.lookup(title, guild_id)

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

    async def find_deleted(self, title: str, scope: int | None) -> Review | None:
        """A soft-deleted review in ``scope``, by autocomplete pick or by exact title."""
        review_id = parse_choice_value(title)
        if review_id is not None:
            review = await self.store.get(review_id, include_deleted=True)
            # Only this scope's: an id must not reveal another guild's titles.
            if review is None or review.deleted_at is None or review.scope != scope:
                return None
            return review
        name, year = split_year(title)
        found = await self.store.find_by_title(name, year, scope=scope, include_deleted=True)
        return next((review for review in found if review.deleted_at is not None), None)

    async def deleted_choices(self, text: str, scope: int | None) -> list[tuple[str, str]]:
        wanted = text.casefold()
        reviews = await self.store.deleted_reviews(scope)
        return [
            (review_choice_label(review), choice_value(review.id))
            for review in reviews
            if review.id is not None and wanted in review.title.casefold()
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

    def complete(self, text: str, guild_id: int | None, limit: int = 25) -> list[Match]:
        return self.index.complete(text, guild_id, limit=limit)

    async def _visible_matches(
        self, matches: Iterable[Match], guild_id: int | None
    ) -> list[tuple[Match, Review]]:
        """The cards for ``matches``, one per film, each with the match that found it:
        a guild's copy stands in for the global review."""
        found: list[tuple[Match, Review]] = []
        for match in matches:
            review = await self._card(match.review_id, guild_id)
            if review is not None and all(review.id != shown.id for _, shown in found):
                found.append((match, review))
        return found

    async def _card(self, review_id: int, guild_id: int | None) -> Review | None:
        """The review ``guild_id`` is shown for ``review_id``: its own copy of that film
        shadows the global review (one film, one card per server)."""
        review = await self.store.get_visible(review_id, guild_id)
        if review is None:
            return None
        return await self.store.own_copy(review, guild_id) or review

    async def explain_empty(
        self, steps: Sequence[tuple[str, ReviewFilters]], described: str, guild_id: int | None
    ) -> str:
        """Why nothing matched: an empty catalog, or the first option that emptied the pool.

        ``steps`` are the options in the order the member gave them, each with
        the filters in force once it is applied; ``described`` names them all.
        """
        if await self.store.count(guild_id=guild_id) == 0:
            return "The catalog is empty: moderators can add reviews with /catalog add."
        for option, applied in steps:
            applied = await self._with_people(applied, guild_id)
            if await self.store.count(applied, guild_id=guild_id) == 0:
                return (
                    f"No film matches {described}: the pool runs dry at "
                    f"`{option}`. Try loosening or removing `{option}`."
                )
        return "No film matches those filters."

    async def random_pick(
        self, filters: ReviewFilters, *, guild_id: int | None, channel_id: int
    ) -> Review | None:
        filters = await self._with_people(filters, guild_id)
        return await self.store.random_pick(filters, guild_id=guild_id, channel_id=channel_id)

    async def top(
        self, filters: ReviewFilters, *, guild_id: int | None, limit: int
    ) -> list[Review]:
        """The best-scored reviews ``guild_id`` sees that match ``filters``."""
        filters = await self._with_people(filters, guild_id)
        return await self.store.list_reviews(filters, guild_id=guild_id, limit=limit)

    async def person_choices(self, kind: str, typed: str, *, guild_id: int | None) -> list[str]:
        """Autocomplete for ``director`` or ``cast``: catalog names by surname or fuzzily."""
        return (await self._people_index(kind, guild_id)).complete(typed)

    async def _with_people(self, filters: ReviewFilters, guild_id: int | None) -> ReviewFilters:
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
            names = await self.store.term_names(kind, guild_id=guild_id)
            people = self._people[(kind, guild_id)] = PeopleIndex(names)
        return people

    async def related(
        self, review: Review, *, guild_id: int | None
    ) -> list[tuple[Review, list[tuple[str, str]]]]:
        return await self.store.related(review, guild_id=guild_id)

    async def stats(self, *, guild_id: int | None) -> CatalogStats:
        return await self.store.stats(guild_id=guild_id)

    async def server_scopes(self) -> dict[int, int]:
        """Servers with reviews of their own, and how many each has."""
        return await self.store.server_scopes()

    async def verdict_labels(self, *, guild_id: int | None) -> list[str]:
        return await self.store.verdict_labels(guild_id=guild_id)

    async def term_labels(self, kind: str, prefix: str, *, guild_id: int | None) -> list[str]:
        return await self.store.term_labels(kind, prefix, guild_id=guild_id)

    async def find_by_title(
        self, title: str, year: int | None, *, scope: int | None
    ) -> list[Review]:
        """Live reviews in exactly ``scope`` with this title (and year, if given)."""
        return await self.store.find_by_title(title, year, scope=scope)

    async def find_identity(self, review: Review) -> Review | None:
        """The live review an import of ``review`` would update (same scope and identity)."""
        return await self.store.find_identity(review)

    async def scope_reviews(self, scope: int | None) -> list[Review]:
        """Every live review stored in exactly ``scope`` (for export)."""
        return await self.store.scope_reviews(scope)

    async def history(self, review_id: int) -> list[AuditEntry]:
        return await self.store.history(review_id)

    async def get(self, review_id: int, guild_id: int | None) -> Review | None:
        return await self.store.get_visible(review_id, guild_id)

    # -- publishing ----------------------------------------------------------

    def on_published(self, listener: PublishListener) -> None:
        """Call ``listener`` whenever reviews are newly published (not on edits)."""
        self._publish_listeners.append(listener)

    async def published(self, event: Published) -> None:
        """Tell every listener; a failing listener is logged and never undoes the change."""
        if not event.reviews:
            return
        for listener in list(self._publish_listeners):
            try:
                await listener(event)
            except Exception:
                log.exception(
                    "publish listener %r failed for %d review(s)", listener, len(event.reviews)
                )

    async def export(
        self, scope: int | None, fmt: str, out: TextIO, *, max_bytes: int | None = None
    ) -> Exported:
        """Write ``scope``'s reviews to ``out`` a page at a time, stopping past ``max_bytes``.

        Pages are read from the store and serialised in a thread, so a 58,788-film
        export neither sits in memory nor holds up the event loop.
        """
        exporter = EXPORTERS[fmt](out)
        count = 0
        async for page in self.store.scope_review_pages(scope):
            await asyncio.to_thread(exporter.write, page)
            count += len(page)
            if max_bytes is not None and out.tell() > max_bytes:
                return Exported(count, complete=False)
        await asyncio.to_thread(exporter.close)
        return Exported(count, complete=True)

    # -- changing ------------------------------------------------------------

    async def add(self, review: Review, *, actor_id: int | None) -> Review:
        stored = await self.store.add(review, actor_id=actor_id)
        self._index(stored)
        await self.store.clear_miss(review.scope, review.title)
        await self.published(Published((stored,), "add"))
        return stored

    async def update(
        self, review_id: int, changes: Mapping[str, Any], *, actor_id: int | None, scope: int | None
    ) -> Review:
        stored = await self.store.update(review_id, changes, actor_id=actor_id, scope=scope)
        self._index(stored)
        return stored

    async def add_alias(
        self, review_id: int, alias: str, *, actor_id: int | None, scope: int | None
    ) -> Review:
        stored = await self.store.add_alias(review_id, alias, actor_id=actor_id, scope=scope)
        self._index(stored)
        return stored

    async def delete(self, review_id: int, *, actor_id: int | None, scope: int | None) -> Review:
        deleted = await self.store.delete(review_id, actor_id=actor_id, scope=scope)
        self.index.remove(review_id)
        self._people.clear()
        return deleted

    async def restore(self, review_id: int, *, actor_id: int | None, scope: int | None) -> Review:
        restored = await self.store.restore(review_id, actor_id=actor_id, scope=scope)
        self._index(restored)
        return restored

    async def import_reviews(
        self, reviews: Iterable[Review], **options: Unpack[ImportOptions]
    ) -> ImportReport:
        report = await self.store.import_reviews(reviews, **options)
        await self.catch_up()  # the imported rows are in the feed like anyone's
        if report.added_ids:
            added = await self._read_sliced(sorted(report.added_ids))
            await self.published(Published(tuple(added), "import"))
        return report

    # -- guild state ---------------------------------------------------------

    async def record_miss(self, guild_id: int | None, query: str) -> None:
        await self.store.record_miss(guild_id, query)

    async def top_misses(self, guild_id: int | None) -> list[tuple[str, int]]:
        return await self.store.top_misses(guild_id)

    async def mod_role(self, guild_id: int) -> int | None:
        return await self.store.mod_role(guild_id)

    async def set_mod_role(self, guild_id: int, role_id: int | None) -> None:
        await self.store.set_mod_role(guild_id, role_id)

    async def announcements(self, guild_id: int | None = None) -> list[Announcements]:
        """Where guilds want new reviews posted (every guild's, or ``guild_id``'s)."""
        return await self.store.announcements(guild_id)

    async def set_announce_channel(self, guild_id: int, channel_id: int | None) -> None:
        await self.store.set_announce_channel(guild_id, channel_id)

    async def pause_announcements(self, guild_id: int, problem: str) -> None:
        await self.store.pause_announcements(guild_id, problem)

    async def mark_announce_problem_told(self, guild_id: int) -> None:
        await self.store.mark_announce_problem_told(guild_id)

    async def synced_tree(self, key: str) -> str | None:
        """The hash of the command tree last synced under ``key`` (see bot/sync.py)."""
        return await self.store.synced_tree(key)

    async def set_synced_tree(self, key: str, tree_hash: str) -> None:
        await self.store.set_synced_tree(key, tree_hash)

    # -- samples ---------------------------------------------------------------

    async def load_starter_if_empty(self, starter: Path = STARTER_CATALOG) -> ImportReport | None:
        """On a database that has never held a review, load the sample reviews.

        Only the bot and the console call this, when they start: the catalog
        tools never put samples into the user's catalog. Samples are marked, so
        ``reviewbot samples remove`` can take them out again.
        """
        if not await self.store.is_empty():
            return None
        samples = [replace(review, sample=True) for review in read_review_file(starter)]
        report = await self.import_reviews(samples, actor_id=None)
        log.info(
            "%s was empty: loaded the starter catalog, %d sample review(s); "
            "`reviewbot samples remove` takes them out",
            self.store.location,
            report.added,
        )
        return report

    async def remove_samples(self, *, actor_id: int | None) -> int:
        """Soft-delete every sample review (each one audited); returns how many."""
        removed = await self.store.remove_samples(actor_id=actor_id)
        for review_id in removed:
            self.index.remove(review_id)
        return len(removed)

    # -- following other writers ---------------------------------------------------

    async def follow_changes(self) -> None:
        """Apply every change any process commits, as it comes; runs until cancelled.

        A batch that fails to apply (the database briefly unreachable, say) is not
        lost: the next one is applied as incomplete, rebuilding the whole index.
        """
        failed = False
        while True:
            try:
                async for batch in self.feed.batches():
                    async with self._feed_lock:
                        added = await self.apply_changes(
                            replace(batch, complete=False) if failed else batch
                        )
                    failed = False
                    if len(batch.changes) >= LARGE_BATCH:
                        freeze_long_lived()  # the index just grew by many lasting objects
                    if added:
                        # Added by another process (a CLI import, another bot): announced
                        # here as this process announces its own.
                        reviews = await self._read_sliced(added)
                        await self.published(Published(tuple(reviews), "external"))
            except DATABASE_ERRORS:
                # A bad moment (disk, a locked schema, a dropped connection) must not end
                # the following for good.
                log.exception("reading the change feed failed; retrying in a second")
                failed = True
                await asyncio.sleep(FEED_RETRY_SECONDS)

    async def catch_up(self) -> None:
        """Apply whatever the feed holds now (after a write this process made in bulk)."""
        async with self._feed_lock:
            while True:
                batch = await self.feed.catch_up()
                if batch.complete and not batch.changes:
                    return
                await self.apply_changes(batch)

    async def apply_changes(self, batch: ChangeBatch) -> list[int]:
        """Bring the index in step with ``batch``, touching only the reviews it names.

        Returns the ids of reviews another process added, to be announced. A batch
        that lost changes (the follower fell behind pruning) rebuilds
        the index from the store instead.
        """
        self._people.clear()  # directors or cast may have changed
        if not batch.complete:
            log.warning("the change feed skipped ahead; rebuilding the title index")
            index = ScopedTitleIndex()
            index.add_many(_index_rows(await self.store.title_entries()))
            self.index = index
            await self.store.reload_caches()
            return []
        changed = sorted({change.review_id for change in batch.changes})
        indexed: set[int] = set()
        # In slices, yielding between them: a 58,788-film import arrives as thousands of
        # changes, and the bot must keep answering while it indexes them.
        for start in range(0, len(changed), INDEX_SLICE):
            ids = changed[start : start + INDEX_SLICE]
            live = await self.store.title_entries(ids)
            for review_id in ids:
                self.index.remove(review_id)
            self.index.add_many(_index_rows(live))
            indexed.update(entry.review_id for entry in live)
            await asyncio.sleep(0)
        await self.store.reload_caches()
        return [
            change.review_id
            for change in batch.changes
            if change.external and change.kind == "insert" and change.review_id in indexed
        ]

    async def _read_sliced(self, ids: Sequence[int]) -> list[Review]:
        """Reviews by id, :data:`INDEX_SLICE` at a time with a turn of the event loop
        between: decoding the 5,000 reviews of one feed batch at once was one of the
        longest stalls of the loop while a 58,788-film import ran beside the bot."""
        reviews: list[Review] = []
        for start in range(0, len(ids), INDEX_SLICE):
            reviews.extend(await self.store.get_many(ids[start : start + INDEX_SLICE]))
            await asyncio.sleep(0)
        return reviews

    def _index(self, review: Review) -> None:
        assert review.id is not None
        self._people.clear()  # its directors or cast may have changed
        self.index.remove(review.id)
        self.index.add(review.id, review.title, review.year, review.aliases, scope=review.scope)


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
