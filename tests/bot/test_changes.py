"""The PostgreSQL change feed: what one process writes reaches another's title index.

Two catalogs on one PostgreSQL database stand for two bot processes (each has
its own pool and its own LISTEN connection, exactly as two processes would);
tests/e2e/test_shards.py does it with two real processes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from concurrent.futures import ThreadPoolExecutor

import asyncpg
import pytest

from bot.catalog import Catalog
from bot.changes import ChangeBatch
from bot.models import TitleEntry
from bot.store import Store
from bot.store.postgres.feed import parse_payload
from tests.conftest import make_review, new_postgres_database
from tests.pgserver import PostgresServer

MOD = 42
GUILD = 111
SETTLE_SECONDS = 10.0  # a bound on waiting, not a speed claim (bench/bench_backends.py has those)


async def eventually(check: Callable[[], Awaitable[bool]]) -> None:
    async def poll() -> None:
        while not await check():  # noqa: ASYNC110 - another process's effect: no event to await
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), SETTLE_SECONDS)


@pytest.fixture
async def two_processes(
    postgres_server: PostgresServer,
) -> AsyncIterator[tuple[Catalog, Catalog]]:
    url = new_postgres_database(postgres_server)
    writer = await Catalog.open(url)
    reader = await Catalog.open(url)
    tasks = [asyncio.create_task(catalog.sync.follow_changes()) for catalog in (writer, reader)]
    yield writer, reader
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await writer.close()
    await reader.close()


async def found(catalog: Catalog, query: str, guild_id: int | None = None) -> bool:
    return (await catalog.finder.lookup(query, guild_id)).found


async def test_a_review_added_in_one_process_is_found_and_completed_in_the_other(
    two_processes: tuple[Catalog, Catalog],
) -> None:
    writer, reader = two_processes
    assert not await found(reader, "Paddington 2")
    stored = await writer.curation.add(make_review("Paddington 2", 2017, scope=GUILD), actor_id=MOD)
    await eventually(lambda: found(reader, "paddington 2", GUILD))
    labels = await reader.finder.choices("paddin", GUILD)
    assert ("Paddington 2 (2017)", f"id:{stored.id}") in labels
    assert not await found(reader, "paddington 2", 999)  # still scoped to its guild


async def test_edits_deletes_and_restores_follow_across_processes(
    two_processes: tuple[Catalog, Catalog],
) -> None:
    writer, reader = two_processes
    stored = await writer.curation.add(make_review("Heat", 1995), actor_id=MOD)
    assert stored.id is not None
    await eventually(lambda: found(reader, "heat"))
    await writer.curation.update(
        stored.id, {"title": "Collateral", "year": 2004}, actor_id=MOD, scope=None
    )
    await eventually(lambda: found(reader, "collateral"))
    assert not await found(reader, "heat")
    await writer.curation.delete(stored.id, actor_id=MOD, scope=None)
    await eventually(lambda: _not(found(reader, "collateral")))
    await writer.curation.restore(stored.id, actor_id=MOD, scope=None)
    await eventually(lambda: found(reader, "collateral"))


async def test_an_import_in_one_process_reaches_the_other_whole(
    two_processes: tuple[Catalog, Catalog],
) -> None:
    writer, reader = two_processes
    films = [make_review(f"Film Number {n}", 1950 + n) for n in range(300)]
    await writer.curation.import_reviews(films, actor_id=None)
    await eventually(lambda: _true(len(reader.finder.index) == 300))
    assert await found(reader, "film number 299")


async def test_a_process_skips_its_own_changes_in_the_feed(
    postgres_server: PostgresServer,
) -> None:
    url = new_postgres_database(postgres_server)
    writer = await Catalog.open(url)
    other = await Catalog.open(url)
    try:
        await writer.curation.add(make_review("Heat", 1995), actor_id=MOD)
        await other.curation.add(make_review("Alien", 1979), actor_id=MOD)
        batches: list[ChangeBatch] = []
        while not any(c.external for batch in batches for c in batch.changes):
            batches.append(
                await asyncio.wait_for(_next(writer.sync.feed.batches()), SETTLE_SECONDS)
            )
        changes = [change for batch in batches for change in batch.changes]
        kinds = {(change.kind, change.external) for change in changes}
        assert ("insert", False) in kinds  # Heat: its own
        assert ("insert", True) in kinds  # Alien: the other process's
    finally:
        await writer.close()
        await other.close()


async def test_a_dropped_listener_reconnects_and_rebuilds_with_what_it_missed(
    two_processes: tuple[Catalog, Catalog],
    postgres_server: PostgresServer,
) -> None:
    writer, reader = two_processes
    url = writer._store.location
    admin = await asyncpg.connect(url)
    try:
        # Cut every LISTENing session (the readers' feeds), then write while they are away.
        cut = await admin.fetchval(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()"
        )
        assert cut == 2
        await writer.curation.add(make_review("Arrival", 2016), actor_id=MOD)
    finally:
        await admin.close()
    await eventually(lambda: found(reader, "arrival"))


async def test_a_bot_starting_on_an_empty_postgresql_catalog_loads_the_samples(
    postgres_server: PostgresServer,
) -> None:
    catalog = await Catalog.open(new_postgres_database(postgres_server))
    try:
        report = await catalog.load_starter_if_empty()
        assert report is not None and report.added == len(catalog.finder.index) > 0
        assert await catalog.load_starter_if_empty() is None  # only into an empty one
    finally:
        await catalog.close()


async def test_a_catch_up_holds_every_change_committed_before_it_began(
    postgres_server: PostgresServer,
) -> None:
    """A notification reaches a listener some time after its commit: the catch-up after
    an import (which the index and the announcements rely on) must wait for it."""
    url = new_postgres_database(postgres_server)

    def add_in_another_store() -> int:
        async def add() -> int:
            async with await Store.open(url) as other:
                return (await other.writes.add(make_review("Heat", 1995), actor_id=MOD)).id

        return asyncio.run(add())

    async with await Store.open(url) as store:
        feed = await store.change_feed()
        # Committed while this event loop is blocked, so its notification is not read yet.
        with ThreadPoolExecutor(1) as elsewhere:
            review_id = elsewhere.submit(add_in_another_store).result()
        batch = await feed.catch_up()
    assert batch.complete
    assert {(c.review_id, c.external) for c in batch.changes} == {(review_id, True)}
    assert batch.changes[0].kind == "insert"


def test_payloads_that_are_not_ours_are_ignored() -> None:
    assert parse_payload("update 42 ab12") == ("update", 42, "ab12")
    assert parse_payload("delete 7 ") == ("delete", 7, "")
    for payload in ("", "update", "drop 1", "update x", "update ²", "insert -1"):
        assert parse_payload(payload) is None


async def _next(batches: AsyncIterator[ChangeBatch]) -> ChangeBatch:
    return await anext(batches)


async def _not(check: Awaitable[bool]) -> bool:
    return not await check


async def _true(value: bool) -> bool:
    return value


async def test_a_batch_that_fails_to_apply_is_made_up_by_a_rebuild(
    postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = new_postgres_database(postgres_server)
    writer = await Catalog.open(url)
    reader = await Catalog.open(url)
    original = reader._store.reviews.title_entries
    failures = []

    async def briefly_unreachable(ids: Collection[int] | None = None) -> list[TitleEntry]:
        if ids is not None and not failures:
            failures.append(ids)
            raise ConnectionError("the database is briefly unreachable")
        return await original(ids)

    monkeypatch.setattr(reader._store.reviews, "title_entries", briefly_unreachable)
    following = asyncio.create_task(reader.sync.follow_changes())
    try:
        await writer.curation.add(make_review("Heat", 1995), actor_id=MOD)
        await eventually(lambda: _true(bool(failures)))
        assert not await found(reader, "heat")  # its batch was lost...
        await writer.curation.add(make_review("Alien", 1979), actor_id=MOD)
        await eventually(lambda: found(reader, "alien"))
        assert await found(reader, "heat")  # ...and made up by the rebuild
        assert following.done() is False
    finally:
        following.cancel()
        await asyncio.gather(following, return_exceptions=True)
        await writer.close()
        await reader.close()
