"""End-to-end benchmark: /review through real discord.py and the loopback Discord.

Each request is an INTERACTION_CREATE sent over the gateway socket; the time
is taken from that event leaving the stand-in to the interaction callback
arriving at it, over a 58,788-film catalog.

Run: .venv/bin/python -m bench.bench_e2e [--repeats 1000] [--write-docs]
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path

from bench.bench_store import percentile
from bench.movies import movie_reviews
from bench.report import bench_main
from bot.client import create_bot
from bot.config import Settings
from bot.store import Store
from standin import default_stand_in, synced_against
from standin.defaults import APPLICATION_ID, MEMBER_ID

SEED = 7


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


async def run(requests: int) -> str:
    reviews = movie_reviews()
    with tempfile.TemporaryDirectory() as folder:
        async with await Store.open(Path(folder) / "bench.db") as store:
            await store.writes.import_reviews(reviews, actor_id=None)
            latencies, wall = await review_latencies(store, [r.title for r in reviews], requests)
    return (
        f"| `/review` over {len(reviews):,} films, {requests:,} requests "
        "| p50 ms | p99 ms | max ms |\n"
        "|---|---:|---:|---:|\n"
        f"| gateway INTERACTION_CREATE → interaction callback | "
        f"{statistics.median(latencies):.1f} | {percentile(latencies, 0.99):.1f} | "
        f"{max(latencies):.1f} |\n"
        f"| whole round trip as the client sees it (incl. the stand-in) | "
        f"{statistics.median(wall):.1f} | {percentile(wall, 0.99):.1f} | {max(wall):.1f} |"
    )


async def review_latencies(
    store: Store, titles: list[str], requests: int
) -> tuple[list[float], list[float]]:
    """The real bot over ``store``: (callback latency, round trip) per /review, in ms."""
    stand_in = default_stand_in()
    bot = create_bot(Settings(), store=store, application_id=APPLICATION_ID)
    async with synced_against(bot, stand_in):
        # Members are rate limited; the benchmark is one very fast member.
        bot.get_command("review")._buckets._cooldown = None  # type: ignore[union-attr]
        return await _measure(stand_in, queries(titles, requests))


async def _measure(stand_in: object, texts: list[str]) -> tuple[list[float], list[float]]:
    latencies: list[float] = []
    wall: list[float] = []
    for text in texts:
        start = time.perf_counter()
        result = await stand_in.slash("review", {"title": text}, user=MEMBER_ID)  # type: ignore[attr-defined]
        wall.append((time.perf_counter() - start) * 1000)
        latencies.append(result.latency * 1000)
    return latencies, wall


def main() -> None:
    bench_main(__doc__, "e2e", run, 1_000)


if __name__ == "__main__":
    main()
