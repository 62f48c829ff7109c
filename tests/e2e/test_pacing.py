"""Lookups take turns, and one that waits too long for its turn is deferred in time.

The bot gets one turn at a time here, held by a lookup the test keeps waiting, and
defers a waiting interaction after 0.2 s rather than 1 s: what is checked is how a
waiting lookup is acknowledged and answered, not how fast (bench/bench_burst.py
measures the real burst). A title the catalog has exactly is deferred publicly and
its card is public; a typo is deferred privately, so its answer stays private.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from bot.client import ReviewBot
from bot.pacing import Turns
from standin import InteractionResult
from tests.e2e.harness import MEMBER_ID, MODERATOR_ID, OWNER_ID, BotRun

QUICK_DEFERRAL = 0.2


def bot_of(run: BotRun) -> ReviewBot:
    assert isinstance(run.bot, ReviewBot)
    return run.bot


async def one_turn_held(
    run: BotRun, monkeypatch: pytest.MonkeyPatch
) -> tuple[InteractionResult, Callable[[], None]]:
    """The bot's only turn taken by a lookup of Heat, until the returned release."""
    bot = bot_of(run)
    bot.turns = Turns(slots=1, defer_after=QUICK_DEFERRAL)
    started, release = asyncio.Event(), asyncio.Event()
    resolve = bot.catalog.finder.resolve

    async def held(query: str, guild_id: int | None) -> Any:
        if query == "heat 1995" and not release.is_set():
            started.set()
            await release.wait()
        return await resolve(query, guild_id)

    monkeypatch.setattr(bot.catalog.finder, "resolve", held)
    holder = await run.discord.slash("review", {"title": "heat 1995"}, wait=False)
    await started.wait()
    return holder, release.set


async def answered(result: InteractionResult) -> InteractionResult:
    return await result.wait_until_complete(10)


async def test_a_lookup_waiting_for_its_turn_is_deferred_as_privately_as_its_answer(
    run: BotRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    holder, release = await one_turn_held(run, monkeypatch)
    exact = await run.discord.slash("review", {"title": "Arrival"}, user=MODERATOR_ID, wait=False)
    typo = await run.discord.slash("review", {"title": "arival"}, user=OWNER_ID, wait=False)
    for waiting in (exact, typo):  # both acknowledged while the turn is still held
        await run.discord.state.feed.wait_until(
            lambda waiting=waiting: waiting.answered, within=10, describe=lambda: "no deferral"
        )
    release()

    card = await answered(exact)
    assert card.callback_types == [5] and not card.ephemeral
    assert card.message.embeds[0]["title"].startswith("Arrival")
    closest = await answered(typo)
    assert closest.callback_types == [5] and closest.ephemeral  # deferred privately
    assert closest.message.embeds  # still the card it found, for the member alone
    first = await answered(holder)
    assert first.message.embeds[0]["title"] == "Heat (1995)" and not first.ephemeral


async def test_turns_are_taken_first_come_first_served(
    run: BotRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    holder, release = await one_turn_held(run, monkeypatch)
    order: list[str] = []
    resolve = bot_of(run).catalog.finder.resolve

    async def noted(query: str, guild_id: int | None) -> Any:
        order.append(query)
        return await resolve(query, guild_id)

    monkeypatch.setattr(bot_of(run).catalog.finder, "resolve", noted)
    users = [MEMBER_ID, MODERATOR_ID, OWNER_ID]
    titles = ["arrival", "alien", "parasite"]
    waiting: list[Awaitable[InteractionResult]] = []
    for user, title in zip(users, titles, strict=True):
        waiting.append(
            answered(await run.discord.slash("review", {"title": title}, user=user, wait=False))
        )
    release()
    await asyncio.gather(answered(holder), *waiting)

    assert order == titles
