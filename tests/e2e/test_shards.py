"""Two bot processes, two shards each, one PostgreSQL catalog, one loopback Discord.

The stand-in (in this process) asks for four shards and routes each guild to
``(guild_id >> 22) % 4``; process A runs shards 0 and 1, process B shards 2 and
3 (tests/e2e/shard_process.py: the real bot, only pointed at the stand-in).
What one process writes, the other finds; what /random showed in a channel is
not shown again when another process serves that channel.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO, Any

import pytest

from bot.store import Store
from standin import LoopbackDiscord
from standin.defaults import (
    APPLICATION_ID,
    MODERATOR_PERMISSIONS,
    OWNER_ID,
)
from standin.gateway import shard_of
from tests.conftest import make_review, new_postgres_database
from tests.pgserver import PostgresServer

SHARDS = 4
# Guild k lands on shard k: (guild_id >> 22) % 4 == k.
GUILDS = [(1000 + shard) << 22 for shard in range(SHARDS)]
CHANNELS = [guild + 1 for guild in GUILDS]
MEMBER = 5001
REPO = Path(__file__).resolve().parents[2]
START_WITHIN = 60.0  # two cold Python processes on a busy 2-core machine
SETTLE_SECONDS = 10.0  # a bound on waiting, not a speed claim (bench/bench_backends.py has those)
NOIR = [make_review(f"Noir Number {n}", 1940 + n, genres=("Noir",)) for n in range(6)]

pytestmark = pytest.mark.usefixtures("postgres_server")


def sharded_world() -> LoopbackDiscord:
    stand_in = LoopbackDiscord(
        application_id=APPLICATION_ID, owner_id=OWNER_ID, shard_count=SHARDS, timeout=15.0
    )
    stand_in.state.owner_id = OWNER_ID
    for guild_id, channel_id in zip(GUILDS, CHANNELS, strict=True):
        guild = stand_in.add_guild(guild_id, f"Club {guild_id}", owner_id=OWNER_ID)
        stand_in.add_channel(guild, channel_id, "reviews")
        stand_in.add_member(guild, MEMBER, "member")
        stand_in.add_member(guild, OWNER_ID, "owner", permissions=MODERATOR_PERMISSIONS)
    stand_in.default_user_id = MEMBER
    return stand_in


@asynccontextmanager
async def bot_process(
    stand_in: LoopbackDiscord, database: str, shard_ids: str, *, log: Path | None = None
) -> AsyncIterator[None]:
    """The real bot in its own process, serving ``shard_ids``; stopped with SIGTERM.

    Its log (stderr) goes to the file ``log``, or to this process's stderr.
    """
    with log.open("wb") if log else contextlib.nullcontext() as log_file:
        async with _bot_process(stand_in, database, shard_ids, log_file):
            yield


@asynccontextmanager
async def _bot_process(
    stand_in: LoopbackDiscord, database: str, shard_ids: str, log: IO[bytes] | None
) -> AsyncIterator[None]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.e2e.shard_process",
        stand_in.api_url,
        stand_in.gateway_url,
        database,
        str(SHARDS),
        shard_ids,
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=log,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), START_WITHIN)
        assert line == b"ready\n", f"bot process on shards {shard_ids} did not start: {line!r}"
        yield
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), START_WITHIN)
        assert code == 0, f"bot process on shards {shard_ids} exited with {code}"


@pytest.fixture
async def catalog_url(postgres_server: PostgresServer) -> str:
    url = new_postgres_database(postgres_server)
    async with await Store.open(url) as store:
        await store.writes.import_reviews(NOIR, actor_id=None)
    return url


@pytest.fixture
async def stand_in() -> AsyncIterator[LoopbackDiscord]:
    world = sharded_world()
    await world.start()
    yield world
    await world.close()
    assert not world.unknown_routes, world.unknown_routes
    assert not world.internal_errors, world.internal_errors


async def review_title(stand_in: LoopbackDiscord, title: str, shard: int) -> str | None:
    result = await stand_in.slash(
        "review", {"title": title}, guild=GUILDS[shard], channel=CHANNELS[shard]
    )
    embeds: list[dict[str, Any]] = result.message.payload.get("embeds") or []
    return str(embeds[0]["title"]) if embeds and result.message.ephemeral is False else None


async def eventually_found(stand_in: LoopbackDiscord, title: str, shard: int) -> str | None:
    async def poll() -> str | None:
        # Polling: the effect is another process's, there is no event here to await.
        while (found := await review_title(stand_in, title, shard)) is None:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        return found

    return await asyncio.wait_for(poll(), SETTLE_SECONDS)


def test_the_test_guilds_sit_one_on_each_shard() -> None:
    assert [shard_of(guild, SHARDS) for guild in GUILDS] == [0, 1, 2, 3]


async def test_a_review_published_through_process_a_is_found_in_process_b(
    stand_in: LoopbackDiscord, catalog_url: str
) -> None:
    async with (
        bot_process(stand_in, catalog_url, "0,1"),
        bot_process(stand_in, catalog_url, "2,3"),
    ):
        await stand_in.wait_for_sync(None)
        assert stand_in.gateway.connected  # all four shards, from two processes
        assert await review_title(stand_in, "The Lantern Keeper", 3) is None
        # The owner publishes a global review in guild 0, served by process A.
        form = await stand_in.slash(
            "catalog add",
            {"title": "The Lantern Keeper", "year": 2019, "score": 8.0, "scope": "global"},
            user=OWNER_ID,
            guild=GUILDS[0],
            channel=CHANNELS[0],
        )
        submitted = await stand_in.submit_modal(form.modal, {"Verdict": "A quiet lighthouse."})
        await stand_in.click(submitted.message, label="Publish", user=OWNER_ID)
        assert await review_title(stand_in, "the lantern keeper", 0) == "The Lantern Keeper (2019)"
        # Process B (guilds 2 and 3) finds it, by /review and by autocomplete.
        assert await eventually_found(stand_in, "the lantern keeper", 2) == (
            "The Lantern Keeper (2019)"
        )
        choices = await stand_in.autocomplete(
            "review", {"title": "lantern ke"}, "title", guild=GUILDS[3], channel=CHANNELS[3]
        )
        assert "The Lantern Keeper (2019)" in [choice["name"] for choice in choices]


async def test_random_does_not_repeat_in_a_channel_when_another_process_takes_it_over(
    stand_in: LoopbackDiscord, catalog_url: str
) -> None:
    shown = []
    # Process A serves guild 1's channel; then its shards move to a new process
    # (a restart or a rebalance), which must remember what the channel has seen.
    for _ in range(2):
        async with bot_process(stand_in, catalog_url, "0,1"):
            await stand_in.wait_for_sync(None)
            for _ in range(3):
                result = await stand_in.slash(
                    "random", {"genre": "noir"}, guild=GUILDS[1], channel=CHANNELS[1]
                )
                shown.append(str(result.message.payload["embeds"][0]["title"]))
    assert len(set(shown)) == len(NOIR) == len(shown), shown
