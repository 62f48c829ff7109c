"""Every private card can be shared; Another and /similar do not leave members guessing.

Through the real discord.py and the loopback Discord. Who sees a reply, and whether
its card has **Post in channel**, is decided in one place (bot/cards.py); these tests
walk every path that shows a card privately, and the public ones that must not offer
to post what is already posted.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from bot.client import create_bot
from bot.config import Settings
from bot.store import Store
from cogs.finding import FIND_REVIEW
from standin import InteractionResult, LoopbackDiscord, SentMessage
from tests.conftest import make_review
from tests.e2e.conftest import EXTRA_FILMS, with_starter
from tests.e2e.harness import (
    APPLICATION_ID,
    CHANNEL_ID,
    MEMBER_ID,
    MODERATOR_ID,
    BotRun,
    running_bot,
)

NOBODY_PINGED = {"parse": []}
EPHEMERAL = 1 << 6
NAMES = {MEMBER_ID: "member", MODERATOR_ID: "moderator"}  # the stand-in's default world

# Michael Mann's second film, so /similar has a list to open cards from.
COLLATERAL = make_review(
    "Collateral",
    2004,
    directors=("Michael Mann",),
    cast=("Tom Cruise", "Jamie Foxx"),
    genres=("Crime", "Thriller"),
)


@pytest.fixture
async def catalog_store(settings: Settings) -> AsyncIterator[Store]:
    store = await Store.open(settings.database_path)
    await store.writes.import_reviews(with_starter(*EXTRA_FILMS, COLLATERAL), actor_id=None)
    yield store
    await store.close()


# -- helpers ------------------------------------------------------------------------------


def title(message: SentMessage) -> str:
    return str(message.embed(0)["title"])


def labels(message: SentMessage) -> list[str]:
    return [str(button.get("label")) for button in message.buttons()]


def card_id(message: SentMessage) -> int:
    """The review a card shows, read from its Read full review button."""
    return int(message.button("Read full review")["custom_id"].rsplit(":", 1)[1])


def menu(message: SentMessage, placeholder: str) -> dict[str, Any]:
    [found] = [m for m in message.select_menus() if m.get("placeholder") == placeholder]
    return found


async def pick(
    run: BotRun, message: SentMessage, placeholder: str, label: str, user: int = MEMBER_ID
) -> InteractionResult:
    """Choose the option labelled ``label`` in the menu with ``placeholder``."""
    shown = menu(message, placeholder)
    [value] = [o["value"] for o in shown["options"] if o["label"] == label]
    return await run.discord.select(message, shown["custom_id"], [value], user=user)


DID_YOU_MEAN = "Did you mean…"
REQUEST = "Tell me when it's reviewed"
OPEN_A_CARD = "Open a film's card…"


async def assert_shares_publicly(run: BotRun, private: SentMessage, user: int = MEMBER_ID) -> None:
    """``private`` is a private card with Post in channel; pressing it posts the same
    card publicly, saying who shared it, with the public card's own buttons."""
    assert private.ephemeral
    assert labels(private)[-2:] == ["Read full review", "Post in channel"]
    review_id = card_id(private)
    assert private.button("Post in channel")["custom_id"] == f"review:post:{review_id}"

    posted = await run.discord.click(private, label="Post in channel", user=user)

    shared = posted.message
    body = shared.payload  # exactly what the bot sent
    assert not shared.ephemeral and not int(body.get("flags") or 0) & EPHEMERAL
    assert shared.channel_id == CHANNEL_ID
    assert body["content"] == f"{NAMES[user]} shared this review."
    assert [embed["title"] for embed in body["embeds"]] == [title(private)]
    assert body["allowed_mentions"] == NOBODY_PINGED
    buttons = [c for row in body["components"] for c in row["components"]]
    assert [(b["label"], b["custom_id"]) for b in buttons] == [
        ("Read full review", f"review:full:{review_id}")
    ]
    full = await run.discord.click(shared, label="Read full review", user=MODERATOR_ID)
    assert full.ephemeral and full.message.embeds


# -- a did-you-mean pick ------------------------------------------------------------------


async def test_a_did_you_mean_pick_can_be_posted_as_a_public_card_naming_who_shared_it(
    run: BotRun,
) -> None:
    result = await run.discord.slash("review", {"title": "moonlit"})
    assert result.ephemeral and result.message.embeds == []

    picked = await pick(run, result.message, DID_YOU_MEAN, "Moonlight (2016)")

    assert picked.callback_type == 7  # the private reply becomes the card
    card = result.message
    assert title(card) == "Moonlight (2016)"
    assert labels(card) == ["Read full review", "Post in channel"]
    posted = await run.discord.click(card, label="Post in channel")
    shared = posted.message
    assert not shared.ephemeral
    assert shared.payload["content"] == "member shared this review."
    assert shared.payload["embeds"][0]["title"] == "Moonlight (2016)"
    assert shared.payload["allowed_mentions"] == NOBODY_PINGED
    [row] = shared.payload["components"]
    assert [button["label"] for button in row["components"]] == ["Read full review"]
    assert shared.pings().anyone is False


async def test_a_shared_card_escapes_the_sharers_name_and_pings_nobody(run: BotRun) -> None:
    member = run.discord.guild(run.discord.default_guild_id).member(MEMBER_ID)
    member.nick = "**@everyone**"
    result = await run.discord.slash("review", {"title": "moonlit"})
    await pick(run, result.message, DID_YOU_MEAN, "Moonlight (2016)")

    shared = (await run.discord.click(result.message, label="Post in channel")).message

    assert shared.content == "\\*\\*@everyone\\*\\* shared this review."
    assert not shared.pings().anyone


# -- every private card can be posted -----------------------------------------------------


async def from_did_you_mean(run: BotRun) -> SentMessage:
    result = await run.discord.slash("review", {"title": "moonlit"})
    await pick(run, result.message, DID_YOU_MEAN, "Moonlight (2016)")
    return result.message


async def from_random_private(run: BotRun) -> SentMessage:
    return (await run.discord.slash("random", {"private": True, "min_score": 9})).message


async def from_find_review(run: BotRun) -> SentMessage:
    said = await run.discord.send_message(
        "has anyone seen all of us strangers yet?", expect_reply=False, quiet_period=0.05
    )
    found = await run.discord.message_command(FIND_REVIEW, said.prompt)
    return (await found.wait_until_complete()).message


async def from_a_similar_list(run: BotRun) -> SentMessage:
    listed = await run.discord.slash("similar", {"title": "Collateral"})
    return (await pick(run, listed.message, OPEN_A_CARD, "Heat (1995)")).message


async def from_a_private_similar_list(run: BotRun) -> SentMessage:
    # A title nothing is sure enough for: the private menu, then the list of the pick.
    asked = await run.discord.slash("similar", {"title": "colatteral 2"})
    assert asked.ephemeral
    await pick(run, asked.message, DID_YOU_MEAN, "Collateral (2004)")
    return (await pick(run, asked.message, OPEN_A_CARD, "Heat (1995)")).message


PRIVATE_PATHS: dict[str, Callable[[BotRun], Awaitable[SentMessage]]] = {
    "did-you-mean pick": from_did_you_mean,
    "/random private:true": from_random_private,
    "Find review": from_find_review,
    "card opened from a /similar list": from_a_similar_list,
    "card opened from a private /similar list": from_a_private_similar_list,
}


@pytest.mark.parametrize("path", PRIVATE_PATHS)
async def test_every_private_card_has_post_in_channel(run: BotRun, path: str) -> None:
    private = await PRIVATE_PATHS[path](run)
    await assert_shares_publicly(run, private)


async def test_a_public_card_offers_no_post_in_channel(run: BotRun) -> None:
    for query, request in (("heat 1995", []), ("moonlihgt", [REQUEST]), ("heat", [])):
        # an answer; a closest match (which may not be the film meant); a coin toss
        result = await run.discord.slash("review", {"title": query})
        assert not result.ephemeral
        assert labels(result.message) == ["Read full review", *request], query
    public = await run.discord.slash("random", {"min_score": 9})
    assert labels(public.message) == ["Another", "Read full review"]


async def test_a_closest_match_picked_from_its_menu_stays_public_without_post(
    run: BotRun,
) -> None:
    result = await run.discord.slash("review", {"title": "arrivl"})
    other = next(
        o["label"]
        for o in menu(result.message, DID_YOU_MEAN)["options"]
        if o["label"] != title(result.message)
    )

    await pick(run, result.message, DID_YOU_MEAN, other)

    assert not result.message.ephemeral
    assert title(result.message) == other
    assert not result.message.content  # the member chose it: no longer a closest match
    assert labels(result.message) == ["Read full review"]


async def test_a_text_command_is_answered_in_the_channel_so_its_pick_needs_no_post(
    run: BotRun,
) -> None:
    [reply] = await run.discord.send_message("!review moonlit")
    assert not reply.ephemeral and reply.content.startswith("Nothing called")

    await pick(run, reply, DID_YOU_MEAN, "Moonlight (2016)")

    assert title(reply) == "Moonlight (2016)"
    assert labels(reply) == ["Read full review"]


async def test_a_card_opened_from_a_list_is_for_whoever_opened_it(run: BotRun) -> None:
    listed = await run.discord.slash("similar", {"title": "Collateral"})

    opened = await pick(run, listed.message, OPEN_A_CARD, "Heat (1995)", user=MODERATOR_ID)

    assert opened.ephemeral
    assert opened.user.id == MODERATOR_ID
    assert title(opened.message) == "Heat (1995)"
    assert listed.message.edits == []  # the list stays as it was
    await assert_shares_publicly(run, opened.message, user=MODERATOR_ID)


# -- Another on a one-film pool -----------------------------------------------------------


async def test_another_on_a_one_film_pool_says_so_instead_of_reshowing_it(run: BotRun) -> None:
    result = await run.discord.slash("random", {"director": "nolan"})
    assert title(result.message) == "The Dark Knight (2008)"

    pressed = await run.discord.click(result.message, label="Another")

    told = await pressed.wait_for_followup()
    assert told.ephemeral
    assert told.content == "That's the only film matching director: nolan."
    assert pressed.webhook_edits == 0 and result.message.edits == []
    assert title(result.message) == "The Dark Knight (2008)"


async def test_another_names_every_filter_of_a_one_film_pool(run: BotRun) -> None:
    result = await run.discord.slash("random", {"decade": 2000, "director": "nolan"})

    told = await (await run.discord.click(result.message, label="Another")).wait_for_followup()

    assert told.content == "That's the only film matching decade: 2000s · director: nolan."


async def test_another_on_a_two_film_pool_still_rerolls(run: BotRun) -> None:
    result = await run.discord.slash("random", {"director": "Michael Mann"})
    first = title(result.message)

    pressed = await run.discord.click(result.message, label="Another")

    await pressed.wait_until_complete()
    assert pressed.followups == []
    assert {first, title(result.message)} == {"Heat (1995)", "Collateral (2004)"}


# -- /similar resolves its title like /review ----------------------------------------------


async def test_similar_with_a_typo_shows_the_closest_match_labelled_so(run: BotRun) -> None:
    result = await run.discord.slash("similar", {"title": "colateral"})

    assert not result.ephemeral
    assert result.message.content == "Closest match for “colateral”:"
    assert result.message.embed(0)["title"] == "Like Collateral (2004)"
    assert result.message.allowed_mentions == NOBODY_PINGED


async def test_similar_did_you_mean_switches_the_list_to_the_chosen_film(run: BotRun) -> None:
    result = await run.discord.slash("similar", {"title": "arrivl"})
    assert result.message.content == "Closest match for “arrivl”:"
    shown = result.message.embed(0)["title"]
    other = next(
        o["label"]
        for o in menu(result.message, DID_YOU_MEAN)["options"]
        if f"Like {o['label']}" != shown
    )

    picked = await pick(run, result.message, DID_YOU_MEAN, other)

    assert picked.callback_type == 7
    assert result.message.embed(0)["title"] == f"Like {other}"
    assert not result.message.content


async def test_similar_did_you_mean_is_only_for_the_member_who_asked(run: BotRun) -> None:
    result = await run.discord.slash("similar", {"title": "arrivl"})
    shown = result.message.embed(0)["title"]
    other = next(
        o["label"]
        for o in menu(result.message, DID_YOU_MEAN)["options"]
        if f"Like {o['label']}" != shown
    )

    refused = await pick(run, result.message, DID_YOU_MEAN, other, user=MODERATOR_ID)

    assert refused.ephemeral and "belong to the member who asked" in refused.message.content
    assert result.message.embed(0)["title"] == shown


async def test_similar_with_no_sure_match_offers_the_nearest_titles_privately(
    run: BotRun, catalog_store: Store
) -> None:
    result = await run.discord.slash("similar", {"title": "moonlit"})

    assert result.ephemeral
    assert result.message.content == "Nothing called “moonlit” — did you mean:"
    assert result.message.embeds == []
    picked = await pick(run, result.message, DID_YOU_MEAN, "Moonlight (2016)")
    assert picked.callback_type == 7
    assert result.message.embed(0)["title"] == "Like Moonlight (2016)"
    assert result.message.ephemeral
    reviews = run.bot.get_cog("Reviews")
    await reviews.misses_recorded()  # type: ignore[union-attr]
    assert await catalog_store.guilds.top_misses(run.discord.default_guild_id) == [("moonlit", 1)]


async def test_similar_of_a_film_the_catalog_lacks_gets_the_no_card_reply(run: BotRun) -> None:
    review = await run.discord.slash("review", {"title": "qwzx plorf"})
    similar = await run.discord.slash("similar", {"title": "qwzx plorf"})

    assert similar.ephemeral
    assert similar.message.content == review.message.content
    assert similar.message.content.startswith("No review matches “qwzx plorf”.")
    assert [labels(message) for message in (review.message, similar.message)] == [[REQUEST]] * 2
    assert similar.message.select_menus() == []


async def test_similar_lists_every_shown_film_in_its_card_menu(run: BotRun) -> None:
    result = await run.discord.slash("similar", {"title": "Aftersun"})

    listed = [field["name"].split(" — ")[0] for field in result.message.embed(0)["fields"]]
    options = [option["label"] for option in menu(result.message, OPEN_A_CARD)["options"]]
    assert options == listed
    assert len(options) >= 2
    assert menu(result.message, OPEN_A_CARD)["custom_id"] == "review:open"


# -- the list's menu outlives the bot -----------------------------------------------------


async def test_a_lists_card_menu_works_after_the_bot_restarts(
    settings: Settings, catalog_store: Store, stand_in: LoopbackDiscord
) -> None:
    def factory() -> Any:
        return create_bot(settings, application_id=APPLICATION_ID)

    async with running_bot(factory, stand_in=stand_in) as first:
        listed = (await first.discord.slash("similar", {"title": "Collateral"})).message

    async with running_bot(factory, stand_in=stand_in, sync="none") as second:
        opened = await pick(second, listed, OPEN_A_CARD, "Heat (1995)")

    assert opened.ephemeral
    assert title(opened.message) == "Heat (1995)"
