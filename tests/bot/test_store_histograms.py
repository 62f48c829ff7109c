"""The counts a /stats chart draws, on both engines: by half-point score, decade, genre."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bot.histograms import CatalogHistograms
from bot.models import ReviewFilters
from bot.store import Store
from tests.conftest import make_review

GUILD = 111


@pytest.fixture
async def store(database: str) -> AsyncIterator[Store]:
    opened = await Store.open(database)
    yield opened
    await opened.close()


async def test_an_empty_catalog_has_no_counts(store: Store) -> None:
    histograms = await store.histograms(ReviewFilters(), guild_id=None)
    assert histograms == CatalogHistograms(total=0)
    assert histograms.scored == 0


async def test_scores_fall_in_half_point_bins_by_their_lower_edge(store: Store) -> None:
    scores = [0.0, 0.4, 0.5, 6.9, 7.0, 7.4, 7.5, 7.9, 9.9, 10.0, None]
    films = [make_review(f"Film {n}", 1990 + n, score=s) for n, s in enumerate(scores)]
    await store.import_reviews(films, actor_id=None)
    histograms = await store.histograms(ReviewFilters(), guild_id=None)
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
    await store.import_reviews(films, actor_id=None)
    histograms = await store.histograms(ReviewFilters(), guild_id=None)
    assert histograms.by_decade == {1950: 1, 1960: 2, 2000: 1, 2010: 1}
    assert [n for _, n in histograms.by_genre] == [3, 2, 1]
    assert histograms.by_genre[0] == ("Drama", 3)
    assert histograms.by_genre[1][0].casefold() == "comedy"
    assert histograms.by_genre[2] == ("War", 1)
    two = await store.histograms(ReviewFilters(), guild_id=None, genres=2)
    assert two.by_genre == histograms.by_genre[:2]


async def test_filters_chart_a_slice_and_a_guild_sees_its_own_reviews_over_the_global_ones(
    store: Store,
) -> None:
    heat = make_review("Heat", 1995, score=9.0, genres=("Crime",))
    await store.import_reviews(
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
    await store.add(replace(heat, score=4.0, scope=GUILD), actor_id=1)
    nineties = ReviewFilters(year_from=1990, year_to=1999)
    assert (await store.histograms(nineties, guild_id=None)).by_score == {9.0: 1}
    guild = await store.histograms(nineties, guild_id=GUILD)
    assert guild.total == 1
    assert guild.by_score == {4.0: 1}
    everything = await store.histograms(ReviewFilters(), guild_id=GUILD)
    assert everything.by_decade == {1990: 1, 2010: 1}
    villeneuve = await store.histograms(ReviewFilters(director="denis villeneuve"), guild_id=None)
    assert villeneuve.by_score == {8.0: 1}
    crime = await store.histograms(ReviewFilters(genre="crime"), guild_id=None)
    assert (crime.total, crime.by_genre) == (1, [("Crime", 1)])
