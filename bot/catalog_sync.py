"""The catalog sync: how this process reacts to a change, whoever made it.

:class:`CatalogSync` is the one owner of "a review changed": it keeps the title
finder's index in step with what this process writes and with what the change feed
(:mod:`bot.changes`) reports from other processes, it tells the publish
listeners (the announcements, the request notifications) when
reviews became visible, and the change listeners (the /stats chart cache) whenever
anything changed.

Several processes may serve one catalog, each some of the servers (shards). Every
process hears every publication: its own writes at once, the others' through the
feed, and never its own twice (the feed marks them as not ``external``). So a
listener acts only for the servers :meth:`CatalogSync.serves` says this process
serves: each server then hears of a review exactly once, from the one process that
serves it, whichever process or command line wrote it.

A running bot follows the feed with :meth:`CatalogSync.start_following`: a
supervised task that survives any failure (logged with an error id, retried after
a growing pause, the index rebuilt since changes may have been missed, then the
recovery listeners told so they can catch up) and whose
:class:`FollowerState` a health check and the metrics read.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Literal

from bot.changes import ChangeBatch, ChangeFeed
from bot.faults import CatalogUnavailable, new_error_id
from bot.finder import INDEX_SLICE, TitleFinder
from bot.heap import LARGE_BATCH, freeze_long_lived
from bot.metrics import NO_METRICS, Metrics
from bot.models import Review, TitleEntry
from bot.store import Store

log = logging.getLogger(__name__)

PublishSource = Literal["add", "import", "external"]
GuildFilter = Callable[[int], bool]
# Ids of the reviews already published by this process, kept to publish none twice
# (its own add racing a rebuild that finds the same new review); bounded, oldest dropped.
REMEMBERED_PUBLICATIONS = 100_000


@dataclass(frozen=True, slots=True)
class Published:
    """Reviews that just became visible: one event per add, import or outside change."""

    reviews: tuple[Review, ...]
    source: PublishSource


PublishListener = Callable[[Published], Awaitable[None]]
ChangeListener = Callable[[], None]
RecoveryListener = Callable[[], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Backoff:
    """The pauses before the follower starts again: ``first``, doubling up to ``longest``."""

    first: float = 1.0
    longest: float = 30.0


@dataclass(frozen=True, slots=True)
class FollowerState:
    """The change-feed follower, as a health check reads it.

    ``lag_seconds`` is how long the index has possibly been behind the catalog: 0
    while the follower waits with nothing to apply; since a batch arrived while it
    applies one; since the failure while it recovers from one.
    """

    following: bool  # started and not stopped
    last_position: int | None  # the feed position of the last change applied
    last_applied_at: float | None  # when (time.time()) a batch or rebuild last succeeded
    lag_seconds: float
    restarts: int
    last_error_id: str | None


def _every_guild(guild_id: int) -> bool:
    return True


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
        self._recovery_listeners: list[RecoveryListener] = []
        self._serves: GuildFilter = _every_guild
        self._published_ids: OrderedDict[int, None] = OrderedDict()
        self._newest_id = finder.newest_id()  # a rebuild publishes live reviews newer than this
        # One reader of the feed at a time: the follower and an import's catch-up.
        self._feed_lock = asyncio.Lock()
        self.backoff = Backoff()
        self._follower: asyncio.Task[None] | None = None
        self._last_position: int | None = None
        self._last_applied_at: float | None = None
        self._behind_since: float | None = None
        self._restarts = 0
        self._last_error_id: str | None = None
        metrics.watch_feed_lag(lambda: self.state.lag_seconds)

    # -- this process's own writes -----------------------------------------------

    def stored(self, review: Review) -> None:
        """This process stored ``review`` (added, edited, restored): index it now,
        rather than when the feed reports it."""
        self._finder.index_review(review)
        self._changed()
        self._newest_id = max(self._newest_id, review.id)

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

    def serve_only(self, serves: GuildFilter) -> None:
        """Listeners act only for the servers ``serves`` accepts: the bot's own
        (its shards'), so that each server hears of a review from one process."""
        self._serves = serves

    def serves(self, guild_id: int) -> bool:
        """Whether this process speaks in ``guild_id``: every listener asks before it
        posts or notifies there."""
        return self._serves(guild_id)

    def on_published(self, listener: PublishListener) -> None:
        """Call ``listener`` whenever reviews are newly published (not on edits)."""
        self._publish_listeners.append(listener)

    async def published(self, event: Published) -> None:
        """Tell every listener, once per review; a failing listener is logged and never
        undoes the change."""
        fresh = tuple(review for review in event.reviews if self._first_publication(review.id))
        if not fresh:
            return
        for listener in list(self._publish_listeners):
            try:
                await listener(Published(fresh, event.source))
            except Exception:
                log.exception("publish listener %r failed for %d review(s)", listener, len(fresh))

    def _first_publication(self, review_id: int) -> bool:
        self._newest_id = max(self._newest_id, review_id)
        if review_id in self._published_ids:
            return False
        self._published_ids[review_id] = None
        if len(self._published_ids) > REMEMBERED_PUBLICATIONS:
            self._published_ids.popitem(last=False)
        return True

    def on_recovered(self, listener: RecoveryListener) -> None:
        """Call ``listener`` when the follower runs again after a failure: a listener's
        reaction to a publication may have failed with it (the catalog unreachable), so
        it catches up on what the catalog now holds."""
        self._recovery_listeners.append(listener)

    # -- any change --------------------------------------------------------------

    def on_changed(self, listener: ChangeListener) -> None:
        """Call ``listener`` whenever the catalog changed, whoever changed it (this
        process at once, another through the change feed); it must not block."""
        self._change_listeners.append(listener)

    def _changed(self) -> None:
        for listener in self._change_listeners:
            listener()

    # -- following other writers ---------------------------------------------------

    def start_following(self) -> None:
        """Follow the change feed in the background until :meth:`stop_following`."""
        if self._follower is None:
            self._follower = asyncio.create_task(self.follow_changes(), name="change-feed")

    async def stop_following(self) -> None:
        """Stop the follower; whatever it was doing, this raises nothing."""
        follower, self._follower = self._follower, None
        if follower is None:
            return
        follower.cancel()
        [outcome] = await asyncio.gather(follower, return_exceptions=True)
        if isinstance(outcome, Exception):  # follow_changes catches everything; to be sure
            log.error("the change feed follower ended with an error", exc_info=outcome)

    @property
    def state(self) -> FollowerState:
        behind = self._behind_since
        return FollowerState(
            following=self._follower is not None and not self._follower.done(),
            last_position=self._last_position,
            last_applied_at=self._last_applied_at,
            lag_seconds=0.0 if behind is None else time.monotonic() - behind,
            restarts=self._restarts,
            last_error_id=self._last_error_id,
        )

    async def follow_changes(self) -> None:
        """Apply every change any process commits, as it comes; runs until cancelled.

        Nothing ends it but cancellation. Any failure (the database unreachable, a
        dropped connection, a bug in applying a change) is logged with an error id,
        and following starts again after a pause that grows while failures repeat:
        first with a rebuild of the index, since the failed batch is lost and the
        feed may have moved on meanwhile.
        """
        pause = self.backoff.first
        missed = False
        while True:
            try:
                if missed:
                    await self._rebuild_after_failure()
                    missed, pause = False, self.backoff.first
                await self._follow()
                return  # the feed ended: the catalog is closing
            except Exception as error:
                missed = True
                self._failed(error, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, self.backoff.longest)

    async def _follow(self) -> None:
        async for batch in self.feed.batches():
            self._behind_since = self._behind_since or time.monotonic()
            async with self._feed_lock:
                added = await self.apply_changes(batch)
            if len(batch.changes) >= LARGE_BATCH:
                freeze_long_lived()  # the index just grew by many lasting objects
            if added:
                # Added by another process (a CLI import, another bot): published here as
                # this process publishes its own, and listeners act for this process's
                # servers only.
                reviews = await self._finder.read_many(added)
                await self.published(Published(tuple(reviews), "external"))
            self._caught_up(batch)

    def _caught_up(self, batch: ChangeBatch | None = None) -> None:
        if batch is not None and batch.changes:
            self._last_position = batch.changes[-1].position
        self._last_applied_at = time.time()
        self._behind_since = None

    def _failed(self, error: Exception, pause: float) -> None:
        self._restarts += 1
        self._metrics.feed_restarted()
        self._behind_since = self._behind_since or time.monotonic()
        if isinstance(error, CatalogUnavailable):
            # The outage logged itself once; a line per retry would bury it.
            self._last_error_id = None
            log.info("change feed follower waits for the catalog; retrying in %g s", pause)
            return
        self._last_error_id = new_error_id()
        log.error(
            "change feed follower failed (error id %s); restarting in %g s with a rebuilt "
            "title index",
            self._last_error_id,
            pause,
            exc_info=error,
        )

    async def _rebuild_after_failure(self) -> None:
        async with self._feed_lock:
            await self.apply_changes(ChangeBatch((), complete=False))
        self._caught_up()
        log.info("change feed follower running again after %d restart(s)", self._restarts)
        for listener in list(self._recovery_listeners):
            try:
                await listener()
            except Exception:
                log.exception("recovery listener %r failed", listener)

    async def catch_up(self) -> None:
        """Apply whatever the feed holds now (after a write this process made in bulk),
        publishing what other processes added meanwhile as the follower would."""
        added: list[int] = []
        async with self._feed_lock:
            while True:
                batch = await self.feed.catch_up()
                if batch.complete and not batch.changes:
                    break
                added += await self.apply_changes(batch)
        if added:
            reviews = await self._finder.read_many(added)
            await self.published(Published(tuple(reviews), "external"))

    async def apply_changes(self, batch: ChangeBatch) -> list[int]:
        """Bring the index in step with ``batch``, touching only the reviews it names.

        Returns the ids of reviews another process added, to be published. A batch
        that lost changes (the follower fell behind pruning, lost its connection, or
        failed) rebuilds the index from the store instead, and publishes the live
        reviews newer than any this process knew of: they were added meanwhile.
        """
        self._finder.forget_people()  # directors or cast may have changed
        if batch.changes or not batch.complete:
            self._changed()  # at once: the database already holds what the batch names
        if not batch.complete:
            log.info("the change feed skipped ahead; rebuilding the title index")
            live = await self._store.reviews.title_entries()
            self._finder.rebuild(live)
            await self._store.reload_caches()
            await self._publish_newer(live)
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

    async def _publish_newer(self, live: Iterable[TitleEntry]) -> None:
        newer = sorted(entry.review_id for entry in live if entry.review_id > self._newest_id)
        if newer:
            reviews = await self._finder.read_many(newer)
            await self.published(Published(tuple(reviews), "external"))
