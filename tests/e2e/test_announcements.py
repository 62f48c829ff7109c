"""Announcements: newly published reviews are posted to the channel a server chose."""

from __future__ import annotations

import json
from typing import Any

from bot.client import ReviewBot
from cogs.announcements import NEW_REVIEW, AnnouncementsCog
from standin import LoopbackFile, SentMessage
from standin.world import DEFAULT_BOT_PERMISSIONS
from tests.conftest import make_review
from tests.e2e.harness import (
    CHANNEL_ID,
    GUILD_ID,
    MEMBER_ID,
    MODERATOR_ID,
    OTHER_CHANNEL_ID,
    OTHER_MODERATOR_ID,
    BotRun,
)

NOBODY_PINGED = {"parse": []}
SEND_MESSAGES = 1 << 11
LANTERN = {
    "title": "The Lantern Keeper",
    "year": 2019,
    "score": 8.0,
    "director": "Wren Calloway",
    "verdict": "Essential",
}


def bot_of(run: BotRun) -> ReviewBot:
    assert isinstance(run.bot, ReviewBot)
    return run.bot


async def settled(run: BotRun) -> None:
    """Every announcement already started has been posted (or has failed)."""
    # The bot loads the cog as its own module object, so no isinstance check here.
    cog: AnnouncementsCog = run.bot.get_cog("Announcements")  # type: ignore[assignment]
    await cog.settled()


async def announce_in(run: BotRun, channel: int = CHANNEL_ID, user: int = MODERATOR_ID) -> Any:
    return await run.discord.slash(
        "config announce", {"channel": channel}, user=user, channel=channel
    )


def announcements(run: BotRun, channel: int = CHANNEL_ID) -> list[SentMessage]:
    """What the bot posted on its own in ``channel`` (not in answer to anyone)."""
    return [m for m in run.discord.bot_messages(channel) if m.interaction_id is None]


async def forbid_posting(run: BotRun) -> None:
    """Nobody, the bot included, may send messages in the guild any more."""
    guild = run.discord.guild(GUILD_ID)
    guild.everyone.permissions &= ~SEND_MESSAGES
    run.discord.set_bot_permissions(GUILD_ID, DEFAULT_BOT_PERMISSIONS & ~SEND_MESSAGES)
    await run.discord.sync_guild(GUILD_ID)


async def publish_lantern(run: BotRun) -> None:
    form = await run.discord.slash("catalog add", LANTERN, user=MODERATOR_ID)
    preview = await run.discord.submit_modal(form.modal, {"Verdict": "A quiet film."})
    await run.discord.click(preview.message, label="Publish")


async def test_a_published_review_is_posted_as_a_card(run: BotRun) -> None:
    set_up = await announce_in(run)
    assert set_up.ephemeral and "will be posted in" in set_up.message.content

    await publish_lantern(run)

    posted = await run.discord.wait_for_message(lambda m: m.content == NEW_REVIEW)
    assert posted.channel_id == CHANNEL_ID
    assert posted.embed(0)["title"] == "The Lantern Keeper (2019)"
    assert posted.allowed_mentions == NOBODY_PINGED
    full = await run.discord.click(posted, label="Read full review", user=MEMBER_ID)
    assert full.ephemeral
    assert len(announcements(run)) == 1


async def test_an_import_of_fifty_reviews_posts_one_digest(run: BotRun) -> None:
    await announce_in(run)
    rows = [
        {"title": f"Imported Film {n:02d}", "year": 2000 + n % 20, "score": 7.0} for n in range(50)
    ]
    upload = LoopbackFile("fifty.json", json.dumps(rows).encode(), "application/json")

    imported = await run.discord.slash("catalog import", {"file": upload}, user=MODERATOR_ID)

    assert "50 added" in imported.message.content
    await settled(run)
    [digest] = announcements(run)
    embed = digest.embed(0)
    assert embed["title"] == "50 new reviews"
    assert "Imported Film 00 (2000)" in embed["description"]
    assert "…and 40 more." in embed["description"]


async def test_updates_and_dry_runs_are_not_announced(run: BotRun) -> None:
    local = make_review("Local Film", 2015, scope=GUILD_ID)
    await bot_of(run).catalog.curation.add(local, actor_id=None)
    await settled(run)
    await announce_in(run)
    row = [{"title": "Local Film", "year": 2015, "score": 4.5, "verdict": "Changed"}]
    upload = LoopbackFile("update.json", json.dumps(row).encode(), "application/json")
    updated = await run.discord.slash("catalog import", {"file": upload}, user=MODERATOR_ID)
    dry = LoopbackFile("dry.json", json.dumps([{"title": "New", "year": 2001}]).encode())
    await run.discord.slash("catalog import", {"file": dry, "dry_run": True}, user=MODERATOR_ID)
    await settled(run)

    assert "1 updated" in updated.message.content
    assert announcements(run) == []


async def test_a_guilds_own_review_is_announced_only_in_that_guild(run: BotRun) -> None:
    await announce_in(run)
    await announce_in(run, OTHER_CHANNEL_ID, user=OTHER_MODERATOR_ID)

    await bot_of(run).catalog.curation.add(
        make_review("Only Here", 2020, scope=GUILD_ID), actor_id=None
    )
    await bot_of(run).catalog.curation.add(make_review("Everywhere", 2021), actor_id=None)

    await settled(run)
    titles = [m.embed(0)["title"] for m in announcements(run, CHANNEL_ID)]
    assert titles == ["Only Here (2020)", "Everywhere (2021)"]
    assert [m.embed(0)["title"] for m in announcements(run, OTHER_CHANNEL_ID)] == [
        "Everywhere (2021)"
    ]


async def test_turning_announcements_off_asks_first(run: BotRun) -> None:
    await announce_in(run)

    asked = await run.discord.slash("config announce", user=MODERATOR_ID)
    assert asked.ephemeral and asked.message.content.startswith("Stop posting new reviews")
    await run.discord.click(asked.message, label="Turn off")
    await bot_of(run).catalog.curation.add(make_review("Quiet Film", 2022), actor_id=None)
    await settled(run)

    assert announcements(run) == []
    again = await run.discord.slash("config announce", user=MODERATOR_ID)
    assert again.message.content.startswith("Announcements are off.")


async def test_announce_is_refused_for_a_channel_the_bot_cannot_post_in(run: BotRun) -> None:
    await forbid_posting(run)

    refused = await announce_in(run)

    assert refused.message.content.startswith("I can't post in")
    assert "Send Messages" in refused.message.content


async def test_a_lost_permission_pauses_announcements_and_moderators_hear_once(
    run: BotRun,
) -> None:
    await announce_in(run)
    await forbid_posting(run)
    catalog = bot_of(run).catalog

    await catalog.curation.add(make_review("First Lost", 2020), actor_id=None)
    await settled(run)
    await catalog.curation.add(make_review("Second Lost", 2021), actor_id=None)
    await settled(run)

    member = await run.discord.slash("review", {"title": "heat 1995"}, user=MEMBER_ID)
    told = await run.discord.slash("catalog history", {"title": "heat 1995"}, user=MODERATOR_ID)
    again = await run.discord.slash("catalog history", {"title": "heat 1995"}, user=MODERATOR_ID)

    assert member.followups == []
    [note] = told.followups
    assert note.ephemeral
    assert "couldn't post the latest new review" in note.content
    assert again.followups == []
    posts = run.discord.requests("POST", "/channels/{channel_id}/messages")
    assert [post.status for post in posts] == [403]  # the second review was not tried


async def test_an_announcement_rate_limited_by_discord_is_retried_and_posted(
    run: BotRun,
) -> None:
    await announce_in(run)
    run.discord.fail_next("POST", "/channels/{channel_id}/messages", 429, retry_after=0.05)

    await bot_of(run).catalog.curation.add(make_review("Patient Film", 2020), actor_id=None)
    await settled(run)

    statuses = [r.status for r in run.discord.requests("POST", "/channels/{channel_id}/messages")]
    assert statuses == [429, 200]
    [posted] = announcements(run)
    assert posted.embed(0)["title"] == "Patient Film (2020)"
