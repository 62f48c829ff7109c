"""A loopback stand-in for Discord's REST API v10 and gateway.

The real discord.py library connects to it over ``127.0.0.1``; tests, the console mode
and benchmarks then act as Discord users (slash commands, clicks, modals, messages) and
assert on exactly what the bot sent back. See :class:`LoopbackDiscord`.
"""

from bot.loopback._feed import LoopbackError, LoopbackTimeout, LoopbackUsageError
from bot.loopback.defaults import default_stand_in, populate_default_world
from bot.loopback.records import (
    InteractionResult,
    LoopbackFile,
    ModalSent,
    Pings,
    RestRequest,
    SentMessage,
)
from bot.loopback.runner import connected, synced_against
from bot.loopback.server import LoopbackDiscord, Replies
from bot.loopback.world import FakeChannel, FakeGuild, FakeMember, FakeRole, FakeUser

__all__ = [
    "FakeChannel",
    "FakeGuild",
    "FakeMember",
    "FakeRole",
    "FakeUser",
    "InteractionResult",
    "LoopbackDiscord",
    "LoopbackError",
    "LoopbackFile",
    "LoopbackTimeout",
    "LoopbackUsageError",
    "ModalSent",
    "Pings",
    "Replies",
    "RestRequest",
    "SentMessage",
    "connected",
    "default_stand_in",
    "populate_default_world",
    "synced_against",
]
