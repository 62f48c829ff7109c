"""The catalog sync: how this process reacts to a change, whoever made it.

:class:`CatalogSync` is the one owner of "a review changed": it keeps the title
finder's index in step with what this process writes and with what the change feed
(:mod:`bot.changes`) reports from other processes, it tells the publish
listeners (the announcements) when reviews became visible, and the change listeners
(the /stats chart cache) whenever anything changed. A running bot follows the feed
with :meth:`CatalogSync.follow_changes`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Collection, Iterable
from dataclasses import dataclass, replace
from typing import Literal

from bot.changes import ChangeBatch, ChangeFeed
from bot.finder import INDEX_SLICE, TitleFinder
from bot.heap import LARGE_BATCH, freeze_long_lived
from bot.metrics import NO_METRICS, Metrics
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
ChangeListener = Callable[[], None]
FEED_RETRY_SECONDS = 1.0


class CatalogSync:
    """What this process does when reviews change: re-index, and tell the listeners."""

    def __init__(
        self, store: Store, feed: ChangeFeed, finder: TitleFinder, metrics: Metrics = NO_METRICS
    ) -> None:
        self._store = store
        self.feed = feed
        self._finder = finder
        self._metrics = metrics
        self._publish_listeners: list[PublishListener] = []
        self._change_listeners: list[ChangeListener] = []
        # One reader of the feed at a time: the follower and an import's catch-up.
        self._feed_lock = asyncio.Lock()
        # Since when the index has trailed the catalog (monotonic); None: it has not.
        self._behind_since: float | None = None
        metrics.watch_feed_lag(self.lag)

    # -- this process's own writes -----------------------------------------------

    def stored(self, review: Review) -> None:
        """This process stored ``review`` (added, edited, restored): index it now,
        rather than when the feed reports it."""
        self._finder.index_review(review)
        self._changed()

    def removed(self, review_ids: Iterable[int]) -> None:
        """This process took ``review_ids`` out of the live catalog."""
        self._finder.unindex(review_ids)
        self._changed()

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

    # -- any change --------------------------------------------------------------

    def on_changed(self, listener: ChangeListener) -> None:
        """Call ``listener`` whenever the catalog changed, whoever changed it (this
        process at once, another through the change feed); it must not block."""
        self._change_listeners.append(listener)

    def _changed(self) -> None:
        for listener in self._change_listeners:
            listener()

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
                    if self._behind_since is None:
                        self._behind_since = time.monotonic()
                    async with self._feed_lock:
                        added = await self.apply_changes(
                            replace(batch, complete=False) if failed else batch
                        )
                    failed = False
                    self._behind_since = None
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
                self.follower_restarts()
                await asyncio.sleep(FEED_RETRY_SECONDS)

    def follower_restarts(self) -> None:
        """Following failed and starts again: one restart, and the index counts as
        behind from now until a batch applies (the next is applied as incomplete,
        rebuilding the index). Whatever restarts the follower calls this."""
        self._metrics.feed_restarted()
        if self._behind_since is None:
            self._behind_since = time.monotonic()

    def lag(self) -> float:
        """Seconds the title index has trailed the catalog: since the batch being
        applied arrived, or since following failed; 0 while the follower waits for
        changes. (SQLite's feed is polled, so a change may wait up to its poll interval
        before it arrives; PostgreSQL's is told of each commit.)"""
        if self._behind_since is None:
            return 0.0
        return time.monotonic() - self._behind_since

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
        if batch.changes or not batch.complete:
            self._changed()  # at once: the database already holds what the batch names
        if not batch.complete:
            log.warning("the change feed skipped ahead; rebuilding the title index")
            self._finder.rebuild(await self._store.title_entries())
            await self._store.reload_caches()
            return []
        changed = sorted({change.review_id for change in batch.changes})
        indexed: set[int] = set()
        # In slices, yielding between them: a 58,788-film import arrives as thousands of
        # changes, and the bot must keep answering while it indexes them.
        for start in range(0, len(changed), INDEX_SLICE):
            ids = changed[start : start + INDEX_SLICE]
            live = await self._store.title_entries(ids)
            self._finder.reindex(ids, live)
            indexed.update(entry.review_id for entry in live)
            await asyncio.sleep(0)
        await self._store.reload_caches()
        return [
            change.review_id
            for change in batch.changes
            if change.external and change.kind == "insert" and change.review_id in indexed
        ]
