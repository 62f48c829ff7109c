"""A real ``reviewbot import`` of a large file in a child process, beside the running bot
(50,000 films with REVIEWBOT_HEAVY=1; 10,000 by default, long enough to ask through).

While it runs, members keep asking: every /review (found and not found) is answered
within 2.5 s, a no-match stays private, nothing apologises. Once it has finished, a
film from the file is found by /review within 5 s, without restarting the bot: the
bot learns of the other process's rows through the change feed.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import Settings
from tests.conftest import volume
from tests.e2e.harness import MEMBER_ID, BotRun
from tests.reliability.checks import lift_cooldowns
from tests.reliability.processes import WAIT_LIMIT, child, film_records, reviewbot, write_json

IMPORT_ROWS = volume(10_000, heavy=50_000)
ANSWER_WITHIN = 2.5  # seconds; Discord's own limit is 3
FOUND_WITHIN = 5.0  # seconds after the import ends
PROGRESS_ON_A_PIPE = {"TTY_INTERACTIVE": "1", "TTY_COMPATIBLE": "1"}
PERCENT = re.compile(rb"(\d+)%")


@dataclass
class ProgressBar:
    """The child's stderr, drained as it comes (a full pipe would stall the import)."""

    percent: int = 0
    tail: bytes = b""
    seen: list[int] = field(default_factory=list)

    async def drain(self, stream: asyncio.StreamReader) -> None:
        while chunk := await stream.read(4096):
            self.tail = (self.tail + chunk)[-4096:]
            shown = [int(found) for found in PERCENT.findall(chunk)]
            if shown:
                self.percent = max(self.percent, *shown)
                self.seen.append(self.percent)


@dataclass
class Asked:
    title: str
    latency: float
    percent: int


async def ask(run: BotRun, title: str, bar: ProgressBar, asked: list[Asked]) -> str:
    result = await run.discord.slash("review", {"title": title}, user=MEMBER_ID)
    assert result.latency is not None
    asked.append(Asked(title, result.latency, bar.percent))
    message = result.message
    text = message.content + " ".join(str(embed) for embed in message.embeds)
    assert "went wrong" not in text, text
    if message.embeds:
        return str(message.embed(0)["title"])
    assert result.ephemeral, f"a no-match for {title!r} was posted publicly"
    # No card: "No review matches", or the nearest titles offered as a menu.
    assert message.content.startswith(("No review matches", "Nothing called")), message.content
    return ""


async def test_reviews_are_answered_while_the_cli_imports_a_large_file(
    run: BotRun, settings: Settings, tmp_path: Path
) -> None:
    lift_cooldowns(run)  # one member asks as fast as the bot answers
    films = write_json(tmp_path / "films.json", film_records(IMPORT_ROWS, prefix="Beside Film"))
    bar = ProgressBar()
    asked: list[Asked] = []

    async with child(
        *reviewbot(settings.database_path, "import", str(films)),
        cwd=tmp_path,
        **PROGRESS_ON_A_PIPE,
    ) as process:
        assert process.stderr is not None and process.stdout is not None
        draining = asyncio.create_task(bar.drain(process.stderr))
        exited = asyncio.create_task(process.wait())
        rounds = 0
        while not exited.done():
            assert await ask(run, "heat 1995", bar, asked) == "Heat (1995)"
            assert await ask(run, f"qwzx plorf {rounds}", bar, asked) == ""
            rounds += 1
            await asyncio.sleep(0.05)  # a busy member, not a flood: the import gets the CPU too
        await asyncio.wait_for(draining, WAIT_LIMIT)
        report = (await process.stdout.read()).decode()

    assert process.returncode == 0, bar.tail.decode(errors="replace")[-2000:]
    assert report.startswith(f"Imported {IMPORT_ROWS} review(s)")
    # The members asked all through it, the second half of the bar (the writing) included.
    during_writes = [a for a in asked if 50 <= a.percent < 100]
    assert len(during_writes) >= 4, [(a.title, a.percent) for a in asked]
    slowest = max(asked, key=lambda a: a.latency)
    assert slowest.latency <= ANSWER_WITHIN, slowest

    started = time.monotonic()
    wanted = f"Beside Film {IMPORT_ROWS - 1}"
    while (found := await ask(run, wanted, bar, asked)) == "":
        assert time.monotonic() - started < FOUND_WITHIN, "the bot never saw the imported film"
        await asyncio.sleep(0.1)
    assert found.startswith(wanted)
