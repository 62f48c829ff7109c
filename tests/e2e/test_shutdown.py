"""`reviewbot run` stops cleanly on SIGTERM and SIGINT: what is in flight answers, then the
gateway and the database close, and it exits 0."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import bot.client
from bot.client import ReviewBot, run_bot
from bot.config import Settings
from bot.shutdown import RESTARTING
from standin import LoopbackDiscord, default_stand_in
from standin.defaults import GUILD_ID, MEMBER_ID, MODERATOR_ID
from standin.runner import make_fast
from tests.e2e.harness import BotRun
from tests.e2e.test_shards import REPO
from tests.reliability.processes import child_environment


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


# -- SIGTERM to a real `reviewbot run` in the middle of a burst --------------------------

BURST = 1_000
MEMBERS = 200  # five /review each: every member's whole lookup budget
FIRST_MEMBER = 10_000
LATE = 50  # interactions sent after the signal, while the bot is stopping
ANSWERED_BEFORE_SIGNAL = 100
STOP_WITHIN = 60.0  # a bound on waiting (the drain itself is bounded at 5 s), not a speed claim
DRAINED = re.compile(
    r"stopped taking interactions: (\d+) interaction\(s\) or message\(s\) in flight, "
    r"(\d+) finished and (\d+) cut off after [\d.]+ s; (\d+) interaction\(s\) refused while "
    r"stopping; (\d+) received in all"
)
TITLES = ("heat", "arrival", "all of us strangers", "parasite", "the dark knight")


def burst_world() -> LoopbackDiscord:
    """The standard world with 200 more members in guild 1001; no 3 s deadline (the
    machine may be loaded: speed is bench/bench_burst.py's, not this test's)."""
    stand_in = default_stand_in(interaction_deadline=None, timeout=STOP_WITHIN)
    guild = stand_in.guild(GUILD_ID)
    for n in range(MEMBERS):
        stand_in.add_member(guild, FIRST_MEMBER + n, f"member-{n}")
    return stand_in


@dataclass
class ChildBot:
    process: asyncio.subprocess.Process
    log: list[str]  # its log lines, as they come
    stopping: asyncio.Event  # set once it logged that it is stopping


@asynccontextmanager
async def reviewbot_run(stand_in: LoopbackDiscord, database: Path) -> AsyncIterator[ChildBot]:
    """``reviewbot run`` in a child process against ``stand_in``, once it is connected."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.e2e.run_process",
        stand_in.api_url,
        stand_in.gateway_url,
        "--database",
        str(database),
        "run",
        cwd=REPO,
        env=child_environment(DISCORD_TOKEN="loopback-token-" + "x" * 20, LOG_LEVEL="INFO"),
        stderr=asyncio.subprocess.PIPE,
    )
    child = ChildBot(process, [], asyncio.Event())
    connected = asyncio.Event()

    async def read_log() -> None:
        assert process.stderr is not None
        async for line in process.stderr:
            child.log.append(line.decode(errors="replace"))
            if "connected as" in child.log[-1]:
                connected.set()
            if "stopping:" in child.log[-1]:
                child.stopping.set()

    reading = asyncio.create_task(read_log())
    try:
        await asyncio.wait_for(connected.wait(), STOP_WITHIN)
        await stand_in.wait_for_sync()
        yield child
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()
        await reading


async def test_sigterm_mid_burst_answers_every_interaction_taken_and_exits_0(
    tmp_path: Path,
) -> None:
    stand_in = burst_world()
    await stand_in.start()
    try:
        async with reviewbot_run(stand_in, tmp_path / "reviews.db") as child:
            burst = [
                await stand_in.slash(
                    "review",
                    {"title": TITLES[n % len(TITLES)]},
                    user=FIRST_MEMBER + n % MEMBERS,
                    wait=False,
                )
                for n in range(BURST)
            ]
            await stand_in.state.feed.wait_until(
                lambda: sum(result.answered for result in burst) >= ANSWERED_BEFORE_SIGNAL,
                within=STOP_WITHIN,
                describe=lambda: "the burst is not being answered",
            )
            child.process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(child.stopping.wait(), STOP_WITHIN)
            late = [
                await stand_in.slash("review", {"title": "heat"}, user=MEMBER_ID, wait=False)
                for _ in range(LATE)
            ]
            code = await asyncio.wait_for(child.process.wait(), STOP_WITHIN)
    finally:
        await stand_in.close()

    assert code == 0
    text = "".join(child.log)
    assert "Traceback" not in text and "ERROR" not in text, text[-3000:]
    drains = DRAINED.findall(text)
    assert len(drains) == 1, text[-3000:]
    in_flight, finished, cut_off, refused, received = map(int, drains[0])
    assert cut_off == 0 and finished == in_flight > 0, drains  # the signal landed mid-burst
    answered = [result for result in burst + late if result.answered]
    assert len(answered) == received >= BURST  # every interaction the bot took, answered
    restarting = [r for r in answered if r.message.content == RESTARTING]
    assert len(restarting) == refused and all(r.ephemeral for r in restarting)
    for result in answered:  # answered at once, or deferred (a burst) and then filled in
        assert not result.rejected_callbacks and result.callback_types in ([4], [5])
    assert all(result.message.embeds for result in burst)  # each a card
    # Sent after the stop began: refused while the gateway was open, then not received.
    assert all(r.message.content == RESTARTING for r in late if r.answered), [
        (r.message.content, r.callback_types) for r in late if r.answered
    ]


async def test_a_stop_lets_the_lookup_in_flight_answer_and_refuses_new_ones(
    run: BotRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = run.bot
    assert isinstance(bot, ReviewBot)
    started, release = asyncio.Event(), asyncio.Event()
    resolve = bot.catalog.finder.resolve

    async def held(*args: Any) -> Any:
        started.set()
        await release.wait()
        return await resolve(*args)

    monkeypatch.setattr(bot.catalog.finder, "resolve", held)
    in_flight = await run.discord.slash("review", {"title": "heat 1995"}, wait=False)
    await started.wait()

    stopping = asyncio.create_task(bot.close())
    while bot.in_flight.taking:  # noqa: ASYNC110 - the close task's first step
        await asyncio.sleep(0)
    refused = await run.discord.slash("review", {"title": "arrival"}, user=MODERATOR_ID)
    autocomplete = await run.discord.autocomplete("review", {"title": "arr"}, "title")
    assert not stopping.done()  # still waiting for the lookup in flight
    release.set()
    await stopping

    assert refused.ephemeral and refused.message.content == RESTARTING
    assert autocomplete == []
    answered = await in_flight.wait_until_complete(10)
    assert answered.message.embeds[0]["title"] == "Heat (1995)"
    assert bot.is_closed()
