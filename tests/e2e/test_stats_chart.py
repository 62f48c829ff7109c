"""/stats through real discord.py: an embed whose image is the attached chart.

The PNG is decoded (Pillow) at the size bot/charts.py documents, for an empty, a
one-review and a large catalog (58,788 reviews with REVIEWBOT_HEAVY=1, the benchmarks'
catalog; 10,000 by default); a second /stats draws nothing new; a slice
(genre, decade, director) is its own chart; and a `reviewbot import` beside the
running bot reaches the next /stats through the change feed.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from PIL import Image

from bot.charts import HEIGHT_PX, WIDTH_PX
from bot.client import ReviewBot, create_bot
from bot.config import Settings
from bot.embeds import CHART_FILE
from bot.models import ReviewDraft
from bot.store import Store
from standin import InteractionResult
from tests.conftest import make_review, volume
from tests.e2e.harness import APPLICATION_ID, MEMBER_ID, BotRun, running_bot
from tests.reliability.processes import WAIT_LIMIT, child, film_records, reviewbot, write_json

# The size of the catalog the benchmarks use; by default one with thousands of reviews in a
# bar too, which takes a sixth of the time to import.
LARGE_CATALOG = volume(10_000, heavy=58_788)
# A bound on waiting, not a speed claim: the first chart starts the render process.
CHART_WITHIN = 60.0
GENRES = ("Drama", "Comedy", "Action", "Documentary", "Romance", "Animation", "Short")


def generated_films(count: int) -> list[ReviewDraft]:
    """``count`` distinct reviews spread over scores, decades and genres."""
    return [
        make_review(
            f"Generated Film {n}",
            1900 + n % 120,
            directors=(f"Director {n % 400}",),
            cast=(),
            score=None if n % 50 == 0 else (n * 7 % 101) / 10,
            verdict="Recommended",
            verdict_text=f"Review {n}.",
            genres=(GENRES[n % len(GENRES)], GENRES[n * 3 % len(GENRES)]),
        )
        for n in range(count)
    ]


def chart_bot(run: BotRun) -> ReviewBot:
    assert isinstance(run.bot, ReviewBot)
    return run.bot


def decoded_chart(result: InteractionResult) -> Image.Image:
    message = result.message
    embed = message.embed(0)
    assert embed["image"]["url"] == f"attachment://{CHART_FILE}"
    assert list(message.attachments) == [CHART_FILE]
    image = Image.open(io.BytesIO(message.attachments[CHART_FILE]))
    assert image.format == "PNG"
    image.load()  # the whole image decodes, not just its header
    return image


def reviews_shown(result: InteractionResult) -> int:
    fields = {field["name"]: field["value"] for field in result.message.embed(0)["fields"]}
    return int(fields["Reviews"])


@asynccontextmanager
async def bot_over(tmp_path: Path, films: list[ReviewDraft]) -> AsyncIterator[BotRun]:
    settings = Settings(database_path=tmp_path / "reviews.db")
    async with await Store.open(settings.database_path) as store:
        if films:
            await store.writes.import_reviews(films, actor_id=None)
        async with running_bot(
            lambda: create_bot(settings, store=store, application_id=APPLICATION_ID)
        ) as run:
            yield run


@pytest.mark.parametrize("size", [0, 1, LARGE_CATALOG], ids=lambda n: f"{n}-reviews")
async def test_stats_attaches_a_chart_of_the_documented_size_drawn_once(
    tmp_path: Path, size: int
) -> None:
    async with bot_over(tmp_path, generated_films(size)) as run:
        first = await run.discord.slash("stats", user=MEMBER_ID, within=CHART_WITHIN)
        assert not first.ephemeral
        assert decoded_chart(first).size == (WIDTH_PX, HEIGHT_PX)
        assert reviews_shown(first) == size
        assert chart_bot(run).charts.renders == 1

        second = await run.discord.slash("stats", user=MEMBER_ID, within=CHART_WITHIN)
        assert decoded_chart(second).size == (WIDTH_PX, HEIGHT_PX)
        assert reviews_shown(second) == size
        assert chart_bot(run).charts.renders == 1  # the cached chart, not drawn again
        assert second.callback_types == [4]  # and answered at once, with no deferral


async def test_a_slice_is_charted_on_its_own_and_an_empty_one_says_which_option_emptied_it(
    run: BotRun,
) -> None:
    bot = chart_bot(run)
    whole = await run.discord.slash("stats", user=MEMBER_ID, within=CHART_WITHIN)
    drama = await run.discord.slash(
        "stats",
        {"genre": "Drama", "decade": 2020, "director": "haigh"},
        user=MEMBER_ID,
        within=CHART_WITHIN,
    )
    assert decoded_chart(drama).size == (WIDTH_PX, HEIGHT_PX)
    assert reviews_shown(drama) == 1  # All of Us Strangers
    assert reviews_shown(drama) < reviews_shown(whole)
    assert drama.message.embed(0)["description"] == (
        "genre: Drama · decade: 2020s · director: haigh"
    )
    assert bot.charts.renders == 2
    again = await run.discord.slash(
        "stats",
        {"genre": "Drama", "decade": 2020, "director": "haigh"},
        user=MEMBER_ID,
        within=CHART_WITHIN,
    )
    assert decoded_chart(again).size == (WIDTH_PX, HEIGHT_PX)
    assert bot.charts.renders == 2

    nothing = await run.discord.slash("stats", {"genre": "Drama", "decade": 1900}, user=MEMBER_ID)
    assert nothing.ephemeral
    assert "`decade`" in nothing.message.content
    assert not nothing.message.attachments


async def test_a_cli_import_beside_the_bot_reaches_the_next_stats(
    run: BotRun, settings: Settings, tmp_path: Path
) -> None:
    bot = chart_bot(run)
    before = reviews_shown(await run.discord.slash("stats", user=MEMBER_ID, within=CHART_WITHIN))
    films = write_json(tmp_path / "films.json", film_records(3, prefix="Imported Film"))
    async with child(
        *reviewbot(settings.database_path, "import", str(films)), cwd=tmp_path
    ) as process:
        stdout, stderr = await asyncio.wait_for(process.communicate(), WAIT_LIMIT)
    assert process.returncode == 0, stderr.decode()[-2000:]
    assert stdout.decode().startswith("Imported 3 review(s)")
    await until(lambda: len(bot.catalog.finder.index) == before + 3)  # the feed told it

    after = await run.discord.slash("stats", user=MEMBER_ID, within=CHART_WITHIN)
    assert reviews_shown(after) == before + 3
    assert decoded_chart(after).size == (WIDTH_PX, HEIGHT_PX)
    assert bot.charts.renders == 2  # drawn again: the feed's change invalidated the first


async def until(condition: Callable[[], bool]) -> None:
    """Wait for another process's change to reach the bot (a bound, not a speed claim)."""

    async def poll() -> None:
        while not condition():  # noqa: ASYNC110 - another process's effect: no event to await
            await asyncio.sleep(0.05)

    await asyncio.wait_for(poll(), WAIT_LIMIT)
