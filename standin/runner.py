"""Run a real discord.py client against a started stand-in.

Shared by the end-to-end test harness, the console mode and benchmarks: start the
client, wait for READY (or, with :func:`synced_against`, for its command sync too),
and close it cleanly (no pending tasks, no unclosed session).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import TypeVar

import discord

from standin.server import LoopbackDiscord

ClientT = TypeVar("ClientT", bound=discord.Client)

#: discord.py waits this long after the last GUILD_CREATE before READY (default 2 s);
#: the stand-in sends all of them back to back, so a short wait is enough.
FAST_GUILD_READY_TIMEOUT = 0.05


def make_fast(client: discord.Client) -> None:
    """Remove delays that only make sense against the real Discord.

    Neither is a public option once the client exists, hence the private access.
    """
    state = client._connection
    state.guild_ready_timeout = min(state.guild_ready_timeout, FAST_GUILD_READY_TIMEOUT)
    # discord.py sleeps 5 s before every re-IDENTIFY (a real-Discord rate limit the
    # stand-in does not have); keep a client's own override if it has one.
    if type(client).before_identify_hook is discord.Client.before_identify_hook:
        client.before_identify_hook = _identify_at_once  # type: ignore[method-assign]


async def _identify_at_once(shard_id: int | None, *, initial: bool = False) -> None:
    return None


@asynccontextmanager
async def connected(
    client: ClientT,
    stand_in: LoopbackDiscord,
    *,
    token: str = "loopback-token",
    start_within: float = 10.0,
) -> AsyncIterator[ClientT]:
    """Start ``client`` against ``stand_in`` (already started); yield once it is READY.

    On exit the client is closed and its ``start()`` task awaited, so nothing is left
    pending. If ``start()`` fails (a broken ``setup_hook``, say) that error is raised.
    """
    with stand_in.pointing_discord_py_here():
        make_fast(client)
        task = asyncio.create_task(client.start(token), name="loopback-client")
        try:
            await _wait_ready(client, task, start_within)
            yield client
        finally:
            await client.close()
            with suppress(asyncio.CancelledError, discord.ConnectionClosed):
                await asyncio.wait_for(task, timeout=start_within)


@asynccontextmanager
async def synced_against(client: ClientT, stand_in: LoopbackDiscord) -> AsyncIterator[ClientT]:
    """Start ``stand_in``, connect ``client`` and yield once it has synced its commands.

    For the console and benchmarks, which talk to the bot as members do: a command
    sent before the sync would find none. Both are closed on exit.
    """
    await stand_in.start()
    try:
        async with connected(client, stand_in):
            await stand_in.wait_for_sync()
            yield client
    finally:
        await stand_in.close()


async def _wait_ready(client: discord.Client, task: asyncio.Task[None], within: float) -> None:
    ready = asyncio.create_task(client.wait_until_ready())
    done, _ = await asyncio.wait({ready, task}, timeout=within, return_when=asyncio.FIRST_COMPLETED)
    if ready in done:
        return
    ready.cancel()
    with suppress(asyncio.CancelledError):
        await ready
    if task in done:
        task.result()  # re-raise why start() ended
        raise RuntimeError("client.start() returned before the client became ready")
    raise TimeoutError(f"client not ready after {within}s")
