"""The real reviewbot, connected to the loopback Discord, over a test catalog."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.catalog import STARTER_CATALOG
from bot.client import create_bot
from bot.config import Settings
from bot.importers import read_review_file
from bot.models import ReviewDraft
from bot.store import Store
from standin import LoopbackDiscord, default_stand_in
from tests.conftest import make_review
from tests.e2e.harness import APPLICATION_ID, OWNER_ID, BotRun, running_bot

# Beside the starter catalog: films that share titles, for ambiguity tests.
EXTRA_FILMS = [
    make_review(
        "Heat",
        1986,
        directors=("Dick Richards",),
        cast=("Burt Reynolds", "Karen Young"),
        runtime=101,
        score=4.5,
        verdict="Mixed",
        verdict_text="A Burt Reynolds vehicle that stalls more than it drives.",
        genres=("Action",),
    ),
    make_review(
        "Arrival",
        1980,
        directors=("A. Nonymous",),
        cast=("Test Actor",),
        runtime=90,
        score=5.0,
        verdict="Mixed",
        verdict_text="A forgotten B-picture that shares its name with a better film.",
        genres=("Science Fiction",),
    ),
    make_review(
        "All of Us Strangers",
        2023,
        tagline="A test tagline for a ghost story.",
        directors=("Andrew Haigh",),
        cast=("Andrew Scott", "Paul Mescal", "Claire Foy", "Jamie Bell"),
        runtime=105,
        score=9.5,
        verdict="Masterpiece",
        verdict_text="Written for the tests: a quiet film that lands hard. It stays with you.",
        body="First paragraph of the test review.\n\nSecond paragraph with ||a spoiler||.",
        review_url="https://reviews.example/all-of-us-strangers",
        genres=("Drama", "Romance"),
        aliases=("AOUS",),
    ),
]


def with_starter(*films: ReviewDraft) -> list[ReviewDraft]:
    """The starter catalog plus ``films``, which replace its reviews of the same films
    (the test review of a film has its own link, so it is another review to the store)."""
    replaced = {film.film for film in films}
    starter = [
        review for review in read_review_file(STARTER_CATALOG) if review.film not in replaced
    ]
    return [*starter, *films]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_path=tmp_path / "reviews.db",
        owner_ids=frozenset({OWNER_ID}),
        command_prefix="!",
    )


@pytest.fixture
async def catalog_store(settings: Settings) -> AsyncIterator[Store]:
    store = await Store.open(settings.database_path)
    await store.writes.import_reviews(with_starter(*EXTRA_FILMS), actor_id=None)
    yield store
    await store.close()


@pytest.fixture
async def run(settings: Settings, catalog_store: Store) -> AsyncIterator[BotRun]:
    """A connected bot; ``run.discord`` drives it as members would."""
    async with running_bot(
        lambda: create_bot(settings, store=catalog_store, application_id=APPLICATION_ID)
    ) as connected:
        yield connected


@pytest.fixture
async def stand_in() -> AsyncIterator[LoopbackDiscord]:
    """One Discord that outlives the bot processes of a test (a module may bring its own:
    a sharded one, or one over a prepared catalog)."""
    discord = default_stand_in()
    await discord.start()
    yield discord
    await discord.close()
