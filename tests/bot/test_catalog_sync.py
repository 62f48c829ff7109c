"""The supervised follower: any failure is logged, followed by a restart and a rebuild.

Another store on the same SQLite file stands for another process (the CLI beside the
bot); tests/bot/test_changes.py does the same on PostgreSQL and
tests/e2e/test_shards.py with real processes.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from pathlib import Path

import asyncpg
import pytest

from bot.catalog import Catalog
from bot.catalog_sync import Backoff, Published
from bot.models import TitleEntry
from bot.store import Store
from tests.conftest import make_review

SETTLE_SECONDS = 10.0  # a bound on waiting, not a speed claim
QUICK = Backoff(first=0.01, longest=0.04)
# What asyncpg raised inside the follower after PostgreSQL terminated its connections.
STATE_12 = asyncpg.exceptions.InternalClientError(
    "cannot switch to state 12; another operation (2) is in progress"
)
ERROR_ID = re.compile(r"error id ([0-9a-f]{8})")


async def eventually(check: Callable[[], Awaitable[bool]]) -> None:
    async def poll() -> None:
        while not await check():  # noqa: ASYNC110 - another store's effect: no event to await
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), SETTLE_SECONDS)


@pytest.fixture
async def catalog(tmp_path: Path) -> AsyncIterator[Catalog]:
    opened = await Catalog.open(tmp_path / "reviews.db")
    opened.sync.backoff = QUICK
    yield opened
    await opened.sync.stop_following()
    await opened.close()


@pytest.fixture
async def other_process(tmp_path: Path) -> AsyncIterator[Store]:
    async with await Store.open(tmp_path / "reviews.db") as store:
        yield store


def failing_reads(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch, error: Exception, times: int
) -> list[Collection[int] | None]:
    """The next ``times`` reads of title entries raise ``error``; returns the failed calls."""
    original = catalog._store.reviews.title_entries
    failed: list[Collection[int] | None] = []

    async def title_entries(ids: Collection[int] | None = None) -> list[TitleEntry]:
        if len(failed) < times:
            failed.append(ids)
            raise error
        return await original(ids)

    monkeypatch.setattr(catalog._store.reviews, "title_entries", title_entries)
    return failed


async def found(catalog: Catalog, title: str) -> bool:
    return (await catalog.finder.lookup(title, None)).found


async def test_the_follower_survives_asyncpgs_state_error_and_the_next_change_is_indexed(
    catalog: Catalog,
    other_process: Store,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    heard: list[Published] = []

    async def listen(event: Published) -> None:
        heard.append(event)

    recovered: list[list[Published]] = []  # what had been published at each recovery

    async def recover() -> None:
        recovered.append(list(heard))

    catalog.sync.on_published(listen)
    catalog.sync.on_recovered(recover)
    failed = failing_reads(catalog, monkeypatch, STATE_12, times=1)
    catalog.sync.start_following()
    with caplog.at_level(logging.INFO, logger="bot.catalog_sync"):
        await other_process.writes.add(make_review("Heat", 1995), actor_id=None)
        await eventually(lambda: found(catalog, "heat"))  # made up by the rebuild
        await other_process.writes.add(make_review("Alien", 1979), actor_id=None)
        await eventually(lambda: found(catalog, "alien"))  # and followed again

    assert len(failed) == 1
    state = catalog.sync.state
    assert state.following and state.restarts == 1
    [failure] = [record for record in caplog.records if record.levelno == logging.ERROR]
    logged_id = ERROR_ID.search(failure.getMessage())
    assert logged_id is not None and logged_id.group(1) == state.last_error_id
    assert failure.exc_info is not None and failure.exc_info[1] is STATE_12
    assert state.last_position is not None and state.lag_seconds == 0.0
    # Heat's batch was lost to the failure, yet it is published once, as Alien is.
    assert [[review.title for review in event.reviews] for event in heard] == [["Heat"], ["Alien"]]
    # Told once that the follower runs again, after what the rebuild found was published.
    assert recovered == [heard[:1]]


async def test_repeated_failures_back_off_up_to_the_longest_pause(
    catalog: Catalog,
    other_process: Store,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    failed = failing_reads(catalog, monkeypatch, RuntimeError("a bug in applying"), times=5)
    catalog.sync.start_following()
    with caplog.at_level(logging.ERROR, logger="bot.catalog_sync"):
        await other_process.writes.add(make_review("Heat", 1995), actor_id=None)
        await eventually(lambda: found(catalog, "heat"))

    assert len(failed) == 5  # the batch, then four rebuilds that failed too
    pauses = [re.search(r"restarting in (\S+) s", r.getMessage()) for r in caplog.records]
    assert [float(p.group(1)) for p in pauses if p] == [0.01, 0.02, 0.04, 0.04, 0.04]
    assert catalog.sync.state.restarts == 5 and catalog.sync.state.following


async def test_stopping_a_follower_that_failed_raises_nothing(
    catalog: Catalog, other_process: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    failed = failing_reads(catalog, monkeypatch, STATE_12, times=10**6)  # never recovers
    catalog.sync.start_following()
    await other_process.writes.add(make_review("Heat", 1995), actor_id=None)
    await eventually(lambda: asyncio.sleep(0, len(failed) > 2))

    await catalog.sync.stop_following()

    assert not catalog.sync.state.following
    assert catalog.sync.state.lag_seconds > 0  # it never caught up


async def test_a_review_is_published_once_however_often_it_is_reported(catalog: Catalog) -> None:
    heard: list[Published] = []

    async def listen(event: Published) -> None:
        heard.append(event)

    catalog.sync.on_published(listen)
    stored = await catalog.curation.add(make_review("Heat", 1995), actor_id=None)
    # A rebuild that found it before this process's own add reported it, say.
    await catalog.sync.published(Published((stored,), "external"))

    assert [(event.source, [r.title for r in event.reviews]) for event in heard] == [
        ("add", ["Heat"])
    ]


async def test_listeners_are_told_which_servers_this_process_serves(catalog: Catalog) -> None:
    assert catalog.sync.serves(111)  # a catalog with no bot speaks for every server
    catalog.sync.serve_only(lambda guild_id: guild_id == 222)
    assert not catalog.sync.serves(111) and catalog.sync.serves(222)
