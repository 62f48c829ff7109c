"""Chart benchmark: the /stats chart of the 58,788-film catalog, cold and cached.

Run: .venv/bin/python -m bench.bench_charts [--repeats N] [--write-docs]

Times the store's histogram queries, a render (the first in the process, which loads
fonts, and the following ones), a cached chart, ten concurrent requests for one chart,
and how late the event loop's timers fire while a chart renders in the worker thread
(the GIL is shared: this is what other members' lookups feel during a render).
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bench.bench_store import percentile, timed
from bench.movies import movie_reviews
from bench.report import bench_main
from bot.charts import HEIGHT_PX, WIDTH_PX, ChartCache, render_chart
from bot.histograms import CatalogHistograms
from bot.models import ReviewFilters
from bot.store import Store

REPEATS = 20
TICK = 0.001  # the ticker's sleep: how late it wakes is the loop's delay


async def loop_delays(while_running: asyncio.Future[object]) -> list[float]:
    """Milliseconds each 1 ms sleep overshot, until ``while_running`` is done."""
    delays = []
    while not while_running.done():
        start = time.perf_counter()
        await asyncio.sleep(TICK)
        delays.append((time.perf_counter() - start - TICK) * 1000)
    return delays


async def render_in_thread(histograms: CatalogHistograms) -> list[float]:
    rendering: asyncio.Future[object] = asyncio.ensure_future(
        asyncio.to_thread(render_chart, histograms)
    )
    delays = await loop_delays(rendering)
    await rendering
    return delays


async def idle_delays(seconds: float) -> list[float]:
    return await loop_delays(asyncio.ensure_future(asyncio.sleep(seconds)))


async def run(repeats: int) -> str:
    with tempfile.TemporaryDirectory() as folder:
        async with await Store.open(Path(folder) / "bench.db") as store:
            await store.writes.import_reviews(movie_reviews(), actor_id=None)

            async def load(scope: int | None, filters: ReviewFilters) -> CatalogHistograms:
                return await store.insights.histograms(filters, guild_id=scope)

            everything = await load(None, ReviewFilters())
            start = time.perf_counter()
            png = render_chart(everything)
            first_ms = (time.perf_counter() - start) * 1000
            renders = []
            for _ in range(repeats):
                start = time.perf_counter()
                render_chart(everything)
                renders.append((time.perf_counter() - start) * 1000)
            query = await timed(lambda: load(None, ReviewFilters()), repeats)
            drama_90s = ReviewFilters(genre="Drama", year_from=1990, year_to=1999)
            sliced = await timed(lambda: load(None, drama_90s), repeats)

            cache = ChartCache(load)
            start = time.perf_counter()
            await cache.get(None, ReviewFilters())
            cold_ms = (time.perf_counter() - start) * 1000
            cached = await timed(lambda: cache.get(None, ReviewFilters()), repeats * 50)
            cache.invalidate()
            start = time.perf_counter()
            await asyncio.gather(*(cache.get(None, ReviewFilters()) for _ in range(10)))
            ten_ms = (time.perf_counter() - start) * 1000
            ten_renders = cache.renders - 1

            during = await render_in_thread(everything)
            idle = await idle_delays(sum(renders) / len(renders) / 1000)
    lines = [
        f"Catalog: {everything.total:,} reviews; chart {WIDTH_PX}×{HEIGHT_PX} px, "
        f"{len(png) / 1024:.0f} KiB PNG.",
        "",
        f"| /stats chart ({repeats} runs each) | p50 ms | p99 ms |",
        "|---|---:|---:|",
        f"| store: histograms of the whole catalog | {query[0]:.1f} | {query[1]:.1f} |",
        f"| store: histograms of Drama of the 1990s | {sliced[0]:.1f} | {sliced[1]:.1f} |",
        f"| render, first in the process (loads fonts) | {first_ms:.0f} | — |",
        f"| render | {statistics.median(renders):.0f} | {percentile(renders, 0.99):.0f} |",
        f"| ChartCache.get, cold (query + render in a thread) | {cold_ms:.0f} | — |",
        f"| ChartCache.get, cached ({repeats * 50} runs) | {cached[0]:.3f} | {cached[1]:.3f} |",
        f"| ten concurrent gets of one chart ({ten_renders} render) | {ten_ms:.0f} | — |",
        "",
        "| Event loop: how late a 1 ms timer fires | p50 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|",
        f"| idle | {statistics.median(idle):.2f} | {percentile(idle, 0.99):.2f} "
        f"| {max(idle):.2f} |",
        f"| while a chart renders in the worker thread | {statistics.median(during):.2f} "
        f"| {percentile(during, 0.99):.2f} | {max(during):.2f} |",
    ]
    return "\n".join(lines)


def main() -> None:
    bench_main(__doc__, "charts", run, REPEATS)


if __name__ == "__main__":
    main()
