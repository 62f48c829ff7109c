"""Writers benchmark: importing the 58,788 films, and the bot answering while it runs.

Measured in one run, on one machine:

- ``reviewbot import`` of the films as a JSON file, in a child process, into a new
  database and again (nothing changed): wall time, CPU time and peak RSS;
- the store's import of the same reviews (already parsed) beside raw
  ``sqlite3.executemany`` of the same rows into the same ``reviews`` table, and
  the ratio;
- the longest time one import transaction held the write lock;
- ``/review`` (found and not found; a no-match also writes) through real discord.py
  and the loopback Discord while a CLI import of 58,788 more films runs beside the
  bot, and the writes the bot made meanwhile;
- ``/similar``'s store query over the 58,788 films.

Run: nice .venv/bin/python -m bench.bench_writers [--repeats 1000] [--write-docs]
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench.bench_store import percentile, timed
from bench.movies import movie_reviews
from bench.report import bench_main
from bot.client import create_bot
from bot.config import Settings
from bot.formats.export import export_json
from bot.models import ReviewDraft
from bot.store import Store
from bot.store.clock import utc_now
from bot.store.schema import content_params
from bot.store.sqlite import imports as bulk
from standin import default_stand_in, synced_against
from standin.defaults import APPLICATION_ID, MEMBER_ID

SEED = 11
# The child reports its own peak RSS (VmHWM: getrusage's ru_maxrss would include the
# benchmark's own memory, inherited at fork), its CPU time and its wall time.
CLI_WITH_RSS = (
    "import resource, sys, time\n"
    "start = time.perf_counter()\n"
    "from bot.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "usage = resource.getrusage(resource.RUSAGE_SELF)\n"
    "status = open('/proc/self/status').read().split('VmHWM:')[1].split()[0]\n"
    "print(f'BENCH {time.perf_counter() - start} {usage.ru_utime + usage.ru_stime} "
    "{status}', file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def cli_import(database: Path, file: Path) -> tuple[float, float, float, str]:
    """(wall s, CPU s, peak RSS MiB, report) of ``reviewbot import file``."""
    done = subprocess.run(
        [sys.executable, "-c", CLI_WITH_RSS, "--database", str(database), "import", str(file)],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(line for line in done.stderr.splitlines() if line.startswith("BENCH "))
    wall, cpu, rss_kib = (float(part) for part in line.split()[1:])
    return wall, cpu, rss_kib / 1024, done.stdout.strip()


def raw_executemany(database: Path, reviews: list[ReviewDraft]) -> float:
    """Seconds for sqlite3.executemany of the same rows into a new, migrated database."""
    asyncio.run(_create(database))
    rows = []
    now = utc_now()
    for review in reviews:
        params = content_params(review)
        rows.append({**params, "scope": 0, "now": now})
    columns = ", ".join(content_params(reviews[0]))
    values = ", ".join(f":{name}" for name in content_params(reviews[0]))
    db = sqlite3.connect(database, isolation_level=None)
    try:
        start = time.perf_counter()
        db.execute("BEGIN")
        # OR REPLACE: the data set repeats 9 title+year pairs, which the import merges.
        db.executemany(
            f"INSERT OR REPLACE INTO reviews (scope, {columns}, created_at, updated_at) "
            f"VALUES (:scope, {values}, :now, :now)",
            rows,
        )
        db.execute("COMMIT")
        return time.perf_counter() - start
    finally:
        db.close()


async def _create(database: Path) -> None:
    async with await Store.open(database):
        pass


@contextmanager
def chunk_timer() -> Iterator[list[float]]:
    """Seconds each apply transaction of an import took (BEGIN to end of COMMIT)."""
    seen: list[float] = []
    original = bulk._next_chunk

    def timing(size: int, elapsed: float) -> int:
        seen.append(elapsed)
        return original(size, elapsed)

    bulk._next_chunk = timing  # type: ignore[assignment]
    try:
        yield seen
    finally:
        bulk._next_chunk = original  # type: ignore[assignment]


async def store_import(
    database: Path, reviews: list[ReviewDraft]
) -> tuple[float, float, list[float]]:
    """(new database s, no-op again s, lock hold per transaction) through Store."""
    async with await Store.open(database) as store:
        with chunk_timer() as chunks:
            start = time.perf_counter()
            await store.writes.import_reviews(reviews, actor_id=None)
            first = time.perf_counter() - start
        start = time.perf_counter()
        await store.writes.import_reviews(reviews, actor_id=None)
        again = time.perf_counter() - start
    return first, again, chunks


def other_films(reviews: list[ReviewDraft]) -> list[ReviewDraft]:
    """58,788 films the catalog does not hold yet (for the import beside the bot)."""
    return [replace(review, title=f"{review.title} (second print)") for review in reviews]


class Unrecorded(logging.Handler):
    """Counts the misses the bot could not write (the catalog stayed busy)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += "not recorded" in record.getMessage()


class LoopWatch:
    """How long the event loop went without a turn (a 5 ms heartbeat's lateness) and
    how long Python's full garbage collections took, while it is entered."""

    BEAT = 0.005

    def __init__(self) -> None:
        self.worst_gap_ms = 0.0
        self.full_collections: list[float] = []
        self._collecting = 0.0

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._collecting = time.perf_counter()
        else:
            self.full_collections.append((time.perf_counter() - self._collecting) * 1000)

    async def _beat(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(self.BEAT)
            late = (time.perf_counter() - start - self.BEAT) * 1000
            self.worst_gap_ms = max(self.worst_gap_ms, late)

    async def __aenter__(self) -> LoopWatch:
        gc.callbacks.append(self._on_gc)
        self._task = asyncio.create_task(self._beat())
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._task.cancel()
        gc.callbacks.remove(self._on_gc)


async def review_during_import(
    folder: Path, reviews: list[ReviewDraft], file: Path
) -> tuple[list[float], list[float], int, float, LoopWatch]:
    """Latencies (ms) of found and not-found /review while a CLI import runs beside the bot."""
    settings = Settings(database_path=folder / "live.db")
    busy = Unrecorded()
    logging.getLogger("cogs.reviews").addHandler(busy)
    async with await Store.open(settings.database_path) as store:
        await store.writes.import_reviews(reviews, actor_id=None)
        stand_in = default_stand_in()
        bot = create_bot(settings, store=store, application_id=APPLICATION_ID)
        async with synced_against(bot, stand_in):
            for command in bot.walk_commands():
                command._buckets._cooldown = None  # one very fast member
            chooser = random.Random(SEED)
            titles = [review.title for review in reviews]
            found: list[float] = []
            missed: list[float] = []
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "--database",
                str(settings.database_path),
                "import",
                str(file),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL,
            )
            started = time.perf_counter()
            exited = asyncio.ensure_future(process.wait())
            n = 0
            async with LoopWatch() as loop:
                while not exited.done():
                    hit = await stand_in.slash(
                        "review", {"title": chooser.choice(titles)}, user=MEMBER_ID
                    )
                    miss = await stand_in.slash(
                        "review", {"title": f"qwzx plorf {n}"}, user=MEMBER_ID
                    )
                    found.append((hit.latency or 0) * 1000)
                    missed.append((miss.latency or 0) * 1000)
                    n += 1
            import_seconds = time.perf_counter() - started
            cog: Any = bot.get_cog("Reviews")
            await cog.misses_recorded()
            unrecorded = busy.count
    logging.getLogger("cogs.reviews").removeHandler(busy)
    return found, missed, unrecorded, import_seconds, loop


async def similar_latencies(database: Path, repeats: int) -> tuple[float, float, float]:
    async with await Store.open(database) as store:
        reviews = await store.reviews.list_reviews(guild_id=None, limit=100_000, order="id")
        chooser = random.Random(SEED)
        sample = [chooser.choice(reviews) for _ in range(repeats)]
        queue = iter(sample)
        p50, p99 = await timed(lambda: store.insights.related(next(queue), guild_id=None), repeats)
        worst = 0.0
        for review in sample[:50]:
            start = time.perf_counter()
            await store.insights.related(review, guild_id=None)
            worst = max(worst, (time.perf_counter() - start) * 1000)
    return p50, p99, worst


async def run(repeats: int) -> str:
    load_before = os.getloadavg()[0]
    reviews = movie_reviews()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        films = folder / "films.json"
        films.write_text(export_json(reviews), encoding="utf-8")
        wall, cpu, rss, report = cli_import(folder / "cli.db", films)
        wall_again, cpu_again, rss_again, report_again = cli_import(folder / "cli.db", films)
        raw = await asyncio.to_thread(raw_executemany, folder / "raw.db", reviews)
        first, again, chunks = await store_import(folder / "store.db", reviews)
        p50_similar, p99_similar, _ = await similar_latencies(folder / "store.db", repeats)
        second = folder / "second.json"
        second.write_text(export_json(other_films(reviews)), encoding="utf-8")
        found, missed, misses, beside, loop = await review_during_import(folder, reviews, second)
        size_mib = films.stat().st_size / 1024 / 1024
    load_after = os.getloadavg()[0]
    return "\n".join(
        [
            f"Load average of the shared machine: {load_before:.1f} at the start, "
            f"{load_after:.1f} at the end (2 cores: above 2, every wall time is stretched).",
            "",
            f"`reviewbot import` of {len(reviews):,} films ({size_mib:.0f} MiB of JSON), "
            "in a child process:",
            "",
            "| | wall s | CPU s | peak RSS MiB | report |",
            "|---|---:|---:|---:|---|",
            f"| into a new database | {wall:.1f} | {cpu:.1f} | {rss:.0f} | {report} |",
            f"| again, nothing changed | {wall_again:.1f} | {cpu_again:.1f} | "
            f"{rss_again:.0f} | {report_again} |",
            "",
            "The store's import of the same reviews, already parsed, beside raw "
            "`sqlite3.executemany` of the same rows into the same `reviews` table (one "
            "transaction, no terms, audit or journal):",
            "",
            "| | s | × raw |",
            "|---|---:|---:|",
            f"| raw `executemany` | {raw:.2f} | 1.0 |",
            f"| `store.writes.import_reviews`, new database | {first:.2f} | {first / raw:.1f} |",
            f"| `store.writes.import_reviews`, nothing changed | {again:.2f} | {again / raw:.1f} |",
            "",
            f"Write transactions of the import: {len(chunks)}; the longest held the lock "
            f"{max(chunks) * 1000:.0f} ms (median {statistics.median(chunks) * 1000:.0f} ms, "
            "COMMIT included; the import checkpoints the WAL between its transactions).",
            "",
            f"`/review` through real discord.py while `reviewbot import` adds "
            f"{len(reviews):,} more films beside the running bot ({beside:.1f} s), one member "
            "asking as fast as answered:",
            "",
            "| | requests | p50 ms | p99 ms | max ms |",
            "|---|---:|---:|---:|---:|",
            _row("found (a read)", found),
            _row("not found (answer, then a write)", missed),
            "",
            f"Misses the bot could not record because the catalog stayed busy for "
            f"1.5 s: {misses:,} of {len(missed):,}.",
            "",
            f"The bot's event loop meanwhile: longest time without a turn "
            f"{loop.worst_gap_ms:.0f} ms (a 5 ms heartbeat's worst lateness); full garbage "
            f"collections: {len(loop.full_collections)}, the longest "
            f"{max(loop.full_collections, default=0):.0f} ms.",
            "",
            "`/similar` (`store.insights.related`, ranked and limited in SQL) over "
            f"{len(reviews):,} films, {repeats:,} random films: p50 {p50_similar:.2f} ms, "
            f"p99 {p99_similar:.2f} ms.",
        ]
    )


def _row(name: str, samples: list[float]) -> str:
    return (
        f"| {name} | {len(samples):,} | {statistics.median(samples):.1f} | "
        f"{percentile(samples, 0.99):.1f} | {max(samples):.1f} |"
    )


def main() -> None:
    bench_main(__doc__, "writers", run, 1_000)


if __name__ == "__main__":
    main()
