"""One film, one card per server: a server's own review of a film stands in for the
global one in every lookup, autocomplete, /top, /random and /similar, and a film is
never similar to itself.
"""

from __future__ import annotations

import pytest

from bot.models import Review, ReviewDraft
from bot.ratelimit import MemberBudget
from bot.store import Store
from standin import SentMessage
from tests.conftest import make_review
from tests.e2e.harness import GUILD_ID, MODERATOR_ID, OTHER_CHANNEL_ID, BotRun

OUR_HEAT = make_review(
    "Heat", 1995, score=2.0, verdict="Overrated", reviewer="Our Club", genres=("Crime",)
)


def store_of(run: BotRun) -> Store:
    return run.bot.catalog._store  # type: ignore[attr-defined,no-any-return]


@pytest.fixture
async def ours(run: BotRun) -> Review:
    """This server's own review of Heat (1995), which the global catalog also has."""
    review: Review = await run.bot.catalog.curation.add(  # type: ignore[attr-defined]
        ReviewDraft(**{**OUR_HEAT.content(), "directors": ("Michael Mann",)}, scope=GUILD_ID),
        actor_id=MODERATOR_ID,
    )
    return review


async def global_heat(run: BotRun) -> Review:
    [heat] = await store_of(run).reviews.find_by_title("Heat", 1995, scope=None)
    return heat


def footer(message: SentMessage) -> str:
    return str(message.embed()["footer"]["text"])


async def test_review_shows_the_servers_own_card(run: BotRun, ours: Review) -> None:
    result = await run.discord.slash("review", {"title": "heat 1995"})

    assert result.message.embed()["title"] == "Heat (1995)"
    assert footer(result.message).endswith(f"#{ours.id}")


async def test_did_you_mean_lists_the_film_once(run: BotRun, ours: Review) -> None:
    result = await run.discord.slash("review", {"title": "heat"})

    [menu] = result.message.select_menus()
    labels = [option["label"] for option in menu["options"]]
    assert len(labels) == len(set(labels))
    assert "Heat (1986)" in labels or result.message.embed()["title"] == "Heat (1986)"


async def test_autocomplete_offers_the_film_once_as_the_servers(run: BotRun, ours: Review) -> None:
    choices = await run.discord.autocomplete("review", {"title": "heat"}, focused="title")

    heat_1995 = [choice for choice in choices if choice["name"] == "Heat (1995)"]
    assert [choice["value"] for choice in heat_1995] == [f"id:{ours.id}"]


async def test_an_autocomplete_pick_of_the_global_copy_shows_the_servers(
    run: BotRun, ours: Review
) -> None:
    shadowed = await global_heat(run)

    result = await run.discord.slash("review", {"title": f"id:{shadowed.id}"})

    assert footer(result.message).endswith(f"#{ours.id}")


async def test_top_lists_the_film_once(run: BotRun, ours: Review) -> None:
    result = await run.discord.slash("top", {"director": "Michael Mann"})

    description = str(result.message.embed()["description"])
    assert description.count("Heat (1995)") == 1
    assert "2/10" in description.split("Heat (1995)")[1].split("\n")[0]


async def test_random_never_picks_the_shadowed_global_copy(run: BotRun, ours: Review) -> None:
    run.bot.get_cog("Recommendations").reroll_budget = MemberBudget((10_000, 30.0))  # type: ignore[union-attr]
    shadowed = await global_heat(run)
    result = await run.discord.slash("random", {"director": "Michael Mann"})
    shown = {footer(result.message).rsplit("#", 1)[1]}
    for _ in range(6):
        await run.discord.click(result.message, label="Another")
        shown.add(footer(result.message).rsplit("#", 1)[1])

    assert str(ours.id) in shown and str(shadowed.id) not in shown


async def test_similar_lists_the_servers_copy_once(run: BotRun, ours: Review) -> None:
    await run.bot.catalog.curation.add(make_review("Collateral", 2004), actor_id=MODERATOR_ID)  # type: ignore[attr-defined]

    result = await run.discord.slash("similar", {"title": "Collateral"})

    names = [field["name"] for field in result.message.embed()["fields"]]
    heat = [name for name in names if name.startswith("Heat (1995)")]
    assert heat == ["Heat (1995) — 2/10"]


async def test_a_film_is_never_similar_to_itself(run: BotRun, ours: Review) -> None:
    for asked in ("heat 1995", f"id:{(await global_heat(run)).id}"):
        result = await run.discord.slash("similar", {"title": asked})

        names = [field["name"] for field in result.message.embed()["fields"]]
        assert not any(name.startswith("Heat (1995)") for name in names)


async def test_another_server_still_sees_the_global_card(run: BotRun, ours: Review) -> None:
    shadowed = await global_heat(run)

    result = await run.discord.slash("review", {"title": "heat 1995"}, channel=OTHER_CHANNEL_ID)

    assert footer(result.message).endswith(f"#{shadowed.id}")
