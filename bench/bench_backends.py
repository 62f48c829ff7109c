"""SQLite beside PostgreSQL in one run: import, /random, /review end to end, change feed.

Over the 58,788 ggplot2movies films, on each backend: the store's import
(SQLite: short transactions in a worker thread; PostgreSQL: COPY and set-based SQL
in one transaction), /random p99 at the store for the filter sets of bench_store, and
/review end to end through real discord.py (as bench_e2e). On PostgreSQL also
the change feed: another process commits a review, this one has it in its
title index (bench/feed_writer.py writes, the latency is wall clock from the
writer's commit returning to this process's index holding the review).

PostgreSQL is a throwaway server started here (tests/pgserver.py), on this
machine, over 127.0.0.1 TCP: no network between bot and database.

Run: .venv/bin/python -m bench.bench_backends [--repeats 300] [--write-docs]
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_e2e import review_latencies
from bench.bench_store import FILTER_CASES, percentile, timed
from bench.movies import movie_reviews
from bench.report import bench_main
from bot.catalog import Catalog
from bot.models import ReviewDraft
from bot.store import Store
from tests.pgserver import PostgresServer

FEED_WRITES = 300
REPO = Path(__file__).resolve().parent.parent


async def measure(target: str, reviews: list[ReviewDraft], repeats: int) -> dict[str, str]:
    """One column of the table: figures for the catalog at ``target``."""
    column: dict[str, str] = {}
    async with await Store.open(target) as store:
        start = time.perf_counter()
        await store.writes.import_reviews(reviews, actor_id=None)
        column["import into a new database"] = f"{time.perf_counter() - start:.1f} s"
        start = time.perf_counter()
        await Catalog.from_store(store)
        column["title index built from the store"] = f"{time.perf_counter() - start:.2f} s"
        for name, filters in FILTER_CASES.items():
            _, p99 = await timed(
                lambda f=filters: store.picks.random_pick(f, guild_id=None, channel_id=1), repeats
            )
            column[f"`/random` p99: {name}"] = f"{p99:.1f} ms"
        latencies, _ = await review_latencies(store, [r.title for r in reviews], repeats)
        column["`/review` end to end p50"] = f"{statistics.median(latencies):.1f} ms"
        column["`/review` end to end p99"] = f"{percentile(latencies, 0.99):.1f} ms"
    return column


async def feed_latencies(url: str, writes: int) -> list[float]:
    """Milliseconds from another process's commit to this process's index holding it."""
    catalog = await Catalog.open(url)
    writer = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.feed_writer",
        url,
        str(writes),
        cwd=REPO,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert writer.stdin is not None and writer.stdout is not None
    arrived: dict[int, float] = {}
    everything = asyncio.Event()

    async def follow() -> None:
        async for batch in catalog.sync.feed.batches():
            await catalog.sync.apply_changes(batch)
            now = time.time()
            for change in batch.changes:
                if change.external and change.review_id in catalog.finder.index:
                    arrived.setdefault(change.review_id, now)
            if len(arrived) >= writes:
                everything.set()

    following = asyncio.create_task(follow())
    try:
        assert await writer.stdout.readline() == b"ready\n"
        writer.stdin.write(b"go\n")
        await writer.stdin.drain()
        committed = {}
        for _ in range(writes):
            review_id, at = (await writer.stdout.readline()).split()
            committed[int(review_id)] = float(at)
        await writer.wait()
        await everything.wait()
    finally:
        following.cancel()
        await asyncio.gather(following, return_exceptions=True)
        await catalog.close()
    return [(arrived[key] - at) * 1000 for key, at in committed.items()]


async def run(repeats: int) -> str:
    reviews = movie_reviews()
    load_before = os.getloadavg()[0]
    server = PostgresServer.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            sqlite = await measure(str(Path(folder) / "bench.db"), reviews, repeats)
        postgresql = await measure(server.create_database("bench"), reviews, repeats)
        feed = await feed_latencies(server.create_database("feed"), FEED_WRITES)
    finally:
        server.stop()
    load_after = os.getloadavg()[0]
    lines = [
        f"{len(reviews):,} films; {repeats:,} picks per `/random` filter set and "
        f"{repeats:,} `/review` requests per backend. Machine load (1-minute average, "
        f"2 cores, shared with other work): {load_before:.1f} at the start, "
        f"{load_after:.1f} at the end.",
        "",
        "| | SQLite | PostgreSQL 15 |",
        "|---|---:|---:|",
        *(f"| {name} | {sqlite[name]} | {postgresql[name]} |" for name in sqlite),
        "",
        f"| Change feed, process → process, {FEED_WRITES} writes | p50 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|",
        f"| commit returns in the writer → review in the reader's title index "
        f"| {statistics.median(feed):.1f} | {percentile(feed, 0.99):.1f} | {max(feed):.1f} |",
    ]
    return "\n".join(lines)


def main() -> None:
    bench_main(__doc__, "backends", run, 300)


if __name__ == "__main__":
    main()
