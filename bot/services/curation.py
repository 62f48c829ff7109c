"""Curation: how reviews are added, changed, removed, imported, exported and backed up.

Every write goes to the store and is then handed to the catalog sync, which brings
the title index in step and tells the publish listeners. The two module functions
serve the CLI's one-off commands, which open a database without a title index.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO, Unpack

from bot.catalog_sync import CatalogSync, Published
from bot.faults import OperatorFault
from bot.formats.export import EXPORTERS
from bot.member_errors import UserError
from bot.metrics import NO_METRICS, ImportedAs, Metrics
from bot.models import AuditEntry, ImportReport, Review, ReviewDraft
from bot.store import TABLES, StaleReview, Store
from bot.store.importing import ImportOptions

log = logging.getLogger(__name__)


class EditConflict(UserError):
    """An edit over a review someone else changed since it began: nothing was written.

    The store's :class:`~bot.store.errors.StaleReview`, for the cogs, which ask the
    moderator what to do, with the review as the edit began from it (``started``) and
    as it is now (``current``) in view.
    """

    def __init__(self, started: Review, stale: StaleReview) -> None:
        super().__init__(str(stale))
        self.started = started
        self.current = stale.current


@dataclass(frozen=True, slots=True)
class Exported:
    """How an export went: ``complete`` is ``False`` when it stopped at ``max_bytes``."""

    count: int
    complete: bool


@dataclass(frozen=True, slots=True)
class CatalogCopy:
    """What copying a whole catalog did: the rows copied per table, and the first table
    whose copy differs from the original (``None`` when every one is equal)."""

    source: str  # where from and to: a file path, or a URL without its password
    target: str
    copied: dict[str, int]
    differs: str | None


class Curation:
    """What moderators and the catalog tools change, through one store."""

    def __init__(self, store: Store, sync: CatalogSync, metrics: Metrics = NO_METRICS) -> None:
        self._store = store  # the database itself: where it is, its backup
        self._reviews = store.reviews
        self._writes = store.writes
        self._guilds = store.guilds
        self._sync = sync
        self._metrics = metrics

    # -- one review ----------------------------------------------------------------

    async def add(self, review: ReviewDraft, *, actor_id: int | None) -> Review:
        stored = await self._writes.add(review, actor_id=actor_id)
        self._sync.stored(stored)
        try:
            await self._guilds.clear_miss(review.scope, review.title)
        except (UserError, OperatorFault) as error:
            # The review is stored: a busy catalog here must not report the add as
            # failed (a retry would then meet the duplicate); /wanted keeps one stale line.
            log.warning("miss for %r not cleared: %s", review.title, error)
        await self._sync.published(Published((stored,), "add"))
        return stored

    async def update(
        self,
        review_id: int,
        changes: Mapping[str, Any],
        *,
        actor_id: int | None,
        scope: int | None,
        started: Review | None = None,
    ) -> Review:
        """Change fields of a review.

        ``started`` is the review as the edit began from it (the form showed it). If a
        write since changed any field this edit changes, nothing is written and
        :class:`EditConflict` carries the review as it is now; changes to other fields
        meanwhile are kept, and this edit goes on over them.
        """
        if started is None:
            stored = await self._writes.update(review_id, changes, actor_id=actor_id, scope=scope)
        else:
            stored = await self._update_from(started, changes, actor_id=actor_id, scope=scope)
        self._sync.stored(stored)
        return stored

    async def _update_from(
        self,
        started: Review,
        changes: Mapping[str, Any],
        *,
        actor_id: int | None,
        scope: int | None,
    ) -> Review:
        version = started.version
        while True:
            try:
                return await self._writes.update(
                    started.id, changes, actor_id=actor_id, scope=scope, expected_version=version
                )
            except StaleReview as stale:
                if _changed_meanwhile(started, stale.current, changes):
                    raise EditConflict(started, stale) from stale
                version = stale.current.version  # checked again: another write may come first

    async def add_alias(
        self, review_id: int, alias: str, *, actor_id: int | None, scope: int | None
    ) -> Review:
        stored = await self._writes.add_alias(review_id, alias, actor_id=actor_id, scope=scope)
        self._sync.stored(stored)
        return stored

    async def delete(self, review_id: int, *, actor_id: int | None, scope: int | None) -> Review:
        deleted = await self._writes.delete(review_id, actor_id=actor_id, scope=scope)
        self._sync.removed([review_id])
        return deleted

    async def restore(self, review_id: int, *, actor_id: int | None, scope: int | None) -> Review:
        restored = await self._writes.restore(review_id, actor_id=actor_id, scope=scope)
        self._sync.stored(restored)
        return restored

    async def find_identity(self, review: ReviewDraft) -> Review | None:
        """The live review an import of ``review`` would update (same scope and identity)."""
        return await self._reviews.find_identity(review)

    async def review(self, review_id: int) -> Review | None:
        """The live review ``review_id``, whichever scope it is in (for the operator)."""
        return await self._reviews.get(review_id)

    async def history(self, review_id: int) -> list[AuditEntry]:
        return await self._reviews.history(review_id)

    # -- many reviews --------------------------------------------------------------

    async def import_reviews(
        self, reviews: Iterable[ReviewDraft], **options: Unpack[ImportOptions]
    ) -> ImportReport:
        started = time.perf_counter()
        report = await self._writes.import_reviews(reviews, **options)
        if not report.dry_run:
            rows: dict[ImportedAs, int] = {
                "added": report.added,
                "updated": report.updated,
                "unchanged": report.unchanged,
            }
            self._metrics.imported(rows, time.perf_counter() - started)
        await self._sync.imported(report.added_ids)
        return report

    async def export(
        self, scope: int | None, fmt: str, out: TextIO, *, max_bytes: int | None = None
    ) -> Exported:
        """Write ``scope``'s reviews to ``out`` a page at a time, stopping past ``max_bytes``.

        Pages are read from the store and serialised in a thread, so a 58,788-film
        export neither sits in memory nor holds up the event loop.
        """
        exporter = EXPORTERS[fmt](out)
        count = 0
        async for page in self._reviews.scope_review_pages(scope):
            await asyncio.to_thread(exporter.write, page)
            count += len(page)
            if max_bytes is not None and out.tell() > max_bytes:
                return Exported(count, complete=False)
        await asyncio.to_thread(exporter.close)
        return Exported(count, complete=True)

    async def remove_samples(self, *, actor_id: int | None) -> int:
        """Soft-delete every sample review (each one audited); returns how many."""
        removed = await self._writes.remove_samples(actor_id=actor_id)
        self._sync.removed(removed)
        return len(removed)

    # -- the database file ---------------------------------------------------------

    @property
    def location(self) -> str:
        """Where the catalog is kept: the file path, or the URL without its password."""
        return self._store.location

    @property
    def database_file(self) -> Path | None:
        """The SQLite file the catalog is kept in; ``None`` on PostgreSQL."""
        return self._store.path

    async def backup(self, destination: Path) -> None:
        """A consistent copy of the SQLite file, safe while writes go on."""
        await self._store.backup(destination)


def _changed_meanwhile(started: Review, current: Review, changes: Mapping[str, Any]) -> bool:
    before, now = started.content(), current.content()
    return any(before[name] != now[name] for name in changes)


async def import_into(
    target: Path | str,
    reviews: Iterable[ReviewDraft],
    *,
    pool_size: int,
    **options: Unpack[ImportOptions],
) -> ImportReport:
    """Import straight into the database at ``target``: a one-off process needs no
    title index (a running bot hears of the import through its change feed)."""
    store = await Store.open(target, pool_size=pool_size)
    try:
        return await store.writes.import_reviews(reviews, **options)
    finally:
        await store.close()


async def copy_catalog(source: Path | str, target: Path | str, *, pool_size: int) -> CatalogCopy:
    """Copy everything at ``source`` into the empty ``target``, then compare every
    table, row for row."""
    async with (
        await Store.open(source, pool_size=pool_size) as original,
        await Store.open(target, pool_size=pool_size) as copy,
    ):
        copied = await original.copy_to(copy)
        differs = None
        for table in TABLES:
            if await original.table_rows(table) != await copy.table_rows(table):
                differs = table
                break
        return CatalogCopy(original.location, copy.location, copied, differs)
