"""Requesters hear once that the film they asked for is reviewed.

One bot serves the module. Film Club (1001) announces in #reviews, so its requesters
are told there, in one message mentioning only them; Other Club (1002) has no
announcement channel, so its requesters are told by DM, and one of them has closed
their DMs. Each test uses its own film and its own members, so they run in any order.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.catalog import STARTER_CATALOG
from bot.client import ReviewBot, create_bot
from bot.config import Settings
from bot.importers import read_review_file
from bot.store import Store
from cogs.announcements import NEW_REVIEW, AnnouncementsCog
from cogs.notifications import NotificationsCog
from standin import SentMessage, default_stand_in
from tests.e2e.harness import (
    APPLICATION_ID,
    CHANNEL_ID,
    GUILD_ID,
    MODERATOR_ID,
    OTHER_GUILD_ID,
    OTHER_MODERATOR_ID,
    OWNER_ID,
    BotRun,
    running_bot,
)
from tests.reliability.processes import child, reviewbot

pytestmark = pytest.mark.asyncio(loop_scope="module")

REQUEST_BUTTON = "Tell me when it's reviewed"
STARTER_RECORDS = json.loads(STARTER_CATALOG.read_text(encoding="utf-8"))
[MOONLIGHT] = [record for record in STARTER_RECORDS if record["title"] == "Moonlight"]
SENTINEL = {**MOONLIGHT, "title": "Sentinel Film", "year": 2001}
# Film Club's three requesters, each typing the film their own way.
IN_CHANNEL = {3101: "moonlite", 3102: "moonlight", 3103: "Moonlight 2016"}
BY_DM, DMS_CLOSED = 3201, 3202  # Other Club's requesters of Moonlight
LANTERN_FAN = 3203  # Other Club's requester of its own new review
LANTERN = {"title": "The Lantern Keeper", "year": 2019, "score": 8.0, "verdict": "Essential"}
# Third Club (1003) announces in #news, until the bot loses the right to post there.
THIRD_GUILD_ID, NEWS_CHANNEL_ID, QUIET_FAN = 1003, 2003, 3301
QUIET_HOUR = {"title": "The Quiet Hour", "year": 2021, "score": 7.0, "verdict": "Recommended"}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def run(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BotRun]:
    settings = Settings(
        database_path=tmp_path_factory.mktemp("requests") / "reviews.db",
        owner_ids=frozenset({OWNER_ID}),
    )
    store = await Store.open(settings.database_path)
    starter = [r for r in read_review_file(STARTER_CATALOG) if r.title != MOONLIGHT["title"]]
    await store.writes.import_reviews(starter, actor_id=None)
    stand_in = default_stand_in()
    for member_id in IN_CHANNEL:
        stand_in.add_member(GUILD_ID, member_id, f"film-club-{member_id}")
    for member_id in (BY_DM, DMS_CLOSED, LANTERN_FAN):
        stand_in.add_member(OTHER_GUILD_ID, member_id, f"other-club-{member_id}")
    stand_in.refuse_dms(DMS_CLOSED)
    third = stand_in.add_guild(THIRD_GUILD_ID, "Third Club", owner_id=OWNER_ID)
    stand_in.add_channel(third, NEWS_CHANNEL_ID, "news")
    stand_in.add_member(third, QUIET_FAN, "quiet-fan")
    try:
        async with running_bot(
            lambda: create_bot(settings, store=store, application_id=APPLICATION_ID),
            stand_in=stand_in,
        ) as connected:
            for user, channel in ((MODERATOR_ID, CHANNEL_ID), (OWNER_ID, NEWS_CHANNEL_ID)):
                await connected.discord.slash(
                    "config announce", {"channel": channel}, user=user, channel=channel
                )
            yield connected
    finally:
        await store.close()


def bot_of(run: BotRun) -> ReviewBot:
    assert isinstance(run.bot, ReviewBot)
    return run.bot


async def settled(run: BotRun) -> None:
    """Every announcement and notification already started has been sent (or failed)."""
    for name in ("Announcements", "Notifications"):
        cog: AnnouncementsCog | NotificationsCog = run.bot.get_cog(name)  # type: ignore[assignment]
        await cog.settled()


async def ask_for(run: BotRun, member_id: int, guild_id: int, typed: str) -> None:
    """The member looks ``typed`` up in vain and presses the request button."""
    reply = await run.discord.slash("review", {"title": typed}, user=member_id, guild=guild_id)
    pressed = await run.discord.click(reply.message, label=REQUEST_BUTTON, user=member_id)
    assert pressed.message.content.startswith("I'll tell you when"), pressed.message.content


async def cli_import(run: BotRun, tmp_path: Path, name: str, *films: dict[str, Any]) -> None:
    """``reviewbot import`` in a child process beside the running bot."""
    database = bot_of(run).settings.database_path
    path = tmp_path / name
    path.write_text(json.dumps(films), encoding="utf-8")
    async with child(*reviewbot(database, "import", str(path)), cwd=tmp_path) as process:
        assert await process.wait() == 0


async def wanted(run: BotRun) -> list[tuple[str, str]]:
    """Film Club's /wanted queue, as its moderator sees it: (name, value) per film."""
    shown = await run.discord.slash("wanted", user=MODERATOR_ID)
    return [(field["name"], field["value"]) for field in shown.message.embed(0).get("fields", [])]


async def requests_of(run: BotRun, member_id: int) -> str:
    """What /requests shows an Other Club member."""
    shown = await run.discord.slash("requests", user=member_id, guild=OTHER_GUILD_ID)
    return str(shown.message.embed(0)["description"])


async def publish(run: BotRun, fields: dict[str, Any], moderator: int, guild_id: int) -> None:
    """``/catalog add`` of the server's own review, its form filled in, then Publish."""
    form = await run.discord.slash("catalog add", fields, user=moderator, guild=guild_id)
    preview = await run.discord.submit_modal(form.modal, {"Verdict": "A quiet film."})
    await run.discord.click(preview.message, label="Publish")


def told_in_channel(run: BotRun) -> list[SentMessage]:
    return [
        m
        for m in run.discord.bot_messages(CHANNEL_ID)
        if m.interaction_id is None and "you asked to hear when" in m.content
    ]


async def test_a_cli_import_tells_each_requester_once_in_the_channel_or_by_dm(
    run: BotRun, tmp_path: Path
) -> None:
    for member_id, typed in IN_CHANNEL.items():
        await ask_for(run, member_id, GUILD_ID, typed)
    await ask_for(run, BY_DM, OTHER_GUILD_ID, "moonlight")
    await ask_for(run, DMS_CLOSED, OTHER_GUILD_ID, "Moonlight (2016)")
    assert [name for name, _ in await wanted(run)] == ["1. moonlite"]

    await cli_import(run, tmp_path, "moonlight.json", MOONLIGHT)

    told = await run.discord.wait_for_message(lambda m: "you asked to hear when" in m.content)
    [dm] = await run.wait_for_dms(BY_DM)
    await settled(run)
    assert told_in_channel(run) == [told]
    assert told.embed(0)["title"] == "Moonlight (2016)"
    assert told.pings().users == set(IN_CHANNEL)
    mentions = told.allowed_mentions or {}
    assert sorted(mentions.get("users", [])) == sorted(IN_CHANNEL)
    assert mentions == {"parse": [], "users": mentions["users"]}  # no role, everyone, reply
    assert dm.content.startswith("You asked in Other Club to hear when Moonlight (2016)")
    assert dm.embed(0)["title"] == "Moonlight (2016)"
    assert [b["label"] for b in dm.buttons()] == ["Read full review"]
    assert run.dms(DMS_CLOSED) == []
    assert [attempt.status for attempt in run.dm_attempts(DMS_CLOSED)] == [403]
    assert all(run.dms(member_id) == [] for member_id in IN_CHANNEL)
    assert await wanted(run) == []
    told_by_dm = await requests_of(run, BY_DM)
    unreachable = await requests_of(run, DMS_CLOSED)
    assert "no open requests" in told_by_dm
    assert unreachable.startswith("✅ Moonlight (2016) (asked")
    assert unreachable.endswith("reviewed as **Moonlight (2016)**")

    # The same file again adds nothing, so tells nobody; a film imported after it is
    # announced once the bot has read past the second import in the change feed.
    await cli_import(run, tmp_path, "moonlight.json", MOONLIGHT)
    await cli_import(run, tmp_path, "sentinel.json", SENTINEL)
    await run.discord.wait_for_message(
        lambda m: m.content == NEW_REVIEW and m.embed(0)["title"] == "Sentinel Film (2001)"
    )
    await settled(run)
    assert told_in_channel(run) == [told]
    assert len(run.dms(BY_DM)) == 1
    assert len(run.dm_attempts(DMS_CLOSED)) == 1  # not retried
    full = await run.discord.click(dm, label="Read full review", user=BY_DM)  # in the DM
    assert full.message.embed(0)["title"].startswith("Moonlight (2016)")


async def test_a_servers_own_new_review_reaches_its_requester_by_dm_without_buttons(
    run: BotRun,
) -> None:
    await ask_for(run, LANTERN_FAN, OTHER_GUILD_ID, "the lantern keeper")

    await publish(run, LANTERN, OTHER_MODERATOR_ID, OTHER_GUILD_ID)

    [dm] = await run.wait_for_dms(LANTERN_FAN)
    assert dm.content.startswith("You asked in Other Club to hear when The Lantern Keeper (2019)")
    assert dm.embed(0)["title"] == "The Lantern Keeper (2019)"
    # Other Club's own review opens only there: a button in a DM could not show it.
    assert dm.buttons() == []


async def test_a_requester_the_announcement_channel_cannot_reach_is_told_by_dm(
    run: BotRun,
) -> None:
    await ask_for(run, QUIET_FAN, THIRD_GUILD_ID, "quiet hour")
    news = f"/channels/{NEWS_CHANNEL_ID}/messages"
    # Both posts in #news fail (the announcement's, then the requester's) in a way that
    # does not pause announcements, so the channel is tried and found wanting.
    run.discord.fail_next("POST", news, 400, times=2)
    before = len(run.discord.requests_log)  # other tests' films are announced in #news too

    await publish(run, QUIET_HOUR, OWNER_ID, THIRD_GUILD_ID)

    [dm] = await run.wait_for_dms(QUIET_FAN)
    await settled(run)
    assert dm.content.startswith("You asked in Third Club to hear when The Quiet Hour (2021)")
    assert [r.status for r in run.discord.requests_log[before:] if r.path == news] == [400, 400]
