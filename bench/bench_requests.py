"""Requests benchmark: /wanted and a request press in a server at its limits, on SQLite.

One server holds 1,000 misses (the most ``lookup_misses`` keeps) and 4,950 open
requests from 99 members for 2,500 different titles (two spellings each), beside the
58,788 films of ggplot2movies (bench/movies.py) so the "now resolves to a card" check
searches a full index. Measured: ``catalog.requests.queue`` (clustering every entry and
miss, then resolving the top rows), one request press (placing it among every entry
inside its write), ``answer`` for an import of 100 new films, and the catch-up a bot
runs at start (``answer_resolved``: every open entry checked against the index) once
100 more films were imported with no bot running, then again with nothing left to
answer. Run it niced:

    nice .venv/bin/python -m bench.bench_requests [--repeats 20]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

from bench.movies import movie_reviews
from bot.catalog import Catalog
from bot.models import ReviewDraft

GUILD = 111
SEED = 21


def _title(rng: random.Random) -> str:
    words = ["night", "river", "glass", "winter", "paper", "silent", "orange", "harbour"]
    return " ".join(rng.choice(words) for _ in range(3)) + f" {rng.randrange(10_000)}"


async def _run(repeats: int) -> None:
    rng = random.Random(SEED)
    with tempfile.TemporaryDirectory() as folder:
        catalog = await Catalog.open(Path(folder) / "bench.db")
        try:
            await catalog.curation.import_reviews(movie_reviews(), actor_id=None)
            for _ in range(1_000):
                await catalog.insights.record_miss(GUILD, _title(rng))
            titles = [_title(rng) for _ in range(2_500)]
            started = time.perf_counter()
            for number in range(4_950):
                member, title = divmod(number, 50)
                text = titles[(member * 50 + title) % len(titles)]
                await catalog.requests.request(GUILD, member, text.upper() if title % 2 else text)
            filled = time.perf_counter() - started
            queue = []
            for _ in range(repeats):
                started = time.perf_counter()
                await catalog.requests.queue(GUILD)
                queue.append(time.perf_counter() - started)
            press = []
            for number in range(repeats):
                started = time.perf_counter()
                await catalog.requests.request(GUILD, 1_000 + number, _title(rng))
                press.append(time.perf_counter() - started)
            new = [ReviewDraft(title=text, year=2020) for text in titles[:100]]
            report = await catalog.curation.import_reviews(new, actor_id=None)
            published = await catalog.finder.read_many(sorted(report.added_ids))
            started = time.perf_counter()
            answers = await catalog.requests.answer(GUILD, published)
            answered = time.perf_counter() - started
            unheard = [ReviewDraft(title=text, year=2020) for text in titles[100:200]]
            await catalog.curation.import_reviews(unheard, actor_id=None)
            started = time.perf_counter()
            ticker = asyncio.create_task(_ticks(gaps := []))
            caught_up = await catalog.requests.answer_resolved(GUILD)
            catch_up = time.perf_counter() - started
            ticker.cancel()
            started = time.perf_counter()
            await catalog.requests.answer_resolved(GUILD)
            nothing_left = time.perf_counter() - started
        finally:
            await catalog.close()
    print(f"4,950 requests placed one by one: {filled:.1f} s ({filled / 4_950 * 1000:.1f} ms each)")
    print(f"queue (1,000 misses, 2,500 entries): {_spread(queue)}")
    print(f"one request press: {_spread(press)}")
    print(f"answer 100 new films: {answered * 1000:.0f} ms, {len(answers)} entries answered")
    print(
        f"catch-up at start after 100 films imported unheard: {catch_up * 1000:.0f} ms, "
        f"{len(caught_up)} entries answered (longest stall of the event loop "
        f"{max(gaps) * 1000:.0f} ms); with none left: {nothing_left * 1000:.0f} ms"
    )


async def _ticks(gaps: list[float]) -> None:
    """Records how long each turn of the event loop took while the task runs."""
    last = time.perf_counter()
    while True:
        await asyncio.sleep(0)
        now = time.perf_counter()
        gaps.append(now - last)
        last = now


def _spread(seconds: list[float]) -> str:
    return f"p50 {statistics.median(seconds) * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=20)
    asyncio.run(_run(parser.parse_args().repeats))


if __name__ == "__main__":
    main()
