"""What the catalog's owners record: lookups by tier, the index's size, the store's
queries, imports, the follower's restarts and lag, and who hears of a change."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Collection
from pathlib import Path

import pytest

from bot.catalog import Catalog
from bot.finder import choice_value
from bot.metrics import Metrics
from bot.models import TitleEntry
from bot.store import Store
from tests.bot.test_changes import eventually
from tests.bot.test_metrics import value
from tests.conftest import make_review

MOD = 42


@pytest.fixture
async def measured(tmp_path: Path) -> AsyncIterator[tuple[Catalog, Metrics]]:
    metrics = Metrics(["review"])
    catalog = await Catalog.open(tmp_path / "reviews.db", metrics=metrics)
    for review in (make_review("Heat", 1995), make_review("The Dark Knight", 2008)):
        await catalog.curation.add(review, actor_id=MOD)
    yield catalog, metrics
    await catalog.close()


async def test_each_lookup_is_counted_once_by_how_it_resolved(
    measured: tuple[Catalog, Metrics],
) -> None:
    catalog, metrics = measured
    heat = await catalog.finder.resolve("heat", None)
    assert heat.best is not None
    await catalog.finder.resolve("the dark knigt", None)
    await catalog.finder.resolve("qwzx plorf", None)
    await catalog.finder.resolve(choice_value(heat.best.id), None)  # an autocomplete pick
    await catalog.finder.lookup("heat", None)  # the CLI's search: not a member's lookup
    tiers = {
        tier: value(metrics, "reviewbot_lookups_total", tier=tier)
        for tier in ("exact", "closest", "no_card")
    }
    assert tiers == {"exact": 2, "closest": 1, "no_card": 1}


async def test_the_index_size_and_the_store_queries_are_read_from_the_catalog(
    measured: tuple[Catalog, Metrics],
) -> None:
    catalog, metrics = measured
    assert value(metrics, "reviewbot_index_titles") == 2
    reads = value(metrics, "reviewbot_store_query_seconds_count", work="read")
    writes = value(metrics, "reviewbot_store_query_seconds_count", work="write")
    await catalog.curation.add(make_review("Alien", 1979), actor_id=MOD)
    assert value(metrics, "reviewbot_index_titles") == 3
    assert value(metrics, "reviewbot_store_query_seconds_count", work="write") > writes
    await catalog.ping()
    assert value(metrics, "reviewbot_store_query_seconds_count", work="read") > reads
    assert value(metrics, "reviewbot_db_pool_size") == 0  # SQLite has no pool


async def test_imports_count_their_rows_and_time_but_a_dry_run_is_not_one(
    measured: tuple[Catalog, Metrics],
) -> None:
    catalog, metrics = measured
    films = [make_review("Heat", 1995), make_review("Alien", 1979), make_review("Us", 2019)]
    await catalog.curation.import_reviews(films, actor_id=MOD)
    await catalog.curation.import_reviews(films, actor_id=MOD, dry_run=True)
    rows = {
        result: value(metrics, "reviewbot_import_rows_total", result=result)
        for result in ("added", "updated", "unchanged")
    }
    assert rows == {"added": 2, "updated": 0, "unchanged": 1}
    assert value(metrics, "reviewbot_import_duration_seconds_count") == 1


async def test_change_listeners_hear_this_processs_writes_and_the_feeds(tmp_path: Path) -> None:
    database = tmp_path / "reviews.db"
    catalog = await Catalog.open(database)
    heard: list[str] = []
    catalog.sync.on_changed(lambda: heard.append("changed"))
    try:
        stored = await catalog.curation.add(make_review("Heat", 1995), actor_id=MOD)
        assert len(heard) == 1
        await catalog.curation.delete(stored.id, actor_id=MOD, scope=None)
        assert len(heard) == 2
        await catalog.sync.catch_up()  # this process's own two changes, from the feed
        told = len(heard)
        async with await Store.open(database) as other:  # another process
            await other.writes.add(make_review("Alien", 1979), actor_id=MOD)
        await catalog.sync.catch_up()
        assert len(heard) == told + 1
        await catalog.sync.catch_up()  # nothing new: nobody is told
        assert len(heard) == told + 1
    finally:
        await catalog.close()


async def test_a_failed_follower_counts_a_restart_and_lags_until_a_batch_applies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "reviews.db"
    metrics = Metrics()
    catalog = await Catalog.open(database, metrics=metrics)
    original = catalog._store.reviews.title_entries
    failures: list[object] = []

    async def briefly_unreachable(ids: Collection[int] | None = None) -> list[TitleEntry]:
        if ids is not None and not failures:
            failures.append(ids)
            raise ConnectionError("the database is briefly unreachable")
        return await original(ids)

    monkeypatch.setattr(catalog._store.reviews, "title_entries", briefly_unreachable)
    assert catalog.sync.state.lag_seconds == 0.0
    following = asyncio.create_task(catalog.sync.follow_changes())
    try:
        async with await Store.open(database) as other:
            await other.writes.add(make_review("Heat", 1995), actor_id=MOD)
            await eventually(lambda: _true(bool(failures)))
            assert value(metrics, "reviewbot_change_feed_restarts_total") == 1
            first = catalog.sync.state.lag_seconds
            assert first > 0
            await asyncio.sleep(0.01)
            assert value(metrics, "reviewbot_change_feed_lag_seconds") > first  # still behind
            await other.writes.add(make_review("Alien", 1979), actor_id=MOD)
            await eventually(lambda: _true(catalog.sync.state.lag_seconds == 0.0))
        assert value(metrics, "reviewbot_change_feed_lag_seconds") == 0
        assert value(metrics, "reviewbot_change_feed_restarts_total") == 1
        assert (await catalog.finder.resolve("heat", None)).found  # made up by the rebuild
    finally:
        following.cancel()
        await asyncio.gather(following, return_exceptions=True)
        await catalog.close()


async def _true(value: bool) -> bool:
    return value
