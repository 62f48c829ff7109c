"""Review requests through the real discord.py and the loopback Discord: the request
button where a reply shows no card for what was typed (or only the closest match),
one /wanted entry however members spell a film, /requests and its cancel menu, and a
moderator's Claim and Dismiss (which a member cannot reach)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from bot.client import create_bot
from bot.config import Settings
from bot.store import Store
from standin import InteractionResult, SentMessage, default_stand_in
from tests.e2e.conftest import with_starter
from tests.e2e.harness import APPLICATION_ID, GUILD_ID, MEMBER_ID, MODERATOR_ID, BotRun, running_bot

THIRD_MEMBER_ID = 3009
REQUEST = "Tell me when it's reviewed"
PICK_WANTED = "Pick a film to claim or dismiss…"


@pytest.fixture
async def catalog_store(settings: Settings) -> AsyncIterator[Store]:
    """The starter catalog without Moonlight: the film the members ask for."""
    store = await Store.open(settings.database_path)
    films = [review for review in with_starter() if review.title != "Moonlight"]
    await store.writes.import_reviews(films, actor_id=None)
    yield store
    await store.close()


@pytest.fixture
async def run(settings: Settings, catalog_store: Store) -> AsyncIterator[BotRun]:
    stand_in = default_stand_in()
    stand_in.add_member(stand_in.guild(GUILD_ID), THIRD_MEMBER_ID, "third")
    async with running_bot(
        lambda: create_bot(settings, store=catalog_store, application_id=APPLICATION_ID),
        stand_in=stand_in,
    ) as connected:
        yield connected


async def ask_for(run: BotRun, reply: SentMessage, user: int) -> str:
    """Press the request button under ``reply`` as ``user``; what they are told privately."""
    pressed = await run.discord.click(reply, label=REQUEST, user=user)
    assert pressed.ephemeral
    return pressed.message.content


def wanted_fields(message: SentMessage) -> list[tuple[str, str]]:
    return [(field["name"], field["value"]) for field in message.embed(0).get("fields", [])]


async def pick_wanted(run: BotRun, message: SentMessage, title: str) -> InteractionResult:
    [menu] = [m for m in message.select_menus() if m.get("placeholder") == PICK_WANTED]
    [value] = [option["value"] for option in menu["options"] if option["label"] == title]
    return await run.discord.select(message, menu["custom_id"], [value], user=MODERATOR_ID)


async def test_three_spellings_from_three_members_are_one_wanted_film_claimed_then_dismissed(
    run: BotRun, catalog_store: Store
) -> None:
    for user, typed in (
        (MEMBER_ID, "moonlite"),
        (MODERATOR_ID, "moonlight"),
        (THIRD_MEMBER_ID, "Moonlight 2016"),
    ):
        reply = await run.discord.slash("review", {"title": typed}, user=user)
        assert reply.ephemeral and reply.message.embeds == []  # no card for what was typed
        told = await ask_for(run, reply.message, user)
        assert told == f"I'll tell you when **{typed}** is reviewed. `/requests` lists yours."
    again = await run.discord.slash("review", {"title": "moonlight"}, user=MEMBER_ID)
    assert "already asked" in await ask_for(run, again.message, MEMBER_ID)
    for noise in ("the", "a", "2019"):
        await run.discord.slash("review", {"title": noise}, user=MEMBER_ID)

    refused = await run.discord.send_message("!wanted", user=MEMBER_ID)
    assert [reply.content for reply in refused] == [
        "Only this server's moderators can see /wanted."
    ]
    wanted = await run.discord.slash("wanted", user=MODERATOR_ID)
    assert wanted.ephemeral
    [(name, value)] = wanted_fields(wanted.message)
    assert name == "1. moonlite"
    assert "**3** member(s) asked" in value
    assert "“moonlite”, “moonlight”, “Moonlight 2016”" in value

    picked = await pick_wanted(run, wanted.message, "moonlite")
    await run.discord.click(picked.message, label="Claim", user=MODERATOR_ID)
    claimed = await run.discord.slash("wanted", user=MODERATOR_ID)  # as another moderator sees it
    [(_, value)] = wanted_fields(claimed.message)
    assert "moderator is reviewing this" in value

    picked = await pick_wanted(run, claimed.message, "moonlite")
    opened = await run.discord.click(picked.message, label="Dismiss", user=MODERATOR_ID)
    await run.discord.submit_modal(opened.modal, {"reason": "no critic has seen it"})
    emptied = await run.discord.slash("wanted", user=MODERATOR_ID)
    assert wanted_fields(emptied.message) == []
    assert "Nobody" in emptied.message.embed(0)["description"]
    audit = await catalog_store.table_rows("request_audit")  # columns in name order
    assert [(row[0], row[1], json.loads(row[3])) for row in audit] == [
        ("claim", MODERATOR_ID, {"name": "moderator"}),
        ("dismiss", MODERATOR_ID, {"reason": "no critic has seen it"}),
    ]


async def test_a_closest_match_card_takes_a_request_that_requests_lists_and_cancels(
    run: BotRun,
) -> None:
    closest = await run.discord.slash("review", {"title": "arrivl"})
    assert closest.message.content == "Closest match for “arrivl”:"
    buttons = [button["label"] for button in closest.message.buttons()]
    assert REQUEST in buttons
    assert closest.message.button(REQUEST)["custom_id"] == "review:request:arrivl"
    assert await ask_for(run, closest.message, MEMBER_ID) == (
        "I'll tell you when **arrivl** is reviewed. `/requests` lists yours."
    )
    exact = await run.discord.slash("review", {"title": "arrival"})
    assert REQUEST not in [button["label"] for button in exact.message.buttons()]

    mine = await run.discord.slash("requests")
    assert mine.ephemeral
    assert "arrivl" in mine.message.embed(0)["description"]
    [menu] = mine.message.select_menus()
    [option] = menu["options"]
    cancelled = await run.discord.select(mine.message, menu["custom_id"], [option["value"]])
    assert cancelled.message.content == "Cancelled."
    assert "no open requests" in cancelled.message.embed(0)["description"]
    assert cancelled.message.select_menus() == []
    others = await run.discord.slash("requests", user=MODERATOR_ID)
    assert "no open requests" in others.message.embed(0)["description"]
