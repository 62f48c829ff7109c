"""One bot process on some shards of a loopback Discord, for the multi-process tests.

    python -m tests.e2e.shard_process API_URL GATEWAY_URL DATABASE_URL SHARD_COUNT SHARD_IDS

runs the real reviewbot (``create_bot``, as ``reviewbot run`` does) pointed at a
stand-in that another process serves, until SIGTERM; it prints ``ready`` once
every one of its shards is READY, and logs to stderr as ``reviewbot run`` does (at
INFO). Only the stand-in's URLs differ from a real run.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

import discord
import yarl

from bot.client import create_bot
from bot.config import settings_from_mapping
from standin.defaults import APPLICATION_ID, OWNER_ID
from standin.runner import make_fast


async def serve(api_url: str, gateway_url: str, database_url: str, count: str, ids: str) -> None:
    discord.http.Route.BASE = api_url
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    settings = settings_from_mapping(
        {
            "DATABASE_URL": database_url,
            "SHARD_COUNT": count,
            "SHARD_IDS": ids,
            "OWNER_IDS": str(OWNER_ID),
            "DATABASE_POOL_SIZE": "4",
        }
    )
    discord.utils.setup_logging(level=logging.INFO)
    bot = create_bot(settings, application_id=APPLICATION_ID)
    make_fast(bot)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)

    async def announce_ready() -> None:
        await bot.wait_until_ready()
        print("ready", flush=True)

    async with bot:
        running = asyncio.create_task(bot.start("loopback-token"))
        announcing = asyncio.create_task(announce_ready())
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        announcing.cancel()
        await bot.close()
        await asyncio.gather(running, return_exceptions=True)
        if running.done() and not stopping.done():
            running.result()  # start() ended on its own: say why


if __name__ == "__main__":
    asyncio.run(serve(*sys.argv[1:6]))
