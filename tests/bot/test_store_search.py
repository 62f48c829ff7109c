"""Search by what reviews say, at the store, on both engines: ranking tiers, web-search
syntax, scopes and shadowing, filters, paging, snippets, typos, random picks, and an
index that every write keeps in step (checked against a rebuild from the reviews)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from bot.importers import ImportFailed
from bot.models import ReviewDraft, ReviewFilters
from bot.store import POSTGRESQL_MIGRATIONS, Store, filters
from bot.store import search as store_search
from bot.store.sqlite import imports as bulk
from tests.conftest import make_old_database, make_review, new_postgres_database
from tests.pgserver import PostgresServer

GUILD_A = 111
GUILD_B = 222
MOD = 42


@pytest.fixture
def store(engine_store: Store) -> Store:
    """Every test here runs on SQLite and on PostgreSQL."""
    return engine_store


async def titles(
    store: Store,
    text: str,
    guild_id: int | None = None,
    filters: ReviewFilters = ReviewFilters(),  # noqa: B008 -- frozen, never changed
) -> list[str]:
    page = await store.search.search(text, filters, guild_id=guild_id)
    return [hit.review.title for hit in page.hits]


async def assert_index_in_step(store: Store, database: str) -> None:
    """The search index holds exactly what a rebuild from the live reviews would."""
    if store.dialect == "sqlite":
        with sqlite3.connect(database) as db:
            kept = db.execute(
                "SELECT term, doc, cnt FROM search_vocabulary ORDER BY term"
            ).fetchall()
            db.execute("INSERT INTO search_index (search_index) VALUES ('integrity-check')")
            db.execute("INSERT INTO search_index (search_index) VALUES ('rebuild')")
            rebuilt = db.execute(
                "SELECT term, doc, cnt FROM search_vocabulary ORDER BY term"
            ).fetchall()
        assert kept == rebuilt
        return
    connection = await asyncpg.connect(database)
    try:
        kept = await connection.fetch(
            'SELECT term, documents FROM search_vocabulary ORDER BY term COLLATE "C"'
        )
        counted = await connection.fetch(
            "SELECT word.lexeme, COUNT(*) FROM reviews r CROSS JOIN unnest(r.search_document) "
            'word WHERE r.deleted_at IS NULL GROUP BY word.lexeme ORDER BY word.lexeme COLLATE "C"'
        )
    finally:
        await connection.close()
    assert [tuple(row) for row in kept] == [tuple(row) for row in counted]


# -- what is searched, and how it ranks ------------------------------------------------------


async def test_a_review_whose_card_holds_the_words_ranks_above_one_whose_text_does(
    store: Store,
) -> None:
    await store.writes.add(
        make_review("Clouds", 2001, body="A long drift. " * 30 + "Grief, grief and grief."),
        actor_id=MOD,
    )
    await store.writes.add(
        make_review("Aftersun", 2022, verdict_text="A film about grief, quietly devastating."),
        actor_id=MOD,
    )
    await store.writes.add(
        make_review("Grief", 2010, verdict_text="Not what the title says."), actor_id=MOD
    )
    await store.writes.add(
        make_review("Paddington 2", 2017, body="A bear, a prison, marmalade."), actor_id=MOD
    )

    assert await titles(store, "grief") == ["Grief", "Aftersun", "Clouds"]


async def test_names_genres_stems_and_accents_are_searchable(store: Store) -> None:
    await store.writes.add(
        make_review(
            "All of Us Strangers",
            2023,
            cast=("Andrew Scott", "Paul Mescal"),
            genres=("Romance",),
            body="A haunted flat in London; the café downstairs.",
        ),
        actor_id=MOD,
    )
    await store.writes.add(make_review("Heat", 1995, body="No ghosts here."), actor_id=MOD)

    for query in ("andrew scott", "romance", "hauntings", "cafe", "CAFÉ", '"Andrew Scott"'):
        assert await titles(store, query) == ["All of Us Strangers"], query


async def test_quoted_phrases_excluded_words_and_or_work_as_web_search_does(
    store: Store,
) -> None:
    await store.writes.add(make_review("A", 2001, body="a ghost story set in london"), actor_id=MOD)
    await store.writes.add(
        make_review("B", 2002, body="london has a story about a ghost"), actor_id=MOD
    )
    await store.writes.add(make_review("C", 2003, body="a ghost in paris"), actor_id=MOD)

    assert sorted(await titles(store, "ghost london")) == ["A", "B"]
    assert await titles(store, '"ghost story"') == ["A"]
    assert await titles(store, "ghost -london") == ["C"]
    assert sorted(await titles(store, 'ghost -"story set"')) == ["B", "C"]
    assert sorted(await titles(store, "paris or story")) == ["A", "B", "C"]


async def test_a_query_of_only_common_words_or_exclusions_searches_nothing(store: Store) -> None:
    await store.writes.add(make_review("A", 2001, body="the film was what it was"), actor_id=MOD)
    for query in ("", "   ", "the", "was it", "-film", '"" - ( ) * :', "or or"):
        page = await store.search.search(query, guild_id=None)
        assert (page.total, page.hits, page.corrections) == (0, (), ()), query


# -- scope -------------------------------------------------------------------------------------


async def test_a_server_sees_global_and_its_own_reviews_never_another_servers(
    store: Store,
) -> None:
    await store.writes.add(make_review("Global Ghost", 2000, body="a ghost"), actor_id=MOD)
    await store.writes.add(
        make_review("A's Ghost", 2001, body="a ghost", scope=GUILD_A), actor_id=MOD
    )
    await store.writes.add(
        make_review("B's Ghost", 2002, body="a ghost", scope=GUILD_B), actor_id=MOD
    )

    assert sorted(await titles(store, "ghost", GUILD_A)) == ["A's Ghost", "Global Ghost"]
    assert sorted(await titles(store, "ghost", GUILD_B)) == ["B's Ghost", "Global Ghost"]
    assert await titles(store, "ghost") == ["Global Ghost"]
    assert (await store.search.search("ghost", guild_id=GUILD_A)).total == 2


@pytest.mark.parametrize("listed", [True, False], ids=["ids listed", "many: a subquery"])
async def test_a_servers_own_review_shadows_the_global_one_in_search(
    store: Store, monkeypatch: pytest.MonkeyPatch, listed: bool
) -> None:
    if not listed:
        monkeypatch.setattr(filters, "MAX_LISTED_SHADOWS", 0)
    await store.writes.add(make_review("Heat", 1995, body="a heist in los angeles"), actor_id=MOD)
    own = await store.writes.add(
        make_review("Heat", 1995, body="our heist review", scope=GUILD_A), actor_id=MOD
    )

    page = await store.search.search("heist", guild_id=GUILD_A)
    assert [hit.review.id for hit in page.hits] == [own.id]
    assert page.total == 1
    assert [
        hit.review.scope for hit in (await store.search.search("heist", guild_id=None)).hits
    ] == [None]
    pick = await store.search.random_match("heist", guild_id=GUILD_A, channel_id=5)
    assert pick.review is not None and pick.review.id == own.id


# -- filters and pages ---------------------------------------------------------------------------


async def test_filters_narrow_a_search_as_they_narrow_random(store: Store) -> None:
    await store.writes.import_reviews(
        [
            make_review("Old Ghost", 1962, score=8.5, genres=("Horror",), body="ghost"),
            make_review("New Ghost", 2019, score=6.0, genres=("Horror",), body="ghost"),
            make_review(
                "Drama Ghost",
                2018,
                score=9.0,
                genres=("Drama",),
                directors=("Jo Lee",),
                body="ghost",
            ),
        ],
        actor_id=None,
    )
    cases = {
        ReviewFilters(genre="horror"): ["New Ghost", "Old Ghost"],
        ReviewFilters(min_score=8): ["Drama Ghost", "Old Ghost"],
        ReviewFilters(year_from=1960, year_to=1969): ["Old Ghost"],
        ReviewFilters(director="jo lee"): ["Drama Ghost"],
        ReviewFilters(genre="Comedy"): [],
    }
    for narrowed, expected in cases.items():
        assert sorted(await titles(store, "ghost", filters=narrowed)) == expected, narrowed


async def test_pages_list_every_match_once_in_rank_order(store: Store) -> None:
    await store.writes.import_reviews(
        [make_review(f"Film {n:02}", 2000 + n, body="ghost " * (1 + n % 4)) for n in range(23)]
        + [make_review(f"Ghost {n}", 1990 + n, body="a ghost") for n in range(3)],
        actor_id=None,
    )
    pages = [
        await store.search.search("ghost", guild_id=None, page=n, page_size=10) for n in range(4)
    ]

    listed = [hit.review.title for page in pages for hit in page.hits]
    assert [page.total for page in pages] == [26] * 4
    assert pages[0].pages == 3 and pages[3].hits == ()
    assert sorted(listed) == sorted({*listed}) and len(listed) == 26
    assert listed[:3] == sorted(listed[:3]) and all(
        title.startswith("Ghost") for title in listed[:3]
    )


async def test_ranking_a_tier_at_a_time_orders_as_ranking_all_at_once(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past MAX_COUNTED matches each tier is ranked alone; the order must not change."""
    await store.writes.import_reviews(
        [
            make_review(f"Film {n:02}", 2000 + n, body="ghost story " * (1 + n % 5))
            for n in range(14)
        ]
        + [make_review(f"Ghost {n}", 1990 + n, tagline="a story") for n in range(4)]
        + [
            make_review(f"Tale {n}", 1980 + n, verdict_text=f"A ghost story, {n}") for n in range(5)
        ],
        actor_id=None,
    )

    async def listing() -> list[str]:
        pages = [
            await store.search.search("ghost story", guild_id=None, page=n, page_size=4)
            for n in range(7)
        ]
        return [hit.review.title for page in pages for hit in page.hits]

    at_once = await listing()
    monkeypatch.setattr(store_search, "MAX_COUNTED", 1)
    assert await listing() == at_once
    assert [title[:4] for title in at_once[:9]] == ["Ghos"] * 4 + ["Tale"] * 5
    assert len(at_once) == 23


async def test_matches_are_counted_up_to_a_cap(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_search, "MAX_COUNTED", 5)
    await store.writes.import_reviews(
        [make_review(f"Film {n}", 2000 + n, body="ghost") for n in range(8)], actor_id=None
    )
    page = await store.search.search("ghost", guild_id=None, page_size=3)
    assert page.total == 5 and len(page.hits) == 3
    assert page.counted_to_cap
    assert not (await store.search.search("ghost film 1", guild_id=None)).counted_to_cap


# -- snippets --------------------------------------------------------------------------------------


async def test_the_snippet_is_one_line_around_the_matched_words_which_it_marks(
    store: Store,
) -> None:
    body = (
        "An opening that says nothing much at all about it. " * 4
        + "Then the ghost\n\nof a London summer returns. "
        + "And a close that says nothing either. " * 4
    )
    await store.writes.add(
        make_review("Summer", 2003, verdict_text="Warm.", body=body), actor_id=MOD
    )

    [hit] = (await store.search.search("ghost london", guild_id=None)).hits
    snippet = hit.snippet
    assert snippet is not None and snippet.field == "body"
    assert "\n" not in snippet.text and "ghost of a London summer" in snippet.text
    assert [word.casefold() for word in snippet.matched_words] == ["ghost", "london"]
    assert snippet.cut_before and snippet.cut_after


async def test_spoilers_stay_marked_as_spoilers_in_a_snippet(store: Store) -> None:
    await store.writes.add(
        make_review("Twist", 1999, verdict_text="", body="It starts well. ||He was a ghost.||"),
        actor_id=MOD,
    )
    [hit] = (await store.search.search("ghost", guild_id=None)).hits
    assert hit.snippet is not None
    spoiled = [part for part in hit.snippet.parts if part.spoiler]
    assert "".join(part.text for part in spoiled) == "He was a ghost."
    assert [part.text for part in spoiled if part.matched] == ["ghost"]
    assert "||" not in hit.snippet.text


# -- typos --------------------------------------------------------------------------------------


async def test_an_unknown_word_is_searched_as_the_nearest_word_and_said(store: Store) -> None:
    await store.writes.add(
        make_review("Aftersun", 2022, body="grief and a haunting summer"), actor_id=MOD
    )
    await store.writes.add(make_review("Ghosts", 2010, body="ghost stories"), actor_id=MOD)

    page = await store.search.search("greif", guild_id=None)
    assert [hit.review.title for hit in page.hits] == ["Aftersun"]
    assert [(c.typed, c.searched) for c in page.corrections] == [("greif", "grief")]
    page = await store.search.search("hauntng summer", guild_id=None)
    assert [(c.typed, c.searched) for c in page.corrections] == [("hauntng", "haunting")]
    assert [hit.review.title for hit in page.hits] == ["Aftersun"]
    page = await store.search.search("ghost storeis", guild_id=None)
    assert [(c.typed, c.searched) for c in page.corrections] == [("storeis", "stories")]


async def test_the_whole_first_letter_is_read_only_for_a_slip_no_cheaper_range_mends(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store.writes.add(make_review("Ghosts", 2010, body="ghost stories"), actor_id=MOD)
    engine = store.search._engine
    read: list[str] = []
    vocabulary = engine.vocabulary

    async def recorded(db: object, first: str) -> list[tuple[str, int]]:
        read.append(first)
        return await vocabulary(db, first)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "vocabulary", recorded)
    corrected = {}
    for typed in ("gohst", "gxhost", "gost", "ghoxtz"):
        read.clear()
        page = await store.search.search(typed, guild_id=None)
        corrected[typed] = ([(c.typed, c.searched) for c in page.corrections], list(read))

    assert corrected == {
        "gohst": ([("gohst", "ghost")], ["go", "gh"]),  # swapped with the third
        "gxhost": ([("gxhost", "ghost")], ["gx", "gh"]),  # a letter slipped in before it
        "gost": ([("gost", "ghost")], ["go", "gs", "g"]),  # dropped: the whole letter
        # Two slips from a stem of the cheap ranges: taken, not the whole letter read.
        "ghoxtz": ([("ghoxtz", "ghost")], ["gh", "go"]),
    }


async def test_known_words_nonsense_and_short_words_are_not_corrected(store: Store) -> None:
    await store.writes.add(make_review("Aftersun", 2022, body="grief and summer"), actor_id=MOD)
    await store.writes.add(make_review("Heat", 1995, body="a heist"), actor_id=MOD)

    for query in ("xqzvkw", "gre", "heist xqzvkw"):
        page = await store.search.search(query, guild_id=None)
        assert page.corrections == (), query
    assert (await store.search.search("xqzvkw", guild_id=None)).total == 0


async def test_when_no_review_holds_every_word_those_holding_the_most_come_first(
    store: Store,
) -> None:
    await store.writes.add(
        make_review("Aftersun", 2022, body="grief and a summer holiday"), actor_id=MOD
    )
    await store.writes.add(make_review("Heat", 1995, body="a heist, then grief"), actor_id=MOD)
    await store.writes.add(make_review("Jaws", 1975, body="a shark in summer"), actor_id=MOD)

    page = await store.search.search("grief summer holiday heist", guild_id=None)
    assert page.relaxed and page.total == 3
    assert [hit.review.title for hit in page.hits] == ["Aftersun", "Heat", "Jaws"]
    strict = await store.search.search("summer grief", guild_id=None)
    assert not strict.relaxed and [hit.review.title for hit in strict.hits] == ["Aftersun"]
    unknown = await store.search.search("xqzvkw grief", guild_id=None)
    assert unknown.relaxed and {hit.review.title for hit in unknown.hits} == {"Aftersun", "Heat"}


# -- /random about: --------------------------------------------------------------------------------


async def test_a_random_pick_about_words_draws_only_among_matches_without_repeats(
    store: Store,
) -> None:
    await store.writes.import_reviews(
        [make_review(f"Ghost {n}", 2000 + n, body="a ghost") for n in range(4)]
        + [make_review(f"Other {n}", 1980 + n, body="a heist") for n in range(10)]
        + [make_review("Theirs", 1970, body="a ghost", scope=GUILD_B)],
        actor_id=None,
    )
    picks = [
        await store.search.random_match("ghost", guild_id=GUILD_A, channel_id=9) for _ in range(4)
    ]
    assert sorted(pick.review.title for pick in picks if pick.review) == [
        f"Ghost {n}" for n in range(4)
    ]
    typo = await store.search.random_match("gohst", guild_id=GUILD_A, channel_id=9)
    assert typo.review is not None and typo.review.title.startswith("Ghost")
    assert [(c.typed, c.searched) for c in typo.corrections] == [("gohst", "ghost")]
    assert (await store.search.random_match("zebra", guild_id=None, channel_id=9)).review is None


# -- kept in step with every write -----------------------------------------------------------------


async def test_every_kind_of_write_keeps_the_index_in_step(store: Store, database: str) -> None:
    heat = await store.writes.add(
        make_review("Heat", 1995, body="a heist in los angeles"), actor_id=MOD
    )
    assert await titles(store, "heist") == ["Heat"]

    await store.writes.update(heat.id, {"body": "a bank job downtown"}, actor_id=MOD, scope=None)
    assert await titles(store, "heist") == [] and await titles(store, "bank job") == ["Heat"]
    await store.writes.update(heat.id, {"score": 7.0}, actor_id=MOD, scope=None)
    await store.writes.add_alias(heat.id, "Showdown in LA", actor_id=MOD, scope=None)
    assert await titles(store, "showdown") == ["Heat"]

    await store.writes.delete(heat.id, actor_id=MOD, scope=None)
    assert await titles(store, "bank") == []
    await store.writes.restore(heat.id, actor_id=MOD, scope=None)
    assert await titles(store, "bank") == ["Heat"]

    await store.writes.import_reviews(
        [
            make_review("Heat", 1995, body="an imported heist"),
            make_review("Ronin", 1998, body="a car chase through paris"),
        ],
        actor_id=None,
    )
    assert await titles(store, "imported heist") == ["Heat"]
    assert await titles(store, "bank") == []
    assert await titles(store, "car chase") == ["Ronin"]
    await store.writes.import_reviews(
        [make_review("Heat", 1995, body="an imported heist", score=1.0)], actor_id=None
    )
    await store.writes.remove_samples(actor_id=MOD)
    await assert_index_in_step(store, database)


async def test_an_import_that_fails_leaves_the_index_as_it_was(store: Store, database: str) -> None:
    await store.writes.add(make_review("Heat", 1995, body="a heist"), actor_id=MOD)

    def films() -> Iterator[ReviewDraft]:
        yield make_review("Heat", 1995, body="rewritten by a bad file")
        yield make_review("Ronin", 1998, body="a car chase")
        raise ImportFailed("films.json", ["item 3, year: year is required"])

    with pytest.raises(ImportFailed):
        await store.writes.import_reviews(films(), actor_id=None)
    assert await titles(store, "heist") == ["Heat"]
    assert await titles(store, "chase") == [] and await titles(store, "rewritten") == []
    await assert_index_in_step(store, database)


async def test_a_sqlite_import_undone_after_some_chunks_takes_its_words_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with await Store.open(tmp_path / "reviews.db") as store:
        await store.writes.add(make_review("Heat", 1995, body="a heist"), actor_id=MOD)
        monkeypatch.setattr(bulk, "FIRST_CHUNK_ROWS", 10)
        monkeypatch.setattr(bulk, "MAX_CHUNK_ROWS", 10)
        apply_chunk = bulk.BulkImport._apply_chunk

        def failing(self: bulk.BulkImport, import_id: int, low: int, high: int) -> None:
            if low >= 30:
                raise sqlite3.OperationalError("disk I/O error")
            apply_chunk(self, import_id, low, high)

        monkeypatch.setattr(bulk.BulkImport, "_apply_chunk", failing)
        films = [make_review("Heat", 1995, body="an overwritten heist")]
        films += [make_review(f"Film {n}", 2000, body="a chase") for n in range(50)]
        with pytest.raises(sqlite3.OperationalError):
            await store.writes.import_reviews(films, actor_id=None)

        assert await titles(store, "heist") == ["Heat"]
        assert await titles(store, "overwritten") == [] and await titles(store, "chase") == []
        await assert_index_in_step(store, str(tmp_path / "reviews.db"))


# -- migration -----------------------------------------------------------------------------------


async def test_a_sqlite_catalog_from_before_search_is_indexed_by_its_migration(
    tmp_path: Path,
) -> None:
    path = make_old_database(tmp_path / "old.db", 6)
    async with await Store.open(path) as store:
        assert await titles(store, "heat") == ["Heat"]
        await assert_index_in_step(store, str(path))


async def test_a_postgresql_catalog_from_before_search_is_indexed_by_its_migration(
    postgres_server: PostgresServer,
) -> None:
    url = new_postgres_database(postgres_server)
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("CREATE TABLE reviewbot_schema (version INTEGER NOT NULL)")
        await connection.execute("INSERT INTO reviewbot_schema (version) VALUES (6)")
        for migration in POSTGRESQL_MIGRATIONS:
            if migration.version <= 6:
                await connection.execute(migration.sql)
        await connection.execute(
            "INSERT INTO reviews (scope, title, title_key, identity, film_key, year, tagline, "
            "created_at, updated_at) VALUES (0, 'Heat', 'heat', 'film:heat', 'heat', 1995, "
            "'A Los Angeles crime saga', 'then', 'then')"
        )
    finally:
        await connection.close()
    async with await Store.open(url) as store:
        assert await titles(store, "saga") == ["Heat"]
        await assert_index_in_step(store, url)
