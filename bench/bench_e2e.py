"""End-to-end benchmark: /review through real discord.py and the loopback Discord.

Each request is an INTERACTION_CREATE sent over the gateway socket; the time
is taken from that event leaving the stand-in to the interaction callback
arriving at it, over a 58,788-film catalog. Three measurements:

1. /review, as members type titles;
2. the same with metrics on (METRICS_PORT: every command counted and timed, every
   query timed, /metrics scraped every second) and off, in alternating blocks of
   requests, each block on a freshly started bot, so the machine's changing load
   falls on both alike; and the metrics' own bookkeeping for one /review (its
   command, lookup and store queries recorded), timed alone, free of that noise;
3. /review while ten /stats charts render (ten slices, so ten renders, not one
   shared), beside /review on the idle bot: in the bot's render process, and, for
   comparison, in a thread of the bot's own process.

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
from bot.charts import ChartCache, render_in_thread
from bot.client import ReviewBot, create_bot
from bot.command_metrics import CALLBACK_PATH, CommandMetrics
from bot.config import Settings
from bot.metrics import Metrics
from bot.store import Store
from standin import LoopbackDiscord, connected, default_stand_in
from standin.defaults import APPLICATION_ID, MEMBER_ID, MODERATOR_ID

SEED = 7
BLOCKS = 10  # alternating metrics-off / metrics-on blocks
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
        off, on, queries_each = await metrics_cost(database, titles, requests)
        bookkeeping = bookkeeping_microseconds(queries_each)
        loads.append(os.getloadavg()[0])
        idle, during, rendered = await review_while_charts_render(database, titles, requests)
        loads.append(os.getloadavg()[0])
        _, threaded, threaded_rounds = await review_while_charts_render(
            database, titles, requests, in_thread=True
        )
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
            f"| metrics' own bookkeeping per `/review` ({queries_each:.1f} store queries), "
            f"timed alone | | {bookkeeping:.1f} µs "
            f"({bookkeeping / 1000 / statistics.median(off):.1%} of the p50) | | |",
            "",
            header.format("`/review` beside `/stats` charts"),
            row("idle bot", idle),
            row(f"while ten `/stats` charts render ({STATS_ROUNDS} rounds)", during),
            f"| ten `/stats` answered with their charts, per round (s) | {STATS_ROUNDS} "
            f"| {statistics.median(rendered):.1f} | | {max(rendered):.1f} |",
            row("the same, charts rendered in a thread of the bot instead", threaded),
            f"| ten `/stats` per round, rendered in a thread (s) | {STATS_ROUNDS} "
            f"| {statistics.median(threaded_rounds):.1f} | | {max(threaded_rounds):.1f} |",
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
) -> tuple[list[float], list[float], float]:
    """/review callback latencies (ms) with metrics off and on, block by block, and how
    many store queries the bot made per /review (as its metrics counted them)."""
    block = requests // BLOCKS
    texts = queries(titles, block * BLOCKS + WARM_UP)
    warm_up, timed = texts[:WARM_UP], texts[WARM_UP:]
    off: list[float] = []
    on: list[float] = []
    queries_made = 0.0
    for index in range(BLOCKS):
        chunk = timed[index * block : (index + 1) * block]
        for port, samples in ((None, off), (0, on)):
            # A store of its own per bot: an observed store stays observed.
            async with (
                await Store.open(database) as store,
                review_bot(store, Settings(metrics_port=port)) as (bot, stand_in),
            ):
                await _measure(stand_in, warm_up)
                before = _store_queries(bot.metrics)
                scraping = asyncio.create_task(_scrape_forever(bot))
                try:
                    samples.extend((await _measure(stand_in, chunk))[0])
                finally:
                    scraping.cancel()
                queries_made += _store_queries(bot.metrics) - before
    return off, on, queries_made / len(on)


def _store_queries(metrics: Metrics) -> float:
    count = 0.0
    for work in ("read", "write"):
        labels = {"work": work}
        value = metrics.registry.get_sample_value("reviewbot_store_query_seconds_count", labels)
        count += value or 0.0
    return count


def bookkeeping_microseconds(queries_each: float, reviews: int = 20_000) -> float:
    """What metrics add to one /review, alone: its arrival, first response (the trace's
    URL match) and end recorded, its lookup counted, its store queries timed."""
    metrics = Metrics(["review"])
    timer = CommandMetrics(metrics)
    callback = "/api/v10/interactions/1234567890/token/callback"
    per_review = round(queries_each)
    start = time.perf_counter()
    for key in range(reviews):
        timer.started(key)
        if CALLBACK_PATH.search(callback):
            timer.responded(key)
        metrics.lookup("exact")
        for _ in range(per_review):
            metrics.store_query("read", 0.001)
        timer.finished(key, "review", "answered")
    return (time.perf_counter() - start) / reviews * 1e6


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
    database: Path, titles: list[str], requests: int, *, in_thread: bool = False
) -> tuple[list[float], list[float], list[float]]:
    """/review latencies (ms) on the idle bot and while ten /stats charts render, and
    how long each round of ten /stats took (s)."""
    texts = iter(queries(titles, requests + 100_000))
    async with (
        await Store.open(database) as store,
        review_bot(store, Settings()) as (bot, stand_in),
    ):
        if in_thread:  # the bot as it would be without its render process
            bot.charts = ChartCache(bot.charts._load, render=render_in_thread)
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
