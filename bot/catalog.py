"""The catalog: one database, opened once, and the owners that work on it.

:class:`Catalog` opens the store and composes the owners the cogs, the CLI and
the console hold, each with one job:

- ``finder`` (:class:`~bot.finder.TitleFinder`): the title index, lookups, autocomplete;
- ``sync`` (:class:`~bot.catalog_sync.CatalogSync`): keeps the index in step with every
  change, this process's and (through the change feed) other processes', and tells
  the publish listeners;
- ``curation``, ``settings``, ``insights``, ``discovery`` (:mod:`bot.services`): what
  cogs and the CLI change and read;
- ``requests`` (:class:`~bot.services.requests.RequestBook`): members' review
  requests, the moderators' /wanted queue, and the answers a published review brings.

The store itself stays inside: nothing outside these owners touches it. Each owner
records what it does to the process's :class:`~bot.metrics.Metrics` (a no-op unless
the bot serves metrics).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from bot.catalog_sync import CatalogSync
from bot.finder import TitleFinder
from bot.importers import read_review_file
from bot.metrics import NO_METRICS, Metrics
from bot.models import ImportReport
from bot.services.curation import Curation
from bot.services.discovery import Discovery
from bot.services.insights import Insights
from bot.services.requests import RequestBook
from bot.services.settings import GuildSettings
from bot.store import DEFAULT_POOL_SIZE, Store

log = logging.getLogger(__name__)

STARTER_CATALOG = Path(__file__).resolve().parent / "data" / "catalog.json"  # package data


class Catalog:
    """One open database and the owners that work on it."""

    def __init__(
        self,
        store: Store,
        finder: TitleFinder,
        sync: CatalogSync,
        metrics: Metrics = NO_METRICS,
    ) -> None:
        self._store = store
        self.finder = finder
        self.sync = sync
        self.curation = Curation(store, sync, metrics)
        self.settings = GuildSettings(store.guilds, store.requests)
        self.insights = Insights(store, finder)
        self.discovery = Discovery(store, finder)
        self.requests = RequestBook(store, finder)

    @classmethod
    async def open(
        cls,
        target: Path | str,
        *,
        pool_size: int = DEFAULT_POOL_SIZE,
        metrics: Metrics = NO_METRICS,
    ) -> Catalog:
        """Open (or create, empty) the database, a file or a PostgreSQL URL, and build
        the index."""
        store = await Store.open(target, pool_size=pool_size)
        try:
            return await cls.from_store(store, metrics=metrics)
        except BaseException:
            await store.close()
            raise

    @classmethod
    async def from_store(cls, store: Store, *, metrics: Metrics = NO_METRICS) -> Catalog:
        if metrics.enabled:  # else every query would call a method that does nothing
            store.observe(metrics)
        if store.pool_size is not None:
            metrics.watch_pool(store.pool_in_use, store.pool_size)
        # The feed starts before the index is read: a change committed in between is
        # applied twice, which is harmless, rather than not at all.
        feed = await store.change_feed()
        finder = await TitleFinder.load(store, metrics)
        return cls(store, finder, CatalogSync(store, feed, finder, metrics), metrics)

    async def close(self) -> None:
        await self._store.close()

    async def ping(self) -> None:
        """One small read; raises what the database raises when it cannot answer."""
        await self._store.schema_version()

    async def load_starter_if_empty(self, starter: Path = STARTER_CATALOG) -> ImportReport | None:
        """On a database that has never held a review, load the sample reviews.

        Only the bot and the console call this, when they start: the catalog
        tools never put samples into the user's catalog. Samples are marked, so
        ``reviewbot samples remove`` can take them out again.
        """
        if not await self._store.reviews.is_empty():
            return None
        samples = [replace(review, sample=True) for review in read_review_file(starter)]
        report = await self.curation.import_reviews(samples, actor_id=None)
        log.info(
            "%s was empty: loaded the starter catalog, %d sample review(s); "
            "`reviewbot samples remove` takes them out",
            self._store.location,
            report.added,
        )
        return report
