"""Discord misbehaves: the gateway drops, REST answers 429 and 500, a command runs long.

Faults are injected by the loopback Discord at the HTTP and websocket level, so the bot
meets them exactly where discord.py would in production; each test then checks that
the member still gets the right answer, inside Discord's 3 s deadline.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from bot.client import ReviewBot
from standin import InteractionResult, LoopbackFile
from tests.e2e.harness import MODERATOR_ID, OWNER_ID, BotRun
from tests.reliability.checks import message_problems

CALLBACK = "/interactions/*/*/callback"
FOLLOW_UP = "/webhooks/*/*"  # POST: a follow-up, or the answer to a deferred command
DISCORD_DEADLINE = 3.0


def statuses(run: BotRun, method: str, route: str) -> list[int]:
    return [request.status for request in run.discord.requests(method, route)]


async def review(run: BotRun, title: str = "heat 1995", **options: Any) -> InteractionResult:
    result = await run.discord.slash("review", {"title": title}, **options)
    assert result.message.embed(0)["title"] == "Heat (1995)"
    assert not message_problems(result.message)
    return result


# -- the gateway ---------------------------------------------------------------------------


async def test_review_is_answered_after_the_gateway_drops_and_resumes(run: BotRun) -> None:
    await review(run)
    await run.discord.drop_gateway(resume=True)

    await review(run)

    assert run.discord.gateway.resume_count == 1


async def test_review_is_answered_after_discord_invalidates_the_session(run: BotRun) -> None:
    await review(run)
    await run.discord.drop_gateway(resume=False)

    await review(run)

    assert run.discord.gateway.identify_count == 2


async def test_review_asked_while_the_gateway_is_down_is_answered_after_resume(
    run: BotRun,
) -> None:
    await run.discord.drop_gateway(resume=True, wait=False)
    pending = await run.discord.slash("review", {"title": "heat 1995"}, wait=False)

    await pending.wait_until_complete()

    assert pending.message.embed(0)["title"] == "Heat (1995)"
    assert run.discord.gateway.resume_count == 1


async def test_reviews_keep_being_answered_through_repeated_drops(run: BotRun) -> None:
    for resume in (True, False, True, False, True):
        await run.discord.drop_gateway(resume=resume)
        await review(run, user=MODERATOR_ID)  # a second member: below the lookup rate

    assert (run.discord.gateway.resume_count, run.discord.gateway.identify_count) == (3, 3)


# -- REST faults ---------------------------------------------------------------------------


async def test_reply_arrives_after_a_rate_limited_callback(run: BotRun) -> None:
    run.discord.fail_next("POST", CALLBACK, 429, retry_after=0.2)

    result = await review(run)

    assert statuses(run, "POST", "/interactions/{interaction_id}/{token}/callback") == [429, 200]
    assert result.latency is not None and result.latency < DISCORD_DEADLINE


async def test_reply_arrives_after_three_rate_limits_in_a_row(run: BotRun) -> None:
    run.discord.fail_next("POST", CALLBACK, 429, retry_after=0.1, times=3)

    result = await review(run)

    assert statuses(run, "POST", "/interactions/{interaction_id}/{token}/callback") == [
        429,
        429,
        429,
        200,
    ]
    assert result.latency is not None and result.latency < DISCORD_DEADLINE


async def test_reply_arrives_after_a_server_error(run: BotRun) -> None:
    run.discord.fail_next("POST", CALLBACK, 500)

    result = await review(run)

    assert statuses(run, "POST", "/interactions/{interaction_id}/{token}/callback") == [500, 200]
    assert result.latency is not None and result.latency < DISCORD_DEADLINE


async def test_import_report_arrives_after_a_rate_limited_follow_up(run: BotRun) -> None:
    page = LoopbackFile("page.txt", PAGE.encode(), "text/plain")
    run.discord.fail_next("POST", FOLLOW_UP, 429, retry_after=0.2)

    result = await run.discord.slash("catalog import", {"file": page}, user=MODERATOR_ID)

    assert result.deferred
    assert result.message.content.startswith("Imported 1 review(s)")
    assert statuses(run, "POST", "/webhooks/{application_id}/{token}") == [429, 200]


# -- slow commands ---------------------------------------------------------------------------


@pytest.fixture
def held_alias(run: BotRun, monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Make /catalog alias's write wait until the test lets it go; returns the release."""
    bot = run.bot
    assert isinstance(bot, ReviewBot)
    add_alias = bot.catalog.curation.add_alias
    released = asyncio.Event()

    async def held(*args: Any, **kwargs: Any) -> Any:
        await released.wait()
        return await add_alias(*args, **kwargs)

    monkeypatch.setattr(bot.catalog.curation, "add_alias", held)
    return released.set


async def test_a_write_still_running_past_the_deadline_was_deferred_privately_first(
    run: BotRun, held_alias: Callable[[], None]
) -> None:
    pending = await run.discord.slash(
        "catalog alias",
        {"title": "heat 1995", "alias": "HT", "scope": "global"},
        user=OWNER_ID,
        wait=False,
    )

    await pending.feed.wait_until(
        lambda: pending.answered, within=DISCORD_DEADLINE, describe=lambda: "never deferred"
    )
    held_alias()
    await pending.wait_until_complete()

    assert pending.callback_types == [5]  # "reviewbot is thinking…", before the write
    assert pending.ephemeral
    assert "is now also found as: HT" in pending.message.content


async def test_deferred_answer_arrives_after_a_rate_limited_follow_up(
    run: BotRun, held_alias: Callable[[], None]
) -> None:
    run.discord.fail_next("POST", FOLLOW_UP, 429, retry_after=0.2)
    pending = await run.discord.slash(
        "catalog alias",
        {"title": "heat 1995", "alias": "HT", "scope": "global"},
        user=OWNER_ID,
        wait=False,
    )

    await pending.feed.wait_until(
        lambda: pending.answered, within=DISCORD_DEADLINE, describe=lambda: "never deferred"
    )
    held_alias()
    await pending.wait_until_complete()

    assert pending.deferred and pending.ephemeral
    assert "is now also found as: HT" in pending.message.content
    assert statuses(run, "POST", "/webhooks/{application_id}/{token}") == [429, 200]


PAGE = """Skip to main content
2019
The Fault Line

• 101 minutes
• Directed by Ines Marr
• Ada Morrow, Felix Hart

A quiet film about a town on a fault line.

8 /10
Recommended

Written for the fault tests.
"""
