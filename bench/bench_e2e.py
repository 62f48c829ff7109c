"""End-to-end benchmark: /review through real discord.py and the loopback Discord,
beside the floor: a bare discord.py bot answering /review with a fixed card.

Each request is an INTERACTION_CREATE sent over the gateway socket; the time
is taken from that event leaving the stand-in to the interaction callback
arriving at it, over a 58,788-film catalog. Three measurements:

1. /review, as members type titles, beside the floor bot (no catalog, no lookup, no
   store: one embed built once, sent as the answer), the two taking turns in blocks
   of :data:`BLOCK` requests (one stand-in at a time: it redirects discord.py
   process-wide), so both see the machine under the same load; what is left between
   them is reviewbot's own work (lookup, card read, embed, view);
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
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import discord
from discord import app_commands

from bench.bench_store import percentile
from bench.movies import movie_reviews
from bench.report import bench_main
from bot.charts import ChartCache, render_in_thread
from bot.client import ReviewBot, create_bot
from bot.command_metrics import CALLBACK_PATH, CommandMetrics
from bot.config import Settings
from bot.embeds import review_embed
from bot.metrics import Metrics
from bot.models import ReviewDraft
from bot.ratelimit import MemberBudget
from bot.store import Store
from standin import LoopbackDiscord, connected, default_stand_in, synced_against
from standin.defaults import APPLICATION_ID, MEMBER_ID, MODERATOR_ID

SEED = 7
BLOCKS = 10  # alternating metrics-off / metrics-on blocks
WARM_UP = 20  # requests each freshly started bot answers before it is timed
SCRAPE_SECONDS = 1.0  # far more often than Prometheus' usual 15 s: an upper bound
STATS_ROUNDS = 5
DECADES = tuple(range(1910, 2010, 10))  # ten /stats slices: ten charts to draw
SLOW_MACHINE = 60.0  # how long a start or an answer may take on a loaded machine
UNLIMITED = (10**9, 1.0)  # members are rate limited; the benchmark is one very fast member
BLOCK = 100  # requests to reviewbot before the floor bot takes its turn
Ask = Callable[[str], Awaitable[tuple[float, float]]]
Samples = tuple[list[float], list[float]]  # callback latencies, round trips (ms)


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


class FloorBot(discord.Client):
    """The least a discord.py bot does to answer /review: parse the interaction, send
    one fixed embed (a real card's, built once) as the callback."""

    def __init__(self, card: discord.Embed) -> None:
        super().__init__(intents=discord.Intents.default(), application_id=APPLICATION_ID)
        self.tree = app_commands.CommandTree(self)

        @self.tree.command(name="review", description="Show a critic's review of a film")
        async def review(interaction: discord.Interaction, title: str) -> None:
            await interaction.response.send_message(embed=card)

    async def setup_hook(self) -> None:
        await self.tree.sync()


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
            await store.writes.import_reviews(reviews, actor_id=None)
            (latencies, wall), (floor, floor_wall) = await review_and_floor(
                store, reviews, requests
            )
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
    ratio = percentile(latencies, 0.99) / percentile(floor, 0.99)
    header = "| {} | requests | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|"
    return "\n".join(
        [
            f"Load average (1 min) during the run: {min(loads):.1f}–{max(loads):.1f} "
            "on the 2 cores.",
            "",
            header.format(f"`/review` over {len(reviews):,} films"),
            row("reviewbot: gateway INTERACTION_CREATE → interaction callback", latencies),
            row("floor (bare discord.py, fixed embed): the same", floor),
            row("reviewbot: whole round trip as the client sees it (incl. the stand-in)", wall),
            row("floor: the same", floor_wall),
            "",
            f"reviewbot's p99 is {ratio:.1f}× the floor's.",
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


async def review_and_floor(
    store: Store, reviews: list[ReviewDraft], requests: int
) -> tuple[Samples, Samples]:
    """reviewbot and the floor bot, in alternating blocks of :data:`BLOCK` requests
    (the same queries for both): (callback latency, round trip) per request, in ms."""
    card = review_embed(reviews[0])
    texts = queries([r.title for r in reviews], requests)
    bot: Samples = ([], [])
    floor: Samples = ([], [])
    for start in range(0, requests, BLOCK):
        block = texts[start : start + BLOCK]
        reviewbot = create_bot(
            Settings(), store=store, application_id=APPLICATION_ID, force_sync=True
        )
        reviewbot.lookup_budget = MemberBudget(UNLIMITED)
        _extend(bot, await _ask_all(reviewbot, block))
        _extend(floor, await _ask_all(FloorBot(card), block))
    return bot, floor


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
            bot.lookup_budget = MemberBudget(UNLIMITED)
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


def _extend(samples: Samples, more: Samples) -> None:
    samples[0].extend(more[0])
    samples[1].extend(more[1])


async def _ask_all(client: discord.Client, texts: list[str]) -> Samples:
    """Connect ``client`` to a new stand-in and ask it /review for each of ``texts``.

    One stand-in at a time: it points discord.py's REST base at itself, process-wide.
    """
    stand_in = default_stand_in()
    ask = _asker(stand_in)
    samples: Samples = ([], [])
    async with synced_against(client, stand_in):
        for text in texts:
            latency, round_trip = await ask(text)
            samples[0].append(latency)
            samples[1].append(round_trip)
    return samples


def _asker(stand_in: LoopbackDiscord) -> Ask:
    async def ask(text: str) -> tuple[float, float]:
        start = time.perf_counter()
        result = await stand_in.slash("review", {"title": text}, user=MEMBER_ID)
        round_trip = (time.perf_counter() - start) * 1000
        assert result.latency is not None, text
        return result.latency * 1000, round_trip

    return ask


def main() -> None:
    bench_main(__doc__, "e2e", run, 1_000)


if __name__ == "__main__":
    main()
