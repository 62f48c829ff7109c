"""A loopback stand-in for Discord's REST API v10 and gateway.

The real discord.py library connects to it over ``127.0.0.1``; tests, the console mode
and benchmarks then act as Discord users (slash commands, clicks, modals, messages) and
assert on exactly what the bot sent back. See :class:`LoopbackDiscord`.
"""

from standin._feed import LoopbackError, LoopbackTimeout, LoopbackUsageError
from standin.defaults import default_stand_in, populate_default_world
from standin.records import (
    InteractionResult,
    LoopbackFile,
    ModalSent,
    Pings,
    RestRequest,
    SentMessage,
)
from standin.runner import connected, synced_against
from standin.server import LoopbackDiscord, Replies
from standin.world import FakeChannel, FakeGuild, FakeMember, FakeRole, FakeUser

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
