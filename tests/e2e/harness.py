"""Run a real discord.py bot against the loopback Discord for end-to-end tests.

Usage::

    async with running_bot(make_bot) as run:
        result = await run.discord.slash("ping")
        assert result.message.content == "pong"

``running_bot`` starts the stand-in (default world unless one is passed), points
discord.py at it, starts the bot, waits for READY and command sync, and on exit closes
both cleanly. It then fails the test if the bot hit a route the stand-in does not know,
if the stand-in itself broke, or if discord.py logged an unhandled exception.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Literal

import discord
from discord.ext import commands

from standin import LoopbackDiscord, RestRequest, SentMessage, connected, default_stand_in
from standin.defaults import (
    APPLICATION_ID,
    BOT_USER_ID,
    CHANNEL_ID,
    GUILD_ID,
    MEMBER_ID,
    MODERATOR_ID,
    MODERATOR_PERMISSIONS,
    MODERATOR_ROLE_ID,
    OTHER_CHANNEL_ID,
    OTHER_GUILD_ID,
    OTHER_MODERATOR_ID,
    OTHER_MODERATOR_ROLE_ID,
    OWNER_ID,
)

__all__ = [
    "APPLICATION_ID",
    "BOT_USER_ID",
    "CHANNEL_ID",
    "GUILD_ID",
    "MEMBER_ID",
    "MODERATOR_ID",
    "MODERATOR_PERMISSIONS",
    "MODERATOR_ROLE_ID",
    "OTHER_CHANNEL_ID",
    "OTHER_GUILD_ID",
    "OTHER_MODERATOR_ID",
    "OTHER_MODERATOR_ROLE_ID",
    "OWNER_ID",
    "BotRun",
    "BotSource",
    "running_bot",
]

BotSource = commands.Bot | Callable[[], commands.Bot | Awaitable[commands.Bot]]
SyncMode = Literal["wait", "harness", "none"]


class _ErrorCollector(logging.Handler):
    """Collects the ERROR records discord.py logs for exceptions nobody handled."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class BotRun:
    """A connected bot and the stand-in it talks to."""

    bot: commands.Bot
    discord: LoopbackDiscord
    errors: list[logging.LogRecord] = field(default_factory=list)

    def take_errors(self) -> list[str]:
        """Return and forget the logged errors (for tests that provoke them)."""
        messages = [_format(r) for r in self.errors]
        self.errors.clear()
        return messages

    def dms(self, user_id: int) -> list[SentMessage]:
        """What the bot sent ``user_id`` by direct message, oldest first."""
        return self.discord.direct_messages(user_id)

    async def wait_for_dms(self, user_id: int, count: int = 1) -> list[SentMessage]:
        """The bot's DMs to ``user_id`` once there are at least ``count`` of them."""
        state = self.discord.state

        def enough() -> list[SentMessage] | None:
            sent = self.dms(user_id)
            return sent if len(sent) >= count else None

        return await state.feed.wait_until(
            enough,
            within=state.timeout,
            describe=lambda: f"{len(self.dms(user_id))} DM(s) to {user_id}, not {count}",
        )

    def dm_attempts(self, user_id: int) -> list[RestRequest]:
        """Every message the bot tried to DM ``user_id``, refused ones included."""
        paths = {
            f"/channels/{channel.id}/messages"
            for channel in self.discord.state.dm_channels.values()
            if channel.recipient is not None and channel.recipient.id == user_id
        }
        return [r for r in self.discord.requests("POST") if r.path in paths]


@asynccontextmanager
async def running_bot(
    bot: BotSource,
    *,
    stand_in: LoopbackDiscord | None = None,
    sync: SyncMode = "wait",
    sync_scopes: Sequence[int | None] | None = None,
    allow_unknown_routes: bool = False,
    fail_on_logged_errors: bool = True,
) -> AsyncIterator[BotRun]:
    """Run ``bot`` (an instance or a factory, sync or async) against the stand-in.

    ``stand_in`` defaults to :func:`default_stand_in` (the standard world); it is
    started here unless already running. ``sync="wait"`` waits for the bot's own
    ``tree.sync()`` (in ``setup_hook`` or ``on_ready``), optionally into every scope of
    ``sync_scopes``; ``"harness"`` syncs the tree here (global, plus each guild with
    guild-only commands); ``"none"`` does not wait. After the block, the test fails on
    unknown routes, stand-in errors or errors discord.py logged (unless consumed with
    :meth:`BotRun.take_errors` or turned off).
    """
    stand_in = stand_in or default_stand_in()
    started_here = not stand_in.state.base_url
    if started_here:
        await stand_in.start()
    collector = _ErrorCollector()
    discord_logger = logging.getLogger("discord")
    discord_logger.addHandler(collector)
    try:
        instance = await _build(bot)
        async with connected(instance, stand_in):
            run = BotRun(instance, stand_in, collector.records)
            await _sync(run, sync, sync_scopes)
            yield run
    finally:
        discord_logger.removeHandler(collector)
        if started_here:
            await stand_in.close()
    _assert_clean(stand_in, run, allow_unknown_routes, fail_on_logged_errors)


async def _build(source: BotSource) -> commands.Bot:
    if isinstance(source, commands.Bot):
        return source
    made = source()
    return await made if inspect.isawaitable(made) else made


async def _sync(run: BotRun, mode: SyncMode, scopes: Sequence[int | None] | None) -> None:
    if mode == "wait":
        await run.discord.wait_for_sync(scopes)
    elif mode == "harness":
        await run.bot.tree.sync()
        for guild_id in run.discord.state.guilds:
            guild = discord.Object(id=guild_id)
            if run.bot.tree.get_commands(guild=guild):
                await run.bot.tree.sync(guild=guild)


def _assert_clean(
    stand_in: LoopbackDiscord, run: BotRun, allow_unknown_routes: bool, fail_on_logged_errors: bool
) -> None:
    problems: list[str] = []
    if stand_in.unknown_routes and not allow_unknown_routes:
        problems.append(
            f"the bot called routes the stand-in does not know: {stand_in.unknown_routes}"
        )
    if stand_in.internal_errors:
        problems.append(f"the stand-in itself failed: {stand_in.internal_errors}")
    if run.errors and fail_on_logged_errors:
        problems.append(
            "discord.py logged unhandled errors:\n" + "\n".join(_format(r) for r in run.errors)
        )
    if problems:
        raise AssertionError("\n".join(problems))


def _format(record: logging.LogRecord) -> str:
    text = f"{record.name}: {record.getMessage()}"
    if record.exc_info and record.exc_info[1] is not None:
        text += f" ({record.exc_info[1]!r})"
    return text
