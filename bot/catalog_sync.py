"""The catalog sync: how this process reacts to a change, whoever made it.

:class:`CatalogSync` is the one owner of "a review changed": it keeps the title
finder's index in step with what this process writes and with what the change feed
(:mod:`bot.changes`) reports from other processes, and it tells the publish
listeners (the announcements) when reviews became visible. A running bot follows
the feed with :meth:`CatalogSync.follow_changes`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Iterable
from dataclasses import dataclass, replace
from typing import Literal

from bot.changes import ChangeBatch, ChangeFeed
from bot.finder import INDEX_SLICE, TitleFinder
from bot.heap import LARGE_BATCH, freeze_long_lived
from bot.models import Review
from bot.store import DATABASE_ERRORS, Store

log = logging.getLogger(__name__)

PublishSource = Literal["add", "import", "external"]


@dataclass(frozen=True, slots=True)
class Published:
    """Reviews that just became visible: one event per add, import or outside change."""

    reviews: tuple[Review, ...]
    source: PublishSource


PublishListener = Callable[[Published], Awaitable[None]]
FEED_RETRY_SECONDS = 1.0


class CatalogSync:
    """What this process does when reviews change: re-index, and tell the listeners."""

    def __init__(self, store: Store, feed: ChangeFeed, finder: TitleFinder) -> None:
        self._store = store
        self.feed = feed
        self._finder = finder
        self._publish_listeners: list[PublishListener] = []
        # One reader of the feed at a time: the follower and an import's catch-up.
        self._feed_lock = asyncio.Lock()

    # -- this process's own writes -----------------------------------------------

    def stored(self, review: Review) -> None:
        """This process stored ``review`` (added, edited, restored): index it now,
        rather than when the feed reports it."""
        self._finder.index_review(review)

    def removed(self, review_ids: Iterable[int]) -> None:
        """This process took ``review_ids`` out of the live catalog."""
        self._finder.unindex(review_ids)

    async def imported(self, added_ids: Collection[int]) -> None:
        """This process imported in bulk: index what the feed holds, then publish
        the reviews the import added."""
        await self.catch_up()  # the imported rows are in the feed like anyone's
        if added_ids:
            added = await self._finder.read_many(sorted(added_ids))
            await self.published(Published(tuple(added), "import"))

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
                        reviews = await self._finder.read_many(added)
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
        self._finder.forget_people()  # directors or cast may have changed
        if not batch.complete:
            log.warning("the change feed skipped ahead; rebuilding the title index")
            self._finder.rebuild(await self._store.reviews.title_entries())
            await self._store.reload_caches()
            return []
        changed = sorted({change.review_id for change in batch.changes})
        indexed: set[int] = set()
        # In slices, yielding between them: a 58,788-film import arrives as thousands of
        # changes, and the bot must keep answering while it indexes them.
        for start in range(0, len(changed), INDEX_SLICE):
            ids = changed[start : start + INDEX_SLICE]
            live = await self._store.reviews.title_entries(ids)
            self._finder.reindex(ids, live)
            indexed.update(entry.review_id for entry in live)
            await asyncio.sleep(0)
        await self._store.reload_caches()
        return [
            change.review_id
            for change in batch.changes
            if change.external and change.kind == "insert" and change.review_id in indexed
        ]
