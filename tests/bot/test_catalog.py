"""The catalog: finding the film a message names, and telling listeners what was published."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.catalog import Catalog
from bot.catalog_sync import Published
from bot.store import CatalogBusy
from tests.conftest import make_review

GUILD = 111


@pytest.fixture
async def catalog(tmp_path: Path) -> AsyncIterator[Catalog]:
    opened = await Catalog.open(tmp_path / "reviews.db")  # a new database starts empty
    for review in (
        make_review("All of Us Strangers", 2023, aliases=("AOUS",)),
        make_review("Heat", 1995),
        make_review("The Dark Knight", 2008),
        make_review("Us", 2019),
        make_review("Guild Only Film", 2020, scope=GUILD),
    ):
        await opened.curation.add(review, actor_id=None)
    yield opened
    await opened.close()


# -- looking a film up ----------------------------------------------------------------


async def test_lookup_of_an_exact_title_is_the_card(catalog: Catalog) -> None:
    found = await catalog.finder.lookup("the dark knight", None)
    assert found.best is not None and found.best.title == "The Dark Knight"
    assert found.exact and found.menu == []


async def test_lookup_of_a_near_title_is_a_closest_match(catalog: Catalog) -> None:
    found = await catalog.finder.lookup("the dark knigt", None)
    assert found.best is not None and found.best.title == "The Dark Knight"
    assert not found.exact


async def test_lookup_of_a_weak_hit_has_no_card_but_offers_it(catalog: Catalog) -> None:
    await catalog.curation.add(make_review("Brigadoon", 1954), actor_id=None)
    found = await catalog.finder.lookup("brifadoom", None)  # one word, two slips
    assert found.best is None
    assert [review.title for review in found.menu] == ["Brigadoon"]


async def test_lookup_with_no_hit_offers_the_nearest_titles(catalog: Catalog) -> None:
    await catalog.curation.add(make_review("Blade Runner", 1982), actor_id=None)
    found = await catalog.finder.lookup("blade runner 2049", None)
    assert found.best is None
    assert [review.title for review in found.menu][:1] == ["Blade Runner"]


# -- finding a film in a message ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("has anyone seen all of us strangers yet?", "All of Us Strangers"),
        ("ALL OF US STRANGERS!!!", "All of Us Strangers"),
        ("just saw AOUS again", "All of Us Strangers"),
        ("rewatching dark knight, the tonight", "The Dark Knight"),
        ("heat (1995) or the dark knight?", "The Dark Knight"),  # the longest run wins
        ("all of us strangers", "All of Us Strangers"),  # not "Us", inside it
        ("have you seen Us? so creepy", "Us"),
        ("heat", "Heat"),
    ],
)
async def test_find_in_text_reads_the_longest_title_a_message_names(
    catalog: Catalog, text: str, expected: str
) -> None:
    found = await catalog.finder.find_in_text(text, None)
    assert found is not None and found.title == expected


@pytest.mark.parametrize(
    "text",
    ["good morning", "", "all of them strangers", "heaat", "tell us more", "Us and them are here"],
)
async def test_find_in_text_finds_nothing_without_an_exact_title(
    catalog: Catalog, text: str
) -> None:
    assert await catalog.finder.find_in_text(text, None) is None


async def test_find_in_text_sees_a_guilds_own_reviews_only_in_that_guild(
    catalog: Catalog,
) -> None:
    assert await catalog.finder.find_in_text("loved guild only film", None) is None
    found = await catalog.finder.find_in_text("loved guild only film", GUILD)
    assert found is not None and found.title == "Guild Only Film"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(before=st.text(max_size=80), after=st.text(max_size=2000))
async def test_find_in_text_finds_a_title_whatever_surrounds_it(
    catalog: Catalog, before: str, after: str
) -> None:
    # At most 40 words come before it, within the 50 words a message is read for.
    found = await catalog.finder.find_in_text(f"{before} all of us strangers {after}", None)
    assert found is not None and found.title == "All of Us Strangers"


# -- publishing -----------------------------------------------------------------------


async def test_add_and_import_tell_listeners_only_of_new_reviews(catalog: Catalog) -> None:
    heard: list[Published] = []

    async def listen(event: Published) -> None:
        heard.append(event)

    catalog.sync.on_published(listen)
    await catalog.curation.add(make_review("Arrival", 2016), actor_id=None)
    changed_heat = make_review("Heat", 1995, score=8.0)
    await catalog.curation.import_reviews(
        [changed_heat, make_review("Paddington 2", 2017)], actor_id=None
    )
    await catalog.curation.import_reviews(
        [make_review("Dry Run Film", 2001)], actor_id=None, dry_run=True
    )
    await catalog.curation.import_reviews([changed_heat], actor_id=None)  # unchanged: nothing new

    assert [(e.source, [r.title for r in e.reviews]) for e in heard] == [
        ("add", ["Arrival"]),
        ("import", ["Paddington 2"]),
    ]
    assert all(review.id is not None for event in heard for review in event.reviews)


async def test_a_failing_listener_is_logged_and_never_breaks_the_add(
    catalog: Catalog, caplog: pytest.LogCaptureFixture
) -> None:
    heard: list[Published] = []

    async def broken(event: Published) -> None:
        raise RuntimeError("listener on fire")

    async def listen(event: Published) -> None:
        heard.append(event)

    catalog.sync.on_published(broken)
    catalog.sync.on_published(listen)
    with caplog.at_level(logging.ERROR):
        stored = await catalog.curation.add(make_review("Arrival", 2016), actor_id=None)

    assert stored.id is not None
    assert await catalog.finder.get(stored.id, None) is not None
    assert len(heard) == 1
    assert "listener on fire" in caplog.text


async def test_an_add_whose_miss_cannot_be_cleared_is_still_an_add(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The review is stored before the miss is cleared: reporting the add as failed
    (busy) would send the moderator to retry into a duplicate."""
    heard: list[Published] = []

    async def listen(event: Published) -> None:
        heard.append(event)

    async def busy(scope: int | None, title: str) -> None:
        raise CatalogBusy()

    catalog.sync.on_published(listen)
    monkeypatch.setattr(catalog._store.guilds, "clear_miss", busy)
    with caplog.at_level(logging.WARNING):
        stored = await catalog.curation.add(make_review("Arrival", 2016), actor_id=None)

    assert await catalog.finder.get(stored.id, None) == stored
    assert [event.reviews for event in heard] == [(stored,)]
    assert "not cleared" in caplog.text


async def test_find_in_text_shows_a_guilds_own_review_of_a_global_film(catalog: Catalog) -> None:
    own = await catalog.curation.add(
        make_review("Heat", 1995, score=2.0, scope=GUILD), actor_id=None
    )

    found = await catalog.finder.find_in_text("heat", GUILD)
    elsewhere = await catalog.finder.find_in_text("heat", None)

    assert found is not None and found.id == own.id
    assert elsewhere is not None and elsewhere.scope is None
