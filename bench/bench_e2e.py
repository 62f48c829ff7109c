"""End-to-end benchmark: /review through real discord.py and the loopback Discord.

Each request is an INTERACTION_CREATE sent over the gateway socket; the time
is taken from that event leaving the stand-in to the interaction callback
arriving at it, over a 58,788-film catalog. Three measurements:

1. /review, as members type titles;
2. the same with metrics on (METRICS_PORT: every command counted and timed, every
   query timed, /metrics scraped every second) and off, in alternating blocks of
   requests, each block on a freshly started bot, so the machine's changing load
   falls on both alike;
3. /review while ten /stats charts render (ten slices, so ten renders, not one
   shared), beside /review on the idle bot.

Run: .venv/bin/python -m bench.bench_e2e [--repeats 1000] [--write-docs]
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp

from bench.bench_store import percentile
from bench.movies import movie_reviews
from bench.report import bench_main
from bot.client import ReviewBot, create_bot
from bot.config import Settings
from bot.store import Store
from standin import LoopbackDiscord, connected, default_stand_in
from standin.defaults import APPLICATION_ID, MEMBER_ID, MODERATOR_ID

SEED = 7
BLOCKS = 5  # alternating metrics-off / metrics-on blocks
WARM_UP = 20  # requests each freshly started bot answers before it is timed
SCRAPE_SECONDS = 1.0  # far more often than Prometheus' usual 15 s: an upper bound
STATS_ROUNDS = 5
DECADES = tuple(range(1910, 2010, 10))  # ten /stats slices: ten charts to draw
SLOW_MACHINE = 60.0  # how long a start or an answer may take on a loaded machine


def queries(titles: list[str], count: int) -> list[str]:
    """Titles as members type them: half exact, half lower-case with one letter dropped."""
    chooser = random.Random(SEED)
    picked = []
    for index in range(count):
        title = chooser.choice(titles)
        if index % 2 and len(title) > 6:
            cut = chooser.randrange(1, len(title) - 1)
            title = (title[:cut] + title[cut + 1 :]).lower()
        picked.append(title)
    return picked


def row(label: str, samples: list[float]) -> str:
    return (
        f"| {label} | {len(samples):,} | {statistics.median(samples):.1f} "
        f"| {percentile(samples, 0.99):.1f} | {max(samples):.1f} |"
    )


async def run(requests: int) -> str:
    reviews = movie_reviews()
    titles = [review.title for review in reviews]
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bench.db"
        async with await Store.open(database) as store:
            await store.import_reviews(reviews, actor_id=None)
            latencies, wall = await review_latencies(store, titles, requests)
        loads.append(os.getloadavg()[0])
        off, on = await metrics_cost(database, titles, requests)
        loads.append(os.getloadavg()[0])
        idle, during, rendered = await review_while_charts_render(database, titles, requests)
        loads.append(os.getloadavg()[0])
    cost = statistics.median(on) / statistics.median(off) - 1
    header = "| {} | requests | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|"
    return "\n".join(
        [
            f"Load average (1 min) during the run: {min(loads):.1f}–{max(loads):.1f} "
            "on the 2 cores.",
            "",
            header.format(f"`/review` over {len(reviews):,} films"),
            row("gateway INTERACTION_CREATE → interaction callback", latencies),
            row("whole round trip as the client sees it (incl. the stand-in)", wall),
            "",
            header.format(f"Metrics off and on, {BLOCKS} alternating blocks"),
            row("metrics off (no METRICS_PORT)", off),
            row("metrics on (METRICS_PORT, /metrics scraped every second)", on),
            f"| metrics' cost at p50 | | {cost:+.1%} | | |",
            "",
            header.format("`/review` beside `/stats` charts"),
            row("idle bot", idle),
            row(f"while ten `/stats` charts render ({STATS_ROUNDS} rounds)", during),
            f"| ten `/stats` answered with their charts, per round (s) | {STATS_ROUNDS} "
            f"| {statistics.median(rendered):.1f} | | {max(rendered):.1f} |",
        ]
    )


async def review_latencies(
    store: Store, titles: list[str], requests: int, settings: Settings | None = None
) -> tuple[list[float], list[float]]:
    """The real bot over ``store``: (callback latency, round trip) per /review, in ms."""
    async with review_bot(store, settings or Settings()) as (_, stand_in):
        return await _measure(stand_in, queries(titles, requests))


@asynccontextmanager
async def review_bot(
    store: Store, settings: Settings
) -> AsyncIterator[tuple[ReviewBot, LoopbackDiscord]]:
    # Generous waits: on a loaded machine a start over 58,788 films takes seconds.
    stand_in = default_stand_in(timeout=SLOW_MACHINE)
    # A new stand-in knows no commands, whatever the database remembers of a sync.
    bot = create_bot(settings, store=store, application_id=APPLICATION_ID, force_sync=True)
    await stand_in.start()
    try:
        async with connected(bot, stand_in, start_within=SLOW_MACHINE):
            await stand_in.wait_for_sync()
            # Members are rate limited; the benchmark is one very fast member.
            bot.get_command("review")._buckets._cooldown = None  # type: ignore[union-attr]
            yield bot, stand_in
    finally:
        await stand_in.close()


async def metrics_cost(
    database: Path, titles: list[str], requests: int
) -> tuple[list[float], list[float]]:
    """/review callback latencies (ms) with metrics off and on, block by block."""
    block = requests // BLOCKS
    texts = queries(titles, block * BLOCKS + WARM_UP)
    warm_up, timed = texts[:WARM_UP], texts[WARM_UP:]
    off: list[float] = []
    on: list[float] = []
    for index in range(BLOCKS):
        chunk = timed[index * block : (index + 1) * block]
        for port, samples in ((None, off), (0, on)):
            # A store of its own per bot: an observed store stays observed.
            async with (
                await Store.open(database) as store,
                review_bot(store, Settings(metrics_port=port)) as (bot, stand_in),
            ):
                await _measure(stand_in, warm_up)
                scraping = asyncio.create_task(_scrape_forever(bot))
                try:
                    samples.extend((await _measure(stand_in, chunk))[0])
                finally:
                    scraping.cancel()
    return off, on


async def _scrape_forever(bot: ReviewBot) -> None:
    """What Prometheus does to a bot with metrics on (nothing, with them off)."""
    if bot.health is None:
        return
    host, port = bot.health.address
    async with aiohttp.ClientSession() as session:
        while True:
            async with session.get(f"http://{host}:{port}/metrics") as response:
                await response.read()
            await asyncio.sleep(SCRAPE_SECONDS)


async def review_while_charts_render(
    database: Path, titles: list[str], requests: int
) -> tuple[list[float], list[float], list[float]]:
    """/review latencies (ms) on the idle bot and while ten /stats charts render, and
    how long each round of ten /stats took (s)."""
    texts = iter(queries(titles, requests + 100_000))
    async with (
        await Store.open(database) as store,
        review_bot(store, Settings()) as (bot, stand_in),
    ):
        await _measure(stand_in, [next(texts) for _ in range(WARM_UP)])
        idle, _ = await _measure(stand_in, [next(texts) for _ in range(requests)])
        during: list[float] = []
        rounds: list[float] = []
        for _ in range(STATS_ROUNDS):
            bot.charts.invalidate()
            renders = bot.charts.renders
            start = time.perf_counter()
            charts = asyncio.gather(
                *(
                    stand_in.slash("stats", {"decade": decade}, user=MODERATOR_ID)
                    for decade in DECADES
                )
            )
            while not charts.done():
                during.extend((await _measure(stand_in, [next(texts)]))[0])
            for answer in await charts:
                assert answer.message.attachments, "a /stats came back without its chart"
            rounds.append(time.perf_counter() - start)
            assert bot.charts.renders == renders + len(DECADES)
    return idle, during, rounds


async def _measure(stand_in: LoopbackDiscord, texts: list[str]) -> tuple[list[float], list[float]]:
    latencies: list[float] = []
    wall: list[float] = []
    for text in texts:
        start = time.perf_counter()
        result = await stand_in.slash("review", {"title": text}, user=MEMBER_ID)
        wall.append((time.perf_counter() - start) * 1000)
        assert result.latency is not None
        latencies.append(result.latency * 1000)
    return latencies, wall


def main() -> None:
    bench_main(__doc__, "e2e", run, 1_000)


if __name__ == "__main__":
    main()
