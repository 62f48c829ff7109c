"""Cards that keep working: public buttons across restarts and timeouts, Find review,
Post in channel, /help and syncing only a changed command tree.

Restarts are real: a new client (and a new connection to the same database file)
connects to the same stand-in, which still holds the messages the old one sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from bot.client import ReviewBot, create_bot, sync_now
from bot.config import Settings
from bot.views import CANNOT_POST, ENDED, REVIEW_REMOVED, OwnedView
from cogs.finding import FIND_REVIEW, NOTHING_FOUND
from standin import LoopbackDiscord, SentMessage
from tests.e2e.harness import (
    APPLICATION_ID,
    CHANNEL_ID,
    GUILD_ID,
    MEMBER_ID,
    MODERATOR_ID,
    BotRun,
    running_bot,
)

NOBODY_PINGED = {"parse": []}
SEND_MESSAGES = 1 << 11
COMMANDS_ROUTE = "/applications/{application_id}/commands"


def bot_factory(settings: Settings, **options: Any) -> Callable[[], ReviewBot]:
    """A bot that opens the database itself, as a freshly started process does."""
    return lambda: create_bot(settings, application_id=APPLICATION_ID, **options)


def catalog_of(run: BotRun) -> Any:
    assert isinstance(run.bot, ReviewBot)
    return run.bot.catalog


async def card(run: BotRun, title: str, user: int = MEMBER_ID) -> SentMessage:
    return (await run.discord.slash("review", {"title": title}, user=user)).message


# -- Read full review ----------------------------------------------------------------


async def test_read_full_review_works_after_the_bot_restarts(
    settings: Settings, catalog_store: Any, stand_in: LoopbackDiscord
) -> None:
    async with running_bot(bot_factory(settings), stand_in=stand_in) as first:
        old = await card(first, "all of us strangers")

    async with running_bot(bot_factory(settings), stand_in=stand_in, sync="none") as second:
        full = await second.discord.click(old, label="Read full review", user=MODERATOR_ID)

    assert full.ephemeral
    assert "First paragraph of the test review." in full.message.embed(0)["description"]


async def test_a_removed_review_says_so_instead_of_staying_silent(run: BotRun) -> None:
    old = await card(run, "heat 1986")
    review_id = int(old.button("Read full review")["custom_id"].rsplit(":", 1)[1])
    await catalog_of(run).curation.delete(review_id, actor_id=None, scope=None)

    pressed = await run.discord.click(old, label="Read full review")

    assert pressed.ephemeral
    assert pressed.message.content == REVIEW_REMOVED


async def test_read_full_review_outlives_the_view_timeout_on_every_card(
    run: BotRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(OwnedView, "timeout_seconds", 0.2)
    plain = await card(run, "all of us strangers")
    ambiguous = await card(run, "heat")  # has a Did you mean… menu, which expires
    await run.discord.wait_for_message(
        lambda message: (
            message.id == ambiguous.id
            and all(menu.get("disabled") for menu in message.select_menus())
        )
    )

    # discord.py forgets a DynamicItem when a view holding one ends; both must still work.
    for message in (ambiguous, plain):
        full = await run.discord.click(message, label="Read full review", user=MODERATOR_ID)
        assert full.ephemeral and full.message.embeds


async def test_a_card_without_invoker_controls_is_never_edited(run: BotRun) -> None:
    message = await card(run, "all of us strangers")
    await run.discord.click(message, label="Read full review")
    assert message.edits == []
    assert message.components[0]["components"][0]["custom_id"].startswith("review:full:")


async def test_another_pressed_after_a_restart_answers_in_one_private_line(
    settings: Settings, catalog_store: Any, stand_in: LoopbackDiscord
) -> None:
    async with running_bot(bot_factory(settings), stand_in=stand_in) as first:
        old = (await first.discord.slash("random")).message

    async with running_bot(bot_factory(settings), stand_in=stand_in, sync="none") as second:
        pressed = await second.discord.click(old, label="Another")

    assert pressed.ephemeral
    assert pressed.message.content == ENDED
    assert pressed.followups == []


# -- Find review and Post in channel -------------------------------------------------


async def find_review(run: BotRun, text: str) -> Any:
    said = await run.discord.send_message(text, expect_reply=False, quiet_period=0.05)
    return await run.discord.message_command(FIND_REVIEW, said.prompt)


async def test_find_review_reads_the_film_a_message_talks_about(run: BotRun) -> None:
    found = await find_review(run, "has anyone seen all of us strangers yet?")

    assert found.ephemeral
    assert found.message.embed(0)["title"] == "All of Us Strangers (2023)"
    labels = [button["label"] for button in found.message.buttons()]
    assert labels == ["Read full review", "Post in channel"]


async def test_find_review_finds_nothing_in_small_talk(run: BotRun) -> None:
    found = await find_review(run, "good morning")

    assert found.ephemeral
    assert found.message.content == NOTHING_FOUND
    assert found.message.embeds == []


async def test_post_in_channel_shares_the_private_card_with_everyone(run: BotRun) -> None:
    found = await find_review(run, "has anyone seen all of us strangers yet?")

    posted = await run.discord.click(found.message, label="Post in channel")

    shared = posted.message
    assert not shared.ephemeral
    assert shared.channel_id == CHANNEL_ID
    assert shared.embed(0)["title"] == "All of Us Strangers (2023)"
    assert shared.content == "member shared this review."
    assert shared.allowed_mentions == NOBODY_PINGED
    assert [button["label"] for button in shared.buttons()] == ["Read full review"]
    full = await run.discord.click(shared, label="Read full review", user=MODERATOR_ID)
    assert full.ephemeral


async def test_post_in_channel_only_where_the_member_may_post(run: BotRun) -> None:
    found = await find_review(run, "has anyone seen all of us strangers yet?")
    run.discord.guild(GUILD_ID).everyone.permissions &= ~SEND_MESSAGES

    refused = await run.discord.click(found.message, label="Post in channel")

    assert refused.ephemeral
    assert refused.message.content == CANNOT_POST
    assert [m for m in run.discord.bot_messages() if not m.ephemeral] == []


# -- /help ------------------------------------------------------------------------------


def synced_usages(run: BotRun) -> list[str]:
    """Every command a member could type or pick, as /help should name it."""
    names = []
    for command in run.discord.synced_commands[None]:
        if command["type"] != 1:
            names.append(f"Apps → {command['name']}")
            continue
        subcommands = [o for o in command.get("options", []) if o["type"] == 1]
        names.extend(f"/{command['name']} {sub['name']}" for sub in subcommands)
        if not subcommands:
            names.append(f"/{command['name']}")
    return names


async def test_help_lists_every_synced_command_and_its_options(run: BotRun) -> None:
    result = await run.discord.slash("help")

    assert result.ephemeral
    text = "\n".join(embed["description"] for embed in result.message.embeds)
    usages = synced_usages(run)
    assert len(usages) >= 18
    for usage in usages:
        assert f"`{usage}" in text, usage
    assert "`/review title:`" in text
    assert "[min_score:]" in text and "[genre:]" in text


# -- syncing --------------------------------------------------------------------------


async def test_a_start_with_an_unchanged_tree_makes_no_sync_request(
    settings: Settings, catalog_store: Any, stand_in: LoopbackDiscord
) -> None:
    async with running_bot(bot_factory(settings), stand_in=stand_in):
        pass
    assert len(stand_in.requests("PUT", COMMANDS_ROUTE)) == 1
    seen = len(stand_in.requests_log)

    async with running_bot(bot_factory(settings), stand_in=stand_in, sync="none") as again:
        await again.discord.slash("review", {"title": "heat 1995"})

    later = [request for request in stand_in.requests_log[seen:] if "/commands" in request.path]
    assert later == []


async def test_reviewbot_sync_forces_a_sync_into_one_guild(
    settings: Settings, catalog_store: Any, stand_in: LoopbackDiscord
) -> None:
    async with running_bot(bot_factory(settings), stand_in=stand_in):
        pass

    with stand_in.pointing_discord_py_here():
        await sync_now(
            replace(settings, discord_token="loopback-token"),
            guild_id=GUILD_ID,
            application_id=APPLICATION_ID,
        )

    [put] = stand_in.requests("PUT", "/applications/{application_id}/guilds/{guild_id}/commands")
    assert put.path.endswith(f"/guilds/{GUILD_ID}/commands")
    assert any(command["name"] == "review" for command in stand_in.synced_commands[GUILD_ID])


async def test_random_for_yourself_is_private_and_can_be_posted(run: BotRun) -> None:
    mine = await run.discord.slash("random", {"private": True, "min_score": 9})

    assert mine.ephemeral
    labels = [button["label"] for button in mine.message.buttons()]
    assert labels == ["Another", "Read full review", "Post in channel"]
    posted = await run.discord.click(mine.message, label="Post in channel")
    assert not posted.message.ephemeral
    assert posted.message.embed(0)["title"] == mine.message.embed(0)["title"]


async def test_random_private_is_not_a_filter(run: BotRun) -> None:
    result = await run.discord.slash("random", {"private": True, "genre": "No Such Genre"})
    assert "private" not in result.message.content
    assert "genre" in result.message.content


async def test_did_you_mean_after_a_restart_answers_in_one_private_line(
    settings: Settings, catalog_store: Any, stand_in: LoopbackDiscord
) -> None:
    async with running_bot(bot_factory(settings), stand_in=stand_in) as first:
        old = await card(first, "heat")
    [menu] = old.select_menus()
    other = menu["options"][-1]["value"]

    async with running_bot(bot_factory(settings), stand_in=stand_in, sync="none") as second:
        pressed = await second.discord.select(old, menu["custom_id"], [other])

    assert pressed.ephemeral
    assert pressed.message.content == ENDED
    assert old.edits == []  # the card stays as it was
