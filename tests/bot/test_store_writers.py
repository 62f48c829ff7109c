"""Writers share the database: bounded waits, imports in short transactions, the change
feed, bounded guild state, and a cancelled BEGIN that must not wedge the writer."""

from __future__ import annotations

import asyncio
import gc
import random
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.catalog import Catalog
from bot.catalog_sync import Published
from bot.importers import ImportFailed
from bot.models import Review, ReviewDraft, ReviewFilters
from bot.store import CatalogBusy, ImportRunning, Store
from bot.store.guild import MAX_MISSES_PER_SCOPE
from bot.store.picks import MAX_PICKS_PER_CHANNEL
from bot.store.sqlite import imports as bulk
from bot.store.sqlite.feed import SqliteChangeFeed
from bot.store.sqlite.imports import import_lock
from bot.store.sqlite.intent import WriteIntent
from tests.conftest import make_review

GUILD = 111


def rows(database: Path, sql: str) -> list[Any]:
    with sqlite3.connect(database) as db:
        return db.execute(sql).fetchall()


# -- the writer ---------------------------------------------------------------------------


async def test_a_write_cancelled_while_awaiting_begin_leaves_the_writer_usable(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = store._db._writer
    execute = writer.execute
    at_begin = asyncio.Event()

    def spying(sql: str, *args: Any) -> Any:
        if sql == "BEGIN IMMEDIATE":
            at_begin.set()
        return execute(sql, *args)

    monkeypatch.setattr(writer, "execute", spying)
    write = asyncio.create_task(store.guilds.record_miss(GUILD, "Paddington 3"))
    await at_begin.wait()
    write.cancel()  # while the BEGIN is running in aiosqlite's thread
    with pytest.raises(asyncio.CancelledError):
        await write

    assert not writer.in_transaction
    await store.writes.add(make_review("Heat", 1995), actor_id=None)  # the next write works
    assert rows(store.path, "SELECT title FROM reviews") == [("Heat",)]


async def test_a_write_waits_for_a_short_lock_and_then_lands(store: Store) -> None:
    other = sqlite3.connect(store.path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    write = asyncio.create_task(store.guilds.record_miss(GUILD, "Alien"))
    await asyncio.sleep(0.3)
    other.execute("ROLLBACK")
    await write
    other.close()
    assert await store.guilds.top_misses(GUILD) == [("Alien", 1)]


async def test_a_write_behind_a_lock_that_is_never_released_gets_catalog_busy(
    store: Store,
) -> None:
    other = sqlite3.connect(store.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(CatalogBusy, match="busy"):
            await store.guilds.record_miss(GUILD, "Alien")
    finally:
        other.execute("ROLLBACK")
        other.close()
    await store.guilds.record_miss(GUILD, "Alien")  # and the writer is fine afterwards


# -- imports ---------------------------------------------------------------------------------


async def test_an_import_applies_in_several_short_transactions(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "FIRST_CHUNK_ROWS", 40)
    monkeypatch.setattr(bulk, "MAX_CHUNK_ROWS", 40)
    progress: list[tuple[int, int]] = []

    films = [make_review(f"Film {n}", 1990 + n % 30) for n in range(200)]
    report = await store.writes.import_reviews(
        films, actor_id=None, progress=lambda done, total: progress.append((done, total))
    )

    commits = [done for done, total in progress if done > len(films)]
    assert report.added == 200
    assert len(commits) == 5  # 200 rows, 40 per transaction
    assert progress[-1] == (400, 400)
    assert rows(store.path, "SELECT state FROM imports") == [("done",)]
    assert rows(store.path, "SELECT COUNT(*) FROM import_changes") == [(0,)]


async def test_an_import_failing_in_a_later_chunk_takes_back_the_earlier_ones(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    heat = await store.writes.add(make_review("Heat", 1995, score=9.0), actor_id=None)
    monkeypatch.setattr(bulk, "FIRST_CHUNK_ROWS", 10)
    monkeypatch.setattr(bulk, "MAX_CHUNK_ROWS", 10)
    apply_chunk = bulk.BulkImport._apply_chunk

    def failing(self: bulk.BulkImport, import_id: int, low: int, high: int) -> None:
        if low >= 30:
            raise sqlite3.OperationalError("disk I/O error")
        apply_chunk(self, import_id, low, high)

    monkeypatch.setattr(bulk.BulkImport, "_apply_chunk", failing)
    films = [make_review("Heat", 1995, score=2.0, genres=("Noir",))]
    films += [make_review(f"Film {n}", 2000) for n in range(50)]

    with pytest.raises(sqlite3.OperationalError):
        await store.writes.import_reviews(films, actor_id=None)

    assert await store.reviews.count(guild_id=None) == 1
    # Restored as it was, at a newer version: the import wrote it, its undo wrote it back
    # (an edit form opened in between must not pass for one opened before the import).
    assert await store.reviews.get(heat.id or 0) == replace(heat, version=heat.version + 2)
    assert sorted(rows(store.path, "SELECT kind, label FROM review_terms")) == sorted(
        [("director", d) for d in heat.directors]
        + [("cast", c) for c in heat.cast]
        + [("genre", g) for g in heat.genres]
    )
    assert [entry.action for entry in await store.reviews.history(heat.id or 0)] == ["add"]
    assert rows(store.path, "SELECT state FROM imports") == [("undone",)]


async def test_an_import_left_applying_by_a_dead_process_is_undone_at_the_next_open(
    tmp_path: Path,
) -> None:
    database = tmp_path / "reviews.db"
    async with await Store.open(database) as store:
        await store.writes.import_reviews([make_review("Heat", 1995)], actor_id=None)
    # What a killed import leaves: its journal entry and a row it added, uncommitted to 'done'.
    with sqlite3.connect(database) as db:
        db.execute(
            "INSERT INTO imports (id, state, started_at, rows) VALUES (7, 'applying', 'x', 1)"
        )
        db.execute(
            "INSERT INTO reviews (scope, title, title_key, identity, film_key, year, "
            "created_at, updated_at) VALUES (0, 'Ghost', 'ghost', 'film:ghost', 'ghost', 2001, "
            "'x', 'x')"
        )
        db.execute("INSERT INTO import_changes VALUES (7, last_insert_rowid(), NULL)")

    async with await Store.open(database) as store:
        assert [entry.title for entry in await store.reviews.title_entries()] == ["Heat"]
    assert rows(database, "SELECT id, state FROM imports ORDER BY id") == [
        (1, "done"),
        (7, "undone"),
    ]


async def test_a_second_import_into_the_same_file_is_refused_while_one_runs(
    store: Store,
) -> None:
    with import_lock(store.path), pytest.raises(ImportRunning, match="another import"):
        await store.writes.import_reviews([make_review()], actor_id=None)
    assert await store.reviews.is_empty()


async def test_a_file_holding_a_film_twice_imports_it_once_as_its_last_copy(
    store: Store,
) -> None:
    report = await store.writes.import_reviews(
        [make_review("Heat", 1995, score=5.0), make_review("heat", 1995, score=8.0)],
        actor_id=None,
    )
    assert (report.added, report.updated, report.unchanged) == (1, 1, 0)
    [heat] = await store.reviews.find_by_title("Heat", 1995, scope=None)
    assert heat.score == 8.0


# -- the change feed ---------------------------------------------------------------------------


async def test_a_change_from_another_store_reaches_the_catalog_index_incrementally(
    tmp_path: Path,
) -> None:
    database = tmp_path / "reviews.db"
    catalog = await Catalog.open(database)
    try:
        async with await Store.open(database) as other:  # another process, as far as SQLite knows
            await other.writes.import_reviews([make_review("Arrival", 2016)], actor_id=None)
            added = await catalog.sync.apply_changes(await catalog.sync.feed.catch_up())
            assert (await catalog.finder.lookup("arrival", None)).best is not None
            assert len(added) == 1

            [arrival] = await other.reviews.find_by_title("Arrival", 2016, scope=None)
            await other.writes.delete(arrival.id or 0, actor_id=None, scope=None)
            assert await catalog.sync.apply_changes(await catalog.sync.feed.catch_up()) == []
            assert (await catalog.finder.lookup("arrival", None)).best is None
    finally:
        await catalog.close()


async def test_own_changes_are_in_the_feed_but_not_external(store: Store) -> None:
    feed = await store.change_feed()
    await store.writes.add(make_review("Heat", 1995), actor_id=None)
    batch = await feed.catch_up()
    assert [(c.kind, c.external) for c in batch.changes][:1] == [("insert", False)]


# -- bounded state ---------------------------------------------------------------------------


async def test_misses_are_capped_per_server_dropping_the_least_asked(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.store.guild.MAX_MISSES_PER_SCOPE", 3)
    await store.guilds.record_miss(GUILD, "Asked Twice")
    await store.guilds.record_miss(GUILD, "asked twice")
    for title in ("Old Once", "Newer Once", "Newest Once"):
        await store.guilds.record_miss(GUILD, title)
    await store.guilds.record_miss(GUILD + 1, "Elsewhere")

    assert await store.guilds.top_misses(GUILD) == [
        ("asked twice", 2),
        ("Newest Once", 1),
        ("Newer Once", 1),
    ]
    assert await store.guilds.top_misses(GUILD + 1) == [("Elsewhere", 1)]
    assert MAX_MISSES_PER_SCOPE >= 10  # /wanted's top ten stays meaningful


async def test_recent_picks_are_bounded_per_channel(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.store.picks.MAX_PICKS_PER_CHANNEL", 5)
    await store.writes.import_reviews(
        [make_review(f"Film {n}", 2000 + n) for n in range(20)], actor_id=None
    )
    for _ in range(12):
        await store.picks.random_pick(ReviewFilters(), guild_id=None, channel_id=1)
    await store.picks.random_pick(ReviewFilters(), guild_id=None, channel_id=2)

    assert rows(store.path, "SELECT channel_id, COUNT(*) FROM recent_picks GROUP BY 1") == [
        (1, 5),
        (2, 1),
    ]
    assert MAX_PICKS_PER_CHANNEL >= 100


async def test_the_change_feed_is_pruned_to_its_last_rows_by_an_import(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "KEEP_CHANGES", 10)
    await store.writes.import_reviews(
        [make_review(f"Film {n}", 2000 + n) for n in range(30)], actor_id=None
    )
    assert rows(store.path, "SELECT COUNT(*), MIN(id), MAX(id) FROM changes") == [(10, 21, 30)]


def test_an_import_waits_for_a_short_writer_that_announced_itself(tmp_path: Path) -> None:
    database = tmp_path / "reviews.db"
    writer, importer = WriteIntent(database), WriteIntent(database)
    returned = threading.Event()

    def next_chunk() -> None:
        importer.let_waiting_writers_in()
        returned.set()

    with writer.waiting():
        thread = threading.Thread(target=next_chunk)
        thread.start()
        assert not returned.wait(0.2)  # held back while the writer waits or writes
    thread.join()
    assert returned.is_set()
    writer.close()
    importer.close()


# -- /similar ----------------------------------------------------------------------------------


async def test_related_ranks_in_sql_exactly_as_counting_shared_names_would(store: Store) -> None:
    chooser = random.Random(5)
    films = [
        make_review(
            f"Film {n}",
            1990 + n % 30,
            directors=(f"D{chooser.randrange(6)}",),
            cast=tuple(f"A{chooser.randrange(15)}" for _ in range(2)),
            genres=tuple(
                chooser.sample(["Drama", "Crime", "Comedy", "Noir"], chooser.randint(0, 3))
            ),
        )
        for n in range(120)
    ]
    await store.writes.import_reviews(films, actor_id=None)
    stored = await store.reviews.list_reviews(guild_id=None, limit=200, order="id")
    weights = {"director": 3, "cast": 2, "genre": 1}

    def names(review: Review) -> set[tuple[str, str]]:
        return (
            {("director", d) for d in review.directors}
            | {("cast", c) for c in review.cast}
            | {("genre", g) for g in review.genres}
        )

    for review in stored[:40]:
        expected = sorted(
            (-sum(weights[kind] for kind, _ in names(review) & names(other)), other.id or 0)
            for other in stored
            if other.id != review.id and names(review) & names(other)
        )[:10]
        related = await store.insights.related(review, guild_id=None)
        assert [other.id for other, _ in related] == [other_id for _, other_id in expected]
        for other, reasons in related:
            assert set(reasons) == names(review) & names(other)


async def test_films_another_process_adds_are_announced_once_as_external(tmp_path: Path) -> None:
    database = tmp_path / "reviews.db"
    catalog = await Catalog.open(database)
    events: list[Published] = []
    heard = asyncio.Event()

    async def listener(event: Published) -> None:
        events.append(event)
        heard.set()

    catalog.sync.on_published(listener)
    follower = asyncio.create_task(catalog.sync.follow_changes())
    try:
        async with await Store.open(database) as other:
            await other.writes.import_reviews(
                [make_review("Arrival", 2016), make_review("Heat", 1995)], actor_id=None
            )
            await asyncio.wait_for(heard.wait(), 10)
        await catalog.curation.add(
            make_review("Collateral", 2004), actor_id=None
        )  # this process's own
        await asyncio.sleep(3 * SqliteChangeFeed(catalog._store._db, 0).poll_seconds)
    finally:
        follower.cancel()
        await asyncio.gather(follower, return_exceptions=True)
        await catalog.close()
    external = [event for event in events if event.source == "external"]
    assert [sorted(r.title for r in event.reviews) for event in external] == [["Arrival", "Heat"]]
    assert [event.source for event in events] == ["external", "add"]


async def test_a_stream_refused_at_its_last_row_writes_nothing(store: Store) -> None:
    """Reviews are staged as a parser yields them; one that fails at the end leaves no
    row, no genre bit, no import behind (the catalog is only written after staging)."""

    def films() -> Iterator[ReviewDraft]:
        for n in range(2 * bulk.STAGE_BATCH + 1):
            yield make_review(f"Film {n}", 2000, genres=("Noir",))
        raise ImportFailed("films.json", ["item 4002, year: year is required"])

    with pytest.raises(ImportFailed):
        await store.writes.import_reviews(films(), actor_id=None)

    assert await store.reviews.count(guild_id=None) == 0
    assert rows(store.path, "SELECT COUNT(*) FROM genre_bits") == [(0,)]
    assert rows(store.path, "SELECT COUNT(*) FROM imports") == [(0,)]


async def test_a_large_import_from_another_process_is_read_in_slices_announced_whole_and_frozen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """1,200 films from another process: the catalog reads them for the announcement
    500 at a time (never one 1,200-row read on the event loop), announces them in one
    event, and leaves its grown index out of later full garbage collections."""
    database = tmp_path / "reviews.db"
    catalog = await Catalog.open(database)
    reads: list[int] = []
    get_many = catalog._store.reviews.get_many

    async def counted(ids: Any) -> list[Review]:
        reads.append(len(ids))
        return await get_many(ids)

    monkeypatch.setattr(catalog._store.reviews, "get_many", counted)
    events: list[Published] = []
    heard = asyncio.Event()

    async def listener(event: Published) -> None:
        events.append(event)
        heard.set()

    catalog.sync.on_published(listener)
    async with await Store.open(database) as other:  # committed before the catalog looks
        await other.writes.import_reviews(
            [make_review(f"Film {n}", 2000) for n in range(1_200)], actor_id=None
        )
    frozen_before = gc.get_freeze_count()
    follower = asyncio.create_task(catalog.sync.follow_changes())
    try:
        await asyncio.wait_for(heard.wait(), 10)
        frozen_after = gc.get_freeze_count()
    finally:
        follower.cancel()
        await asyncio.gather(follower, return_exceptions=True)
        await catalog.close()
        gc.unfreeze()  # the rest of the test session collects as usual
    assert [len(event.reviews) for event in events] == [1_200]
    assert reads == [500, 500, 200]
    assert frozen_after > frozen_before
