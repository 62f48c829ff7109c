"""Announced once, by the process that serves the server, whoever wrote the review.

Two real bot processes on one PostgreSQL catalog split four shards (process A: shards
0 and 1, process B: 2 and 3; tests/e2e/test_shards.py), and the command line imports
beside them. Guild 0 (served by A) and guild 2 (served by B) have announcements on.
Each review must be posted once in each of those channels, by the process serving
it (each process logs what it announced), whether the CLI or process A wrote it. The
same holds for one bot on SQLite with the CLI beside it.

Duplicates would come late (through the feed), so the counts are taken after a
later review's announcements arrived, or after the processes stopped: a process
settles its announcements before it exits.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from pathlib import Path

from bot.client import ReviewBot
from cogs.announcements import NEW_REVIEW
from standin import LoopbackDiscord, SentMessage
from standin.defaults import OWNER_ID
from tests.e2e.harness import BotRun
from tests.e2e.test_announcements import LANTERN, announce_in, announcements, publish_lantern
from tests.e2e.test_shards import (  # noqa: F401 - catalog_url and stand_in: fixtures
    CHANNELS,
    GUILDS,
    REPO,
    bot_process,
    catalog_url,
    stand_in,
)
from tests.reliability.processes import child_environment

ANNOUNCING = (0, 2)  # the shards (= guild indexes) whose guilds turn announcements on
CLI_WITHIN = 60.0  # a cold Python process on a busy machine; a bound, not a speed claim
ANNOUNCED = re.compile(r"announced (\d+) new review\(s\) in guild (\d+)")


async def cli_import(tmp_path: Path, database: str, title: str, year: int) -> None:
    """``reviewbot import`` of one film into ``database``, as an operator beside the bot."""
    film = tmp_path / f"{year}.json"
    film.write_text(json.dumps([{"title": title, "year": year, "score": 7.5}]))
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "import",
        str(film),
        "--database",
        database,
        cwd=REPO,
        env=child_environment(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), CLI_WITHIN)
    assert process.returncode == 0, err.decode()
    assert "1 added" in out.decode(), out.decode()


def posted(world: LoopbackDiscord, channel: int) -> list[str]:
    """The titles the bot announced in ``channel`` (its messages not answering anyone)."""
    return [
        str(message.embed(0)["title"])
        for message in world.bot_messages(channel)
        if message.interaction_id is None and message.content == NEW_REVIEW
    ]


async def announced_everywhere(world: LoopbackDiscord, title: str) -> None:
    for shard in ANNOUNCING:

        def here(message: SentMessage, channel: int = CHANNELS[shard]) -> bool:
            embeds = message.payload.get("embeds") or [{}]
            return message.channel_id == channel and embeds[0].get("title") == title

        await world.wait_for_message(here)


def announced_guilds(log: Path) -> list[int]:
    """The guild of each announcement a process logged, one entry per review."""
    return [
        int(guild)
        for count, guild in ANNOUNCED.findall(log.read_text(errors="replace"))
        for _ in range(int(count))
    ]


async def test_two_processes_and_the_cli_announce_each_review_once_per_server(
    stand_in: LoopbackDiscord,  # noqa: F811 - the fixture imported above
    catalog_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    logs = {name: tmp_path / f"process-{name}.log" for name in "AB"}
    async with (
        bot_process(stand_in, catalog_url, "0,1", log=logs["A"]),
        bot_process(stand_in, catalog_url, "2,3", log=logs["B"]),
    ):
        await stand_in.wait_for_sync(None)
        for shard in ANNOUNCING:
            turned_on = await stand_in.slash(
                "config announce",
                {"channel": CHANNELS[shard]},
                user=OWNER_ID,
                guild=GUILDS[shard],
                channel=CHANNELS[shard],
            )
            assert "will be posted in" in turned_on.message.content

        await cli_import(tmp_path, catalog_url, "From the Command Line", 2001)
        await announced_everywhere(stand_in, "From the Command Line (2001)")

        # The owner publishes a global review through process A (guild 0 is A's).
        form = await stand_in.slash(
            "catalog add",
            {"title": "Through Process A", "year": 2002, "score": 8.0, "scope": "global"},
            user=OWNER_ID,
            guild=GUILDS[0],
            channel=CHANNELS[0],
        )
        preview = await stand_in.submit_modal(form.modal, {"Verdict": "Published in A."})
        await stand_in.click(preview.message, label="Publish", user=OWNER_ID)
        await announced_everywhere(stand_in, "Through Process A (2002)")

    # Both processes have exited: nothing more can be posted.
    expected = ["From the Command Line (2001)", "Through Process A (2002)"]
    for shard in ANNOUNCING:
        assert posted(stand_in, CHANNELS[shard]) == expected
    for shard in (1, 3):
        assert posted(stand_in, CHANNELS[shard]) == []  # announcements never turned on
    assert announced_guilds(logs["A"]) == [GUILDS[0], GUILDS[0]]
    assert announced_guilds(logs["B"]) == [GUILDS[2], GUILDS[2]]


async def test_a_review_the_cli_adds_beside_a_bot_on_sqlite_is_announced_once(
    run: BotRun, tmp_path: Path
) -> None:
    assert isinstance(run.bot, ReviewBot)
    database = run.bot.catalog.curation.database_file
    assert database is not None
    await announce_in(run)

    await cli_import(tmp_path, str(database), "From the Command Line", 2001)
    await run.discord.wait_for_message(lambda m: m.content == NEW_REVIEW)
    await publish_lantern(run)  # then one of its own, which it announces itself
    await run.discord.wait_for_message(
        lambda m: m.content == NEW_REVIEW and m.embed(0)["title"] == "The Lantern Keeper (2019)"
    )

    titles = [message.embed(0)["title"] for message in announcements(run)]
    assert titles == ["From the Command Line (2001)", f"{LANTERN['title']} (2019)"]
