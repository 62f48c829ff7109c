"""The console's answer time for lines that are not a command the bot answers.

A line of plain text, an unknown prefix command and a bare mention once waited the
stand-in's 5 s for a reply that never came. Each is timed here from the console
taking the line to its answer being printed, through the real bot on the loopback
Discord (the starter catalog in a temporary database), beside `/review heat` for scale.

Run: .venv/bin/python -m bench.bench_console [--repeats 200] [--write-docs]
"""

from __future__ import annotations

import io
import statistics
import tempfile
import time
from pathlib import Path

from rich.console import Console

from bench.bench_store import percentile
from bench.report import bench_main
from bot.client import create_bot
from bot.config import Settings
from bot.console import ConsoleSession
from standin import default_stand_in, synced_against
from standin.defaults import APPLICATION_ID, MEMBER_ID

LINES = {
    "a plain line (`hello there`)": "hello there",
    "an unknown prefix command (`!nonsense`)": "!nonsense",
    "a bare mention (`@bot`): the bot's hint": "@bot",
    "`/review heat`, for scale": "/review heat",
}


async def no_form(prompt: str) -> str:
    raise AssertionError(f"no line here opens a form ({prompt!r})")


async def run(repeats: int) -> str:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database_path=Path(folder) / "console.db")
        stand_in = default_stand_in()
        bot = create_bot(settings, application_id=APPLICATION_ID, force_sync=True)
        async with synced_against(bot, stand_in):
            # One very fast member: lookups are not rate limited here.
            bot.get_command("review")._buckets._cooldown = None  # type: ignore[union-attr]
            session = ConsoleSession(
                stand_in,
                MEMBER_ID,
                Console(file=io.StringIO()),
                prefix_commands=frozenset(bot.all_commands),
            )
            rows = []
            for label, line in LINES.items():
                times = []
                for _ in range(repeats):
                    start = time.perf_counter()
                    await session.handle(line, no_form)
                    times.append((time.perf_counter() - start) * 1000)
                rows.append(
                    f"| {label} | {statistics.median(times):.2f} | "
                    f"{percentile(times, 0.99):.2f} | {max(times):.2f} |"
                )
    header = f"| Typed into `reviewbot console`, {repeats:,} times | p50 ms | p99 ms | max ms |"
    return "\n".join([header, "|---|---:|---:|---:|", *rows])


def main() -> None:
    bench_main(__doc__, "console", run, 200)


if __name__ == "__main__":
    main()
