"""A burst: 1,000 `/review` from 200 members at once, through real discord.py.

The real bot runs in this process against the loopback Discord over the 58,788-film
catalog (and, with ``--films``, a larger one made of it). The 1,000 interactions are
sent back to back over the gateway socket, five per member (each member's whole
lookup budget); each is timed from its INTERACTION_CREATE leaving the stand-in to
the bot's first response (a card, or a deferral) arriving back. Discord gives up on
an interaction not acknowledged within 3 s, so the table counts those too. The
stand-in's own 3 s rule is off here, so a late answer is measured, not refused.

Each catalog is measured twice in the same run: as the bot runs (lookups take turns
and a long wait is deferred: bot/pacing.py), and with every lookup let loose at once,
as before turns existed.

Run: .venv/bin/python -m bench.bench_burst [--repeats 1000] [--films 250000] [--write-docs]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bench.bench_e2e import queries
from bench.bench_store import percentile
from bench.movies import movie_reviews
from bench.report import replace_section
from bot.client import create_bot
from bot.config import Settings
from bot.models import ReviewDraft
from bot.pacing import Turns
from bot.store import Store
from standin import InteractionResult, LoopbackDiscord, connected, default_stand_in
from standin.defaults import APPLICATION_ID, GUILD_ID

MEMBERS = 200
FIRST_MEMBER = 10_000
DISCORD_DEADLINE = 3.0
START_WITHIN = 120.0  # indexing 250,000 films on a busy machine takes a while


def catalog_of(films: int) -> list[ReviewDraft]:
    """``films`` reviews: the 58,788 films, then copies of them as later remakes."""
    base = movie_reviews()
    made = list(base[:films])
    copy = 0
    while len(made) < films:
        copy += 1
        made.extend(
            replace(review, year=review.year + 100 * copy) for review in base[: films - len(made)]
        )
    return made


def burst_stand_in() -> LoopbackDiscord:
    stand_in = default_stand_in(interaction_deadline=None, timeout=120.0)
    guild = stand_in.guild(GUILD_ID)
    for n in range(MEMBERS):
        stand_in.add_member(guild, FIRST_MEMBER + n, f"member-{n}")
    return stand_in


async def burst(
    store: Store, texts: list[str], *, in_turns: bool
) -> tuple[list[InteractionResult], float]:
    """The real bot over ``store`` answering ``texts`` as one burst: the results, and
    the seconds until the last answer was complete (deferred ones filled in)."""
    stand_in = burst_stand_in()
    # Forced: the catalog remembers the first run's sync, a new stand-in knows nothing.
    bot = create_bot(Settings(), store=store, application_id=APPLICATION_ID, force_sync=True)
    if not in_turns:  # as many turns as lookups, and never a deferral
        bot.turns = Turns(slots=len(texts), defer_after=math.inf)
    await stand_in.start()
    try:
        async with connected(bot, stand_in, start_within=START_WITHIN):
            await stand_in.wait_for_sync()
            return await _send(stand_in, texts)
    finally:
        await stand_in.close()


async def _send(
    stand_in: LoopbackDiscord, texts: list[str]
) -> tuple[list[InteractionResult], float]:
    """Every text as a /review, back to back, five per member; then wait for them all."""
    sent = [
        await stand_in.slash("review", {"title": text}, user=FIRST_MEMBER + n % MEMBERS, wait=False)
        for n, text in enumerate(texts)
    ]
    for result in sent:
        await result.wait_until_complete(120.0)
    return sent, time.monotonic() - sent[0].dispatched_at


async def measure(films: int, requests: int) -> list[str]:
    reviews = catalog_of(films)
    texts = queries([r.title for r in reviews], requests)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        async with await Store.open(Path(folder) / "bench.db") as store:
            await store.writes.import_reviews(reviews, actor_id=None)
            for in_turns in (True, False):
                results, finished = await burst(store, texts, in_turns=in_turns)
                rows.append(row(films, in_turns, results, finished))
    return rows


def row(films: int, in_turns: bool, results: list[InteractionResult], finished: float) -> str:
    firsts = [1000 * (result.latency or 0.0) for result in results]
    late = sum(first > 1000 * DISCORD_DEADLINE for first in firsts)
    deferred = sum(result.deferred for result in results)
    lookups = "in turns" if in_turns else "all at once (before)"
    return (
        f"| {films:,} | {lookups} | {statistics.median(firsts):.0f} | "
        f"{percentile(firsts, 0.99):.0f} | {max(firsts):.0f} | {deferred} | {late} | "
        f"{finished:.1f} |"
    )


HEADER = (
    "| Films | 1,000 `/review` from 200 members | first response p50 ms | p99 ms | max ms "
    "| deferred | later than 3 s | all answered, s |\n"
    "|---:|---|---:|---:|---:|---:|---:|---:|"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=1_000, help="interactions in the burst")
    parser.add_argument(
        "--films", type=int, action="append", help="catalog sizes (default: 58,788)"
    )
    parser.add_argument("--write-docs", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    rows = [
        line
        for films in args.films or [58_788]
        for line in asyncio.run(measure(films, args.repeats))
    ]
    table = "\n".join([HEADER, *rows])
    print(table)
    if args.write_docs:
        replace_section(Path("docs/benchmarks.md"), "burst", table)


if __name__ == "__main__":
    main()
