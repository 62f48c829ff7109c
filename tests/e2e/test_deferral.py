"""Who defers, and how: private answers stay private, and nothing is answered twice.

No timer defers on a command's behalf; each slow command and component defers
itself, as privately as its answer will be. The stand-in enforces Discord's 3 s
deadline (an answer after it is refused with 10062) and the rule that an
interaction is answered once (40060), so these tests fail if either is broken.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.client import ReviewBot
from bot.store import CatalogBusy
from standin import InteractionResult
from tests.conftest import make_review
from tests.e2e.harness import GUILD_ID, MEMBER_ID, MODERATOR_ID, BotRun
from tests.e2e.test_reviews import reviews_cog

DISCORD_DEADLINE = 3.0


def bot_of(run: BotRun) -> ReviewBot:
    assert isinstance(run.bot, ReviewBot)
    return run.bot


def slow_alias(run: BotRun, monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """/catalog alias's write takes ``seconds`` before it starts."""
    catalog = bot_of(run).catalog
    add_alias = catalog.curation.add_alias

    async def slow(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(seconds)
        return await add_alias(*args, **kwargs)

    monkeypatch.setattr(catalog.curation, "add_alias", slow)


async def alias(run: BotRun) -> InteractionResult:
    await bot_of(run).catalog.curation.add(
        make_review("Lantern", 2019, scope=GUILD_ID), actor_id=None
    )
    pending = await run.discord.slash(
        "catalog alias", {"title": "lantern 2019", "alias": "LK"}, user=MODERATOR_ID, wait=False
    )
    return await pending.wait_until_complete(within=DISCORD_DEADLINE + 3)


async def test_private_reply_arriving_after_three_seconds_is_still_ephemeral(
    run: BotRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow_alias(run, monkeypatch, DISCORD_DEADLINE + 0.5)

    result = await alias(run)

    assert result.callback_types == [5]
    assert result.ephemeral
    assert result.message.content.startswith("Lantern (2019) is now also found as: LK")
    assert not result.rejected_callbacks


async def test_command_answering_at_the_deadline_is_answered_exactly_once(
    run: BotRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow_alias(run, monkeypatch, DISCORD_DEADLINE)

    result = await alias(run)

    assert result.callback_types == [5]  # one acknowledgement, nothing refused
    assert not result.rejected_callbacks
    answers = [m for m in run.discord.bot_messages() if "is now also found as" in m.content]
    assert answers == [result.message]  # the deferred message, filled in once
    assert result.ephemeral and "is now also found as: LK" in result.message.content


@asynccontextmanager
async def write_lock_held(database: Path) -> AsyncIterator[Callable[[], None]]:
    """Another connection holds the write lock until the test calls the release."""
    other = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    released = False

    def release() -> None:
        nonlocal released
        if not released:
            other.execute("ROLLBACK")
            released = True

    try:
        yield release
    finally:
        release()
        other.close()


async def test_no_match_is_answered_privately_at_once_while_another_writer_holds_the_lock(
    run: BotRun,
) -> None:
    bot = bot_of(run)
    async with write_lock_held(bot.catalog._store.path) as release:
        result = await run.discord.slash("review", {"title": "qwzx plorf"}, user=MEMBER_ID)
        assert result.callback_types == [4]  # answered, not deferred: it never waited
        assert result.ephemeral
        assert result.message.content.startswith("No review matches “qwzx plorf”.")
        release()
        await reviews_cog(run).misses_recorded()  # the miss is written once the lock is free
    assert await bot.catalog._store.guilds.top_misses(GUILD_ID) == [("qwzx plorf", 1)]


async def test_another_while_the_lock_stays_taken_says_the_catalog_is_busy_privately(
    run: BotRun,
) -> None:
    card = await run.discord.slash("random", user=MEMBER_ID)
    async with write_lock_held(bot_of(run).catalog._store.path):
        pressed = await run.discord.click(card.message, label="Another", user=MEMBER_ID)
        busy = await pressed.wait_for_followup()
    assert pressed.callback_types == [6]  # acknowledged before waiting for the lock
    assert busy.ephemeral
    assert busy.content == str(CatalogBusy())
    assert "went wrong" not in busy.content
