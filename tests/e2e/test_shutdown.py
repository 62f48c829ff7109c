"""`reviewbot run` stops cleanly on SIGTERM and SIGINT: gateway closed, database closed."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path
from typing import Any

import pytest

import bot.client
from bot.client import ReviewBot, run_bot
from bot.config import Settings
from standin import default_stand_in
from standin.runner import make_fast


def wal_exists(database: Path) -> bool:
    """SQLite removes the write-ahead log when the last connection closes cleanly."""
    return Path(f"{database}-wal").exists()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
async def test_signal_stops_the_bot_and_closes_the_database(
    tmp_path: Path, signum: signal.Signals, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[ReviewBot] = []
    create_bot = bot.client.create_bot

    def create_and_keep(*args: Any, **kwargs: Any) -> ReviewBot:
        made = create_bot(*args, **kwargs)
        make_fast(made)  # skip discord.py's 2 s wait for guilds, as the harness does
        built.append(made)
        return made

    monkeypatch.setattr(bot.client, "create_bot", create_and_keep)
    database = tmp_path / "reviews.db"
    settings = Settings(discord_token="loopback-token-" + "x" * 20, database_path=database)
    stand_in = default_stand_in()
    await stand_in.start()
    try:
        with stand_in.pointing_discord_py_here():
            running = asyncio.create_task(run_bot(settings))
            await stand_in.wait_for_sync()
            await asyncio.wait_for(built[0].wait_until_ready(), timeout=10)
            answered = await stand_in.slash("review", {"title": "heat"})
            assert answered.message.embeds
            assert wal_exists(database)  # the store is open
            os.kill(os.getpid(), signum)
            assert await asyncio.wait_for(running, timeout=10) == 0
    finally:
        await stand_in.close()
    assert built[0].is_closed()
    assert not wal_exists(database)
