"""The store on both backends: schema, scoping, audit, imports, random picks, concurrency.

``store`` (and so every test that uses it) runs once on SQLite and once on
PostgreSQL; the few tests about one engine's own machinery say which in their name.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import fields, replace
from pathlib import Path

import asyncpg
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.importers import ImportFailed
from bot.models import CONTENT_FIELDS, Review, ReviewDraft, ReviewFilters
from bot.store import (
    LATEST_VERSION,
    MIGRATIONS,
    POSTGRESQL_MIGRATIONS,
    DuplicateReview,
    ReviewNotFound,
    Store,
    StoreError,
    filters,
)
from bot.store.importing import ANALYZE_AFTER_ROWS
from bot.store.picks import ID_SPAN_SQL
from bot.store.schema import CONTENT_COLUMNS, DERIVED_COLUMNS, REVIEW_COLUMNS, content_params
from bot.validation import ValidationError
from tests.conftest import make_old_database, make_review, new_postgres_database
from tests.pgserver import PostgresServer

GUILD_A = 111
GUILD_B = 222
MOD = 42


@pytest.fixture
def store(engine_store: Store) -> Store:
    """Every test here runs on SQLite and on PostgreSQL."""
    return engine_store


# -- schema ------------------------------------------------------------------------


def test_migrations_are_numbered_together_in_both_dialects() -> None:
    assert [(m.version, m.name) for m in POSTGRESQL_MIGRATIONS] == [
        (m.version, m.name) for m in MIGRATIONS
    ]
    assert [m.version for m in MIGRATIONS] == list(range(1, LATEST_VERSION + 1))


async def test_new_sqlite_database_is_created_at_the_latest_schema_in_wal_mode(
    tmp_path: Path,
) -> None:
    async with await Store.open(tmp_path / "new" / "reviews.db") as store:
        assert await store.schema_version() == LATEST_VERSION
        assert await store.integrity_check() == "ok"
    with sqlite3.connect(tmp_path / "new" / "reviews.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize("start", [migration.version for migration in MIGRATIONS[:-1]])
async def test_every_earlier_sqlite_schema_migrates_keeping_its_reviews_and_a_backup(
    tmp_path: Path, start: int
) -> None:
    path = make_old_database(tmp_path / "old.db", start)
    async with await Store.open(path) as store:
        assert await store.schema_version() == LATEST_VERSION
        assert [r.title for r in await store.reviews.scope_reviews(None)] == ["Heat"]
        await store.guilds.set_mod_role(GUILD_A, 7)  # a table from a later migration works
        assert await store.guilds.mod_role(GUILD_A) == 7
    backup = tmp_path / f"old.db.v{start}.bak"
    with sqlite3.connect(backup) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == start
        assert db.execute("SELECT title FROM reviews").fetchall() == [("Heat",)]


async def test_a_sqlite_database_from_a_newer_reviewbot_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    with pytest.raises(StoreError, match="newer than this reviewbot"):
        await Store.open(path)


async def test_every_review_field_has_exactly_one_column_in_the_latest_schema(
    database: str,
) -> None:
    async with await Store.open(database) as store:
        assert await store.schema_version() == LATEST_VERSION
    if store.dialect == "sqlite":
        with sqlite3.connect(database) as db:
            table = {row[1] for row in db.execute("PRAGMA table_info(reviews)")}
        generated: set[str] = set()  # SQLite's search index is a table of its own
    else:
        connection = await asyncpg.connect(database)
        try:
            rows = await connection.fetch(
                "SELECT column_name, is_generated FROM information_schema.columns "
                "WHERE table_name = 'reviews'"
            )
        finally:
            await connection.close()
        table = {row[0] for row in rows if row[1] == "NEVER"}
        generated = {row[0] for row in rows if row[1] != "NEVER"}
    searched = {"search_document", "search_card"}
    assert generated == (searched if store.dialect == "postgresql" else set())
    declared = {column.name for column in REVIEW_COLUMNS}
    assert len(declared) == len(fields(Review))
    assert table == declared | set(DERIVED_COLUMNS)
    assert {column.field for column in CONTENT_COLUMNS} == set(CONTENT_FIELDS)


@given(names=st.lists(st.text(), max_size=5))
def test_lists_are_stored_as_json_dumps_writes_them(names: list[str]) -> None:
    """Stored lists are compared as text (an import leaves a review alone when its stored
    text is the same), so the encoding must never drift from what is already stored."""
    params = content_params(ReviewDraft(title="Heat", year=1995, cast=tuple(names)))
    assert params["cast_members"] == json.dumps(names, ensure_ascii=False)


# -- reviews ----------------------------------------------------------------------------


async def test_added_review_round_trips_every_field(store: Store) -> None:
    review = make_review(
        tagline="A tagline",
        body="Full text",
        reviewer="Critic",
        review_url="https://example.org/heat",
        poster_url="https://example.org/heat.jpg",
        aliases=("Heat '95",),
    )
    stored = await store.writes.add(review, actor_id=MOD)
    assert stored.id is not None
    assert stored.content() == review.content()
    assert stored.created_by == MOD and stored.created_at
    assert await store.reviews.get(stored.id) == stored


async def test_same_title_and_year_in_one_scope_is_a_duplicate(store: Store) -> None:
    await store.writes.add(make_review("The Dark Knight", 2008), actor_id=MOD)
    with pytest.raises(DuplicateReview) as raised:
        await store.writes.add(make_review(" the dark KNIGHT ", 2008), actor_id=MOD)
    assert raised.value.existing.title == "The Dark Knight"


async def test_titles_that_only_normalise_alike_are_two_films(store: Store) -> None:
    for title in ("Puzzle, El", "Puzzle, The", "The Heat!", "Heat", "...Lost", "Lost"):
        await store.writes.add(make_review(title, 2000), actor_id=MOD)
    assert await store.reviews.count(guild_id=None) == 6
    assert len(await store.reviews.find_by_title("puzzle", 2000, scope=None)) == 2  # found together


async def test_a_review_with_its_own_link_is_one_by_that_link(store: Store) -> None:
    first = make_review("Heat", 1995, review_url="https://a.example/heat", reviewer="A")
    await store.writes.add(first, actor_id=MOD)
    await store.writes.add(replace(first, review_url="https://b.example/heat"), actor_id=MOD)
    report = await store.writes.import_reviews(
        [replace(first, title="Heat (director's cut)")], actor_id=None
    )
    assert (report.added, report.updated) == (0, 1)


async def test_same_title_in_another_year_or_scope_is_not_a_duplicate(store: Store) -> None:
    await store.writes.add(make_review("Heat", 1995), actor_id=MOD)
    await store.writes.add(make_review("Heat", 1986), actor_id=MOD)
    await store.writes.add(make_review("Heat", 1995, scope=GUILD_A), actor_id=MOD)
    assert len(await store.reviews.find_by_title("heat", None, scope=None)) == 2


async def test_find_by_title_uses_the_normalised_title(store: Store) -> None:
    await store.writes.add(make_review("Amélie", 2001), actor_id=MOD)
    assert [r.title for r in await store.reviews.find_by_title("AMELIE", 2001, scope=None)] == [
        "Amélie"
    ]


# -- scoping ----------------------------------------------------------------------------


@pytest.fixture
async def two_guilds(store: Store) -> dict[str, Review]:
    return {
        "global": await store.writes.add(make_review("Heat", 1995), actor_id=None),
        "a": await store.writes.add(make_review("Arrival", 2016, scope=GUILD_A), actor_id=MOD),
        "b": await store.writes.add(make_review("Alien", 1979, scope=GUILD_B), actor_id=MOD),
    }


async def test_a_guild_sees_global_and_its_own_reviews_only(
    store: Store, two_guilds: dict[str, Review]
) -> None:
    visible = {r.title for r in await store.reviews.list_reviews(guild_id=GUILD_A, limit=50)}
    assert visible == {"Heat", "Arrival"}
    assert await store.reviews.count(guild_id=GUILD_B) == 2
    assert await store.reviews.get_visible(two_guilds["b"].id or 0, GUILD_A) is None
    assert await store.reviews.get_visible(two_guilds["global"].id or 0, GUILD_A) is not None


async def test_a_guild_cannot_change_another_guilds_or_global_reviews(
    store: Store, two_guilds: dict[str, Review]
) -> None:
    for key in ("b", "global"):
        review_id = two_guilds[key].id or 0
        with pytest.raises(ReviewNotFound):
            await store.writes.update(review_id, {"score": 1}, actor_id=MOD, scope=GUILD_A)
        with pytest.raises(ReviewNotFound):
            await store.writes.delete(review_id, actor_id=MOD, scope=GUILD_A)
    assert (await store.reviews.get(two_guilds["b"].id or 0)) == two_guilds["b"]


async def test_random_pick_never_crosses_into_another_guild(
    store: Store, two_guilds: dict[str, Review]
) -> None:
    seen = set()
    for _ in range(12):
        pick = await store.picks.random_pick(ReviewFilters(), guild_id=GUILD_A, channel_id=1)
        assert pick is not None
        seen.add(pick.title)
    assert seen == {"Heat", "Arrival"}


# -- edits, deletes and the audit log ----------------------------------------------------


async def test_edit_validates_and_records_before_and_after(store: Store) -> None:
    review = await store.writes.add(make_review(), actor_id=MOD)
    assert review.id is not None
    updated = await store.writes.update(review.id, {"score": "7.5"}, actor_id=99, scope=None)
    assert updated.score == 7.5 and updated.updated_by == 99
    with pytest.raises(ValueError, match="score must be between 0 and 10, got 11"):
        await store.writes.update(review.id, {"score": 11}, actor_id=99, scope=None)
    history = await store.reviews.history(review.id)
    assert [entry.action for entry in history] == ["add", "edit"]
    assert history[1].before and history[1].before["score"] == 9.0
    assert history[1].after and history[1].after["score"] == 7.5
    assert history[1].actor_id == 99
    assert history[1].changed_fields() == ["score"]


async def test_edit_into_an_existing_title_is_refused(store: Store) -> None:
    await store.writes.add(make_review("Heat", 1995), actor_id=MOD)
    other = await store.writes.add(make_review("Heat", 1986), actor_id=MOD)
    with pytest.raises(DuplicateReview):
        await store.writes.update(other.id or 0, {"year": 1995}, actor_id=MOD, scope=None)


async def test_soft_delete_hides_and_restore_brings_back(store: Store) -> None:
    review = await store.writes.add(make_review(), actor_id=MOD)
    review_id = review.id or 0
    await store.writes.delete(review_id, actor_id=MOD, scope=None)
    assert await store.reviews.get(review_id) is None
    assert await store.reviews.count(guild_id=None) == 0
    assert [r.id for r in await store.reviews.deleted_reviews(None)] == [review_id]
    with pytest.raises(StoreError, match="already deleted"):
        await store.writes.delete(review_id, actor_id=MOD, scope=None)
    restored = await store.writes.restore(review_id, actor_id=MOD, scope=None)
    assert restored.deleted_at is None
    assert [e.action for e in await store.reviews.history(review_id)] == [
        "add",
        "delete",
        "restore",
    ]


async def test_alias_is_added_once(store: Store) -> None:
    review = await store.writes.add(make_review("All of Us Strangers", 2023), actor_id=MOD)
    await store.writes.add_alias(review.id or 0, "AOUS", actor_id=MOD, scope=None)
    again = await store.writes.add_alias(review.id or 0, "aous", actor_id=MOD, scope=None)
    assert again.aliases == ("AOUS",)


# -- imports -------------------------------------------------------------------------------


async def test_reimport_is_idempotent_and_counts_changes(store: Store) -> None:
    batch = [make_review("Heat", 1995), make_review("Arrival", 2016)]
    first = await store.writes.import_reviews(batch, actor_id=None)
    assert (first.added, first.updated, first.unchanged) == (2, 0, 0)
    second = await store.writes.import_reviews(batch, actor_id=None)
    assert (second.added, second.updated, second.unchanged) == (0, 0, 2)
    edited = [make_review("Heat", 1995, score=8.0), make_review("Arrival", 2016)]
    third = await store.writes.import_reviews(edited, actor_id=None)
    assert (third.added, third.updated, third.unchanged) == (0, 1, 1)


async def test_dry_run_import_writes_nothing(store: Store) -> None:
    report = await store.writes.import_reviews([make_review()], actor_id=None, dry_run=True)
    assert report.added == 1 and report.dry_run
    assert await store.reviews.is_empty()


async def test_import_failing_midway_leaves_nothing_behind(store: Store) -> None:
    def rows() -> Iterator[ReviewDraft]:
        yield make_review("Heat", 1995)
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        await store.writes.import_reviews(rows(), actor_id=None)
    assert await store.reviews.is_empty()
    await store.writes.add(
        make_review("Arrival", 2016), actor_id=None
    )  # the writer is usable again


# -- listing, filters, stats ---------------------------------------------------------------


@pytest.fixture
async def catalog(store: Store) -> Store:
    films = [
        make_review("Heat", 1995, score=9.3, runtime=170, genres=("Crime",)),
        make_review(
            "Collateral",
            2004,
            score=8.0,
            runtime=120,
            cast=("Tom Cruise", "Jamie Foxx"),
            verdict="Recommended",
        ),
        make_review(
            "Arrival",
            2016,
            score=8.8,
            runtime=116,
            directors=("Denis Villeneuve",),
            cast=("Amy Adams",),
            genres=("Science Fiction",),
            verdict="Essential",
        ),
        make_review(
            "Amélie",
            2001,
            score=None,
            directors=("Jean-Pierre Jeunet",),
            cast=("Audrey Tautou",),
            genres=("Comedy",),
            runtime=None,
        ),
    ]
    await store.writes.import_reviews(films, actor_id=None)
    return store


@pytest.mark.parametrize(
    ("filters", "titles"),
    [
        (ReviewFilters(min_score=8.5), {"Heat", "Arrival"}),
        (ReviewFilters(verdict="essential"), {"Arrival"}),
        (ReviewFilters(year_from=2000, year_to=2010), {"Collateral", "Amélie"}),
        (ReviewFilters(director="michael mann"), {"Heat", "Collateral"}),
        (ReviewFilters(director="Jean-Pierre Jeunet"), {"Amélie"}),
        (ReviewFilters(cast_member="AMY ADAMS"), {"Arrival"}),
        (ReviewFilters(genre="science fiction"), {"Arrival"}),
        (ReviewFilters(max_runtime=120), {"Collateral", "Arrival"}),
        (ReviewFilters(min_score=9.5), set()),
    ],
)
async def test_each_filter_narrows_the_listing(
    catalog: Store, filters: ReviewFilters, titles: set[str]
) -> None:
    assert {r.title for r in await catalog.reviews.list_reviews(filters, guild_id=None)} == titles
    assert await catalog.reviews.count(filters, guild_id=None) == len(titles)


async def test_listing_orders_by_score_with_unscored_last(catalog: Store) -> None:
    titles = [r.title for r in await catalog.reviews.list_reviews(guild_id=None)]
    assert titles == ["Heat", "Arrival", "Collateral", "Amélie"]


async def test_stats_count_scores_verdicts_and_directors(catalog: Store) -> None:
    stats = await catalog.insights.stats(guild_id=None)
    assert stats.total == 4
    assert stats.score_buckets == {8: 2, 9: 1}
    assert stats.verdicts["Masterpiece"] == 2
    assert stats.top_directors[0] == ("Michael Mann", 2)


async def test_stats_of_a_slice_count_only_the_films_in_it(catalog: Store) -> None:
    stats = await catalog.insights.stats(ReviewFilters(director="michael mann"), guild_id=None)
    assert (stats.total, stats.average_score) == (2, 8.65)
    assert stats.score_buckets == {8: 1, 9: 1}
    assert stats.top_directors == [("Michael Mann", 2)]
    assert (await catalog.insights.stats(ReviewFilters(genre="war"), guild_id=None)).total == 0


async def test_related_ranks_shared_director_above_shared_genre(catalog: Store) -> None:
    heat = (await catalog.reviews.find_by_title("Heat", 1995, scope=None))[0]
    related = await catalog.insights.related(heat, guild_id=None)
    assert related[0][0].title == "Collateral"
    assert ("director", "Michael Mann") in related[0][1]


async def test_term_labels_complete_names_by_prefix(catalog: Store) -> None:
    assert await catalog.insights.term_labels("director", "den", guild_id=None) == [
        "Denis Villeneuve"
    ]
    assert await catalog.insights.term_labels("cast", "%", guild_id=None) == []


async def test_term_names_lists_every_visible_person_once_with_their_review_count(
    catalog: Store,
) -> None:
    directors = dict(await catalog.insights.term_names("director", guild_id=None))
    assert directors["Michael Mann"] == 2
    assert directors["Denis Villeneuve"] == 1
    cast = dict(await catalog.insights.term_names("cast", guild_id=None))
    assert cast["Tom Cruise"] == 1
    assert "Michael Mann" not in cast


# -- random picks --------------------------------------------------------------------------


async def test_fifty_picks_over_twenty_films_show_all_twenty_before_a_repeat(
    store: Store,
) -> None:
    films = [make_review(f"Film {n}", 2000 + n) for n in range(20)]
    await store.writes.import_reviews(films, actor_id=None)
    picks = []
    for _ in range(50):
        pick = await store.picks.random_pick(ReviewFilters(), guild_id=None, channel_id=7)
        assert pick is not None
        picks.append(pick.id)
    assert len(set(picks[:20])) == 20
    assert len(set(picks[20:40])) == 20
    assert all(a != b for a, b in itertools.pairwise(picks))


async def test_a_first_pick_is_uniform_over_a_pool_scattered_among_the_ids(
    store: Store,
) -> None:
    # The pool's films sit after gaps of very different sizes: a pick that took "the
    # first pool film at or after a random id" would favour the one after 14 others
    # about 15 to 1. Each channel's first pick is a draw from the whole pool.
    pool_at = {0, 1, 2, 3, 10, 11, 25, 40, 41, 59}
    films = [
        make_review(f"Film {n}", 1950 + n, genres=("Pool",) if n in pool_at else ("Other",))
        for n in range(60)
    ]
    await store.writes.import_reviews(films, actor_id=None)
    store.picks._random.seed(16)  # the same draws every run: the bound below is not luck
    counts: collections.Counter[int | None] = collections.Counter()
    picks = 600
    for channel in range(picks):
        pick = await store.picks.random_pick(
            ReviewFilters(genre="pool"), guild_id=None, channel_id=channel
        )
        counts[None if pick is None else pick.id] += 1
    assert None not in counts and len(counts) == len(pool_at)
    expected = picks / len(pool_at)
    chi_square = sum((count - expected) ** 2 / expected for count in counts.values())
    assert chi_square < 27.9  # 9 degrees of freedom, p = 0.001


async def test_sqlite_reads_the_picks_id_span_from_the_primary_key_without_a_scan(
    tmp_path: Path,
) -> None:
    # MIN(id), MAX(id) in one SELECT scans every review on SQLite: that scan was most
    # of a pick's time. Each bound alone is a search of the primary key.
    path = tmp_path / "span.db"
    async with await Store.open(path) as store:
        await store.writes.import_reviews(
            [make_review(f"F{n}", 2000 + n) for n in range(5)], actor_id=None
        )
    with sqlite3.connect(path) as db:
        plan = [row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {ID_SPAN_SQL}")]
        low, high = db.execute(ID_SPAN_SQL).fetchone()
        assert (low, high) == db.execute("SELECT min(id), max(id) FROM reviews").fetchone()
    assert any(step.startswith("SEARCH reviews") for step in plan)
    assert not any(step.startswith("SCAN reviews") for step in plan)


async def test_no_repeat_memory_survives_a_restart(database: str) -> None:
    path = database
    async with await Store.open(path) as store:
        await store.writes.import_reviews(
            [make_review(f"F{n}", 2000 + n) for n in range(6)], actor_id=None
        )
        first = [
            await store.picks.random_pick(ReviewFilters(), guild_id=None, channel_id=1)
            for _ in range(3)
        ]
    async with await Store.open(path) as store:
        rest = [
            await store.picks.random_pick(ReviewFilters(), guild_id=None, channel_id=1)
            for _ in range(3)
        ]
    ids = [r.id for r in first + rest if r is not None]
    assert len(set(ids)) == 6


async def test_random_pick_on_an_empty_pool_is_none(catalog: Store) -> None:
    assert (
        await catalog.picks.random_pick(ReviewFilters(min_score=10), guild_id=None, channel_id=1)
        is None
    )


# -- guild state ----------------------------------------------------------------------------


async def test_misses_are_counted_per_guild_by_normalised_query(store: Store) -> None:
    for query in ("Paddington 2", "paddington 2", "PADDINGTON II"):
        await store.guilds.record_miss(GUILD_A, query)
    await store.guilds.record_miss(GUILD_B, "Alien")
    assert await store.guilds.top_misses(GUILD_A) == [("PADDINGTON II", 3)]
    await store.guilds.clear_miss(GUILD_A, "Paddington 2")
    assert await store.guilds.top_misses(GUILD_A) == []


# -- concurrency and backup ------------------------------------------------------------------


async def test_concurrent_writers_on_one_store_all_land(store: Store) -> None:
    films = [make_review(f"Film {n}", 1990 + n % 30) for n in range(100)]
    await asyncio.gather(*(store.writes.add(film, actor_id=MOD) for film in films))
    assert await store.reviews.count(guild_id=None) == 100


async def test_two_stores_on_one_database_write_without_locking_errors(database: str) -> None:
    path = database
    async with await Store.open(path) as first, await Store.open(path) as second:
        writes = [
            (first if n % 2 else second).writes.add(make_review(f"Film {n}", 2000), actor_id=MOD)
            for n in range(60)
        ]
        await asyncio.gather(*writes)
        assert await first.reviews.count(guild_id=None) == 60


async def test_sqlite_backup_while_writing_is_a_consistent_copy(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "reviews.db") as store:

        async def write() -> None:
            for n in range(50):
                await store.writes.add(make_review(f"Film {n}", 2000), actor_id=MOD)

        writer = asyncio.create_task(write())
        await asyncio.sleep(0)
        await store.backup(tmp_path / "copy.db")
        await writer
    with sqlite3.connect(tmp_path / "copy.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        reviews = db.execute("SELECT COUNT(*) FROM reviews").fetchone()[0]
        audits = db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
    assert reviews == audits  # every copied review has its audit entry: no torn write


async def test_postgresql_backup_is_left_to_pg_dump(postgres_server: PostgresServer) -> None:
    async with await Store.open(new_postgres_database(postgres_server)) as store:
        with pytest.raises(StoreError, match="pg_dump"):
            await store.backup("copy.db")


async def test_a_postgresql_database_from_a_newer_reviewbot_is_refused(
    postgres_server: PostgresServer,
) -> None:
    url = new_postgres_database(postgres_server)
    async with await Store.open(url):
        pass
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("UPDATE reviewbot_schema SET version = $1", LATEST_VERSION + 1)
    finally:
        await connection.close()
    with pytest.raises(StoreError, match="newer than this reviewbot"):
        await Store.open(url)


async def test_postgresql_url_passwords_stay_out_of_messages(
    postgres_server: PostgresServer,
) -> None:
    url = f"postgresql://postgres:s3cret@127.0.0.1:{postgres_server.port}/no_such_database"
    with pytest.raises(StoreError) as raised:
        await Store.open(url)
    assert "s3cret" not in str(raised.value)
    assert "no_such_database" in str(raised.value)


async def test_term_labels_accept_a_very_long_prefix(catalog: Store) -> None:
    assert await catalog.insights.term_labels("director", "x" * 100_000, guild_id=None) == []


async def test_more_genres_than_bits_still_filter_correctly(store: Store) -> None:
    films = [make_review(f"Film {n}", 2000, genres=(f"Genre {n}",)) for n in range(70)]
    await store.writes.import_reviews(films, actor_id=None)
    for n in (0, 61, 62, 69):
        listed = await store.reviews.list_reviews(ReviewFilters(genre=f"genre {n}"), guild_id=None)
        assert [r.title for r in listed] == [f"Film {n}"]


# -- identity, samples and shadowing (issue 12) --------------------------------------------


async def test_a_version_3_database_keeps_its_rows_references_and_marks_its_samples(
    tmp_path: Path,
) -> None:
    path = make_old_database(tmp_path / "old.db", 3)
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO reviews (scope, title, title_key, year, reviewer, created_at, updated_at)"
            " VALUES (0, 'Arrival', 'arrival', 2016, 'reviewbot sample data', 'then', 'then')"
        )
        db.execute(
            "INSERT INTO audit_log (review_id, scope, action, at) VALUES (1, 0, 'add', 'then')"
        )
    async with await Store.open(path) as store:
        [heat] = await store.reviews.find_by_title("Heat", 1995, scope=None)
        [arrival] = await store.reviews.find_by_title("Arrival", 2016, scope=None)
        assert (heat.sample, arrival.sample) == (False, True)
        assert [entry.action for entry in await store.reviews.history(1)] == [
            "add"
        ]  # kept, not cascaded
        assert await store.integrity_check() == "ok"
        with pytest.raises(DuplicateReview):
            await store.writes.add(make_review("HEAT", 1995), actor_id=MOD)


async def test_removing_samples_soft_deletes_each_with_an_audit_entry(store: Store) -> None:
    sample = await store.writes.add(
        replace(make_review("Arrival", 2016), sample=True), actor_id=None
    )
    mine = await store.writes.add(make_review("Heat", 1995), actor_id=MOD)

    removed = await store.writes.remove_samples(actor_id=MOD)

    assert removed == [sample.id]
    assert (
        await store.reviews.get(sample.id or 0) is None
        and await store.reviews.get(mine.id or 0) == mine
    )
    assert [entry.action for entry in await store.reviews.history(sample.id or 0)][
        -1
    ] == "remove sample"
    assert not await store.reviews.is_empty()  # so the samples are never loaded again
    assert await store.writes.remove_samples(actor_id=MOD) == []


async def test_a_users_import_of_a_sample_film_makes_it_theirs(store: Store) -> None:
    await store.writes.import_reviews([make_review("Heat", 1995, sample=True)], actor_id=None)
    report = await store.writes.import_reviews([make_review("Heat", 1995)], actor_id=None)

    assert (report.added, report.updated) == (0, 1)
    [heat] = await store.reviews.find_by_title("Heat", 1995, scope=None)
    assert not heat.sample
    assert await store.writes.remove_samples(actor_id=MOD) == []


@pytest.mark.parametrize("listed", [True, False], ids=["ids listed", "many: a subquery"])
async def test_a_guilds_own_review_shadows_the_global_one_in_every_listing(
    store: Store, monkeypatch: pytest.MonkeyPatch, listed: bool
) -> None:
    if not listed:
        monkeypatch.setattr(filters, "MAX_LISTED_SHADOWS", 0)
    await store.writes.add(make_review("Heat", 1995), actor_id=MOD)
    await store.writes.add(make_review("Arrival", 2016), actor_id=MOD)
    own = await store.writes.add(make_review("heat", 1995, score=2.0, scope=GUILD_A), actor_id=MOD)

    listed = await store.reviews.list_reviews(guild_id=GUILD_A, limit=10)
    assert [review.id for review in listed if review.year == 1995] == [own.id]
    assert await store.reviews.count(guild_id=GUILD_A) == 2
    assert await store.reviews.count(guild_id=None) == 2  # the global catalog itself is unchanged
    assert (await store.insights.stats(guild_id=GUILD_A)).total == 2
    await store.writes.delete(own.id or 0, actor_id=MOD, scope=GUILD_A)
    assert await store.reviews.count(guild_id=GUILD_A) == 2  # the global one is back


async def test_related_never_lists_the_film_itself_in_any_scope(store: Store) -> None:
    global_heat = await store.writes.add(make_review("Heat", 1995), actor_id=MOD)
    await store.writes.add(make_review("Heat", 1995, scope=GUILD_A), actor_id=MOD)
    await store.writes.add(make_review("Collateral", 2004), actor_id=MOD)

    related = await store.insights.related(global_heat, guild_id=GUILD_A)

    assert [review.title for review, _ in related] == ["Collateral"]


async def test_an_edit_may_not_empty_a_card_that_said_something(store: Store) -> None:
    review = await store.writes.add(
        make_review("Heat", 1995, score=None, verdict="", verdict_text="Tense."), actor_id=MOD
    )
    assert review.id is not None
    with pytest.raises(ValidationError, match="at least a score, a verdict or verdict text"):
        await store.writes.update(review.id, {"verdict_text": ""}, actor_id=MOD, scope=None)
    assert await store.reviews.get(review.id) == review
    await store.writes.update(review.id, {"verdict_text": "", "score": 7}, actor_id=MOD, scope=None)


async def test_an_import_refused_at_its_last_row_writes_nothing(store: Store) -> None:
    """A streamed file that turns out bad at its end leaves no review and no audit entry
    on either engine (PostgreSQL: one transaction; SQLite: staged before it applies)."""

    def films() -> Iterator[ReviewDraft]:
        for n in range(50):
            yield make_review(f"Film {n}", 2000, genres=("Noir",))
        raise ImportFailed("films.json", ["item 51, year: year is required"])

    with pytest.raises(ImportFailed):
        await store.writes.import_reviews(films(), actor_id=None)
    assert await store.reviews.count(ReviewFilters(), guild_id=None) == 0
    report = await store.writes.import_reviews([make_review("Heat", 1995)], actor_id=None)
    assert report.added == 1


async def test_a_bulk_import_refreshes_statistics_and_stays_filterable(store: Store) -> None:
    films = [
        make_review(f"Bulk {n}", 1950 + n % 70, score=n % 11, genres=(f"G{n % 5}",))
        for n in range(ANALYZE_AFTER_ROWS)
    ]
    report = await store.writes.import_reviews(films, actor_id=None)  # runs the engine's optimize
    assert report.added == ANALYZE_AFTER_ROWS
    assert await store.reviews.count(ReviewFilters(genre="g3", min_score=10), guild_id=None) == len(
        [n for n in range(ANALYZE_AFTER_ROWS) if n % 5 == 3 and n % 11 == 10]
    )


# -- histograms for the /stats chart ---------------------------------------------------


async def test_an_empty_catalog_has_no_counts(store: Store) -> None:
    histograms = await store.insights.histograms(ReviewFilters(), guild_id=None)
    assert (histograms.total, histograms.average_score, histograms.scored) == (0, None, 0)
    assert histograms.by_score == histograms.by_decade == {}
    assert histograms.by_genre == []


async def test_scores_fall_in_half_point_bins_by_their_lower_edge(store: Store) -> None:
    scores = [0.0, 0.4, 0.5, 6.9, 7.0, 7.4, 7.5, 7.9, 9.9, 10.0, None]
    films = [make_review(f"Film {n}", 1990 + n, score=s) for n, s in enumerate(scores)]
    await store.writes.import_reviews(films, actor_id=None)
    histograms = await store.insights.histograms(ReviewFilters(), guild_id=None)
    assert histograms.by_score == {0.0: 2, 0.5: 1, 6.5: 1, 7.0: 2, 7.5: 2, 9.5: 1, 10.0: 1}
    assert histograms.total == 11
    assert histograms.scored == 10
    assert histograms.average_score == round(sum(s for s in scores if s is not None) / 10, 2)


async def test_decades_and_genres_are_counted_most_common_genre_first(store: Store) -> None:
    films = [
        make_review("A", 1959, genres=("Drama",)),
        make_review("B", 1960, genres=("Drama", "Comedy")),
        make_review("C", 1969, genres=("comedy",)),  # folded with Comedy, labelled once
        make_review("D", 2001, genres=("Drama", "War")),
        make_review("E", 2010, genres=()),
    ]
    await store.writes.import_reviews(films, actor_id=None)
    histograms = await store.insights.histograms(ReviewFilters(), guild_id=None)
    assert histograms.by_decade == {1950: 1, 1960: 2, 2000: 1, 2010: 1}
    assert [n for _, n in histograms.by_genre] == [3, 2, 1]
    assert histograms.by_genre[0] == ("Drama", 3)
    assert histograms.by_genre[1][0].casefold() == "comedy"
    assert histograms.by_genre[2] == ("War", 1)
    two = await store.insights.histograms(ReviewFilters(), guild_id=None, genres=2)
    assert two.by_genre == histograms.by_genre[:2]


async def test_filters_chart_a_slice_and_a_guild_sees_its_own_reviews_over_the_global_ones(
    store: Store,
) -> None:
    heat = make_review("Heat", 1995, score=9.0, genres=("Crime",))
    await store.writes.import_reviews(
        [
            heat,
            make_review(
                "Arrival",
                2016,
                score=8.0,
                directors=("Denis Villeneuve",),
                genres=("Science Fiction",),
            ),
        ],
        actor_id=None,
    )
    # The guild's own review of Heat stands in for the global one (one film, one count).
    await store.writes.add(
        make_review("Heat", 1995, score=4.0, genres=("Crime",), scope=GUILD_A), actor_id=1
    )
    nineties = ReviewFilters(year_from=1990, year_to=1999)
    assert (await store.insights.histograms(nineties, guild_id=None)).by_score == {9.0: 1}
    guild = await store.insights.histograms(nineties, guild_id=GUILD_A)
    assert guild.total == 1
    assert guild.by_score == {4.0: 1}
    everything = await store.insights.histograms(ReviewFilters(), guild_id=GUILD_A)
    assert everything.by_decade == {1990: 1, 2010: 1}
    villeneuve = await store.insights.histograms(
        ReviewFilters(director="denis villeneuve"), guild_id=None
    )
    assert villeneuve.by_score == {8.0: 1}
    crime = await store.insights.histograms(ReviewFilters(genre="crime"), guild_id=None)
    assert (crime.total, crime.by_genre) == (1, [("Crime", 1)])


# -- what the store tells its observer (the bot's metrics) ------------------------------


class QueryLog:
    def __init__(self) -> None:
        self.queries: list[tuple[str, float]] = []
        self.busy_retries = 0

    def store_query(self, work: str, seconds: float) -> None:
        self.queries.append((work, seconds))

    def store_busy_retry(self) -> None:
        self.busy_retries += 1

    def count(self, work: str) -> int:
        return sum(1 for kind, _ in self.queries if kind == work)


async def test_every_read_and_each_committed_write_transaction_is_timed(store: Store) -> None:
    observed = QueryLog()
    store.observe(observed)
    await store.writes.add(make_review("Heat", 1995), actor_id=MOD)
    assert observed.count("write") == 1
    reads = observed.count("read")
    await store.reviews.count(guild_id=None)
    await store.reviews.count(ReviewFilters(genre="Crime"), guild_id=None)
    assert observed.count("read") - reads >= 2
    assert all(seconds >= 0 for _, seconds in observed.queries)
    with pytest.raises(DuplicateReview):
        await store.writes.add(make_review("Heat", 1995), actor_id=MOD)
    assert observed.count("write") == 1  # rolled back: not a write that happened


async def test_sqlite_counts_each_retry_while_another_process_holds_the_write_lock(
    tmp_path: Path,
) -> None:
    path = tmp_path / "reviews.db"
    async with await Store.open(path) as store:
        observed = QueryLog()
        store.observe(observed)
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        adding = asyncio.create_task(store.writes.add(make_review("Heat", 1995), actor_id=MOD))
        await asyncio.sleep(0.05)  # the add has tried and is waiting
        other.execute("COMMIT")
        other.close()
        await adding
    assert observed.busy_retries >= 1
    assert observed.count("write") == 1


async def test_the_pool_is_postgresqls_alone(database: str) -> None:
    async with await Store.open(database, pool_size=3) as store:
        if store.dialect == "sqlite":
            assert (store.pool_size, store.pool_in_use()) == (None, 0)
        else:
            assert store.pool_size == 3
            assert store.pool_in_use() == 0
