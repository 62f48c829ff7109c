"""The writing process of the change-feed benchmark (bench/bench_backends.py runs it).

    python -m bench.feed_writer DATABASE_URL COUNT

Adds COUNT reviews, one at a time, and prints ``<review id> <wall-clock time the
commit returned>`` for each, so the reading process can time their arrival.
"""

from __future__ import annotations

import asyncio
import sys
import time

from bot.store import Store
from tests.conftest import make_review

PAUSE_SECONDS = 0.02  # one write at a time: each one's latency, not a queue's


async def write(url: str, count: int) -> None:
    async with await Store.open(url) as store:
        print("ready", flush=True)
        sys.stdin.readline()  # the reader is listening
        for n in range(count):
            review = await store.writes.add(make_review(f"Feed Film {n}", 2000), actor_id=None)
            print(review.id, time.time(), flush=True)
            await asyncio.sleep(PAUSE_SECONDS)


if __name__ == "__main__":
    asyncio.run(write(sys.argv[1], int(sys.argv[2])))
