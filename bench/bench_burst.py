"""A burst: 1,000 `/review` from 200 members at once, through real discord.py.

The real bot runs in this process against the loopback Discord over the 58,788-film
catalog (and, with ``--films``, a larger one made of it). The 1,000 interactions are
sent back to back over the gateway socket, five per member (each member's whole
lookup budget); each is timed from its INTERACTION_CREATE leaving the stand-in to
the bot's first response (a card, or a deferral) arriving back. Discord gives up on
an interaction not acknowledged within 3 s, so the table counts those too. The
stand-in's own 3 s rule is off here, so a late answer is measured, not refused.

Run: .venv/bin/python -m bench.bench_burst [--repeats 1000] [--films 250000] [--write-docs]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
from dataclasses import replace
from pathlib import Path

from bench.bench_e2e import queries
from bench.bench_store import percentile
from bench.movies import movie_reviews
from bench.report import replace_section
from bot.client import create_bot
from bot.config import Settings
from bot.models import ReviewDraft
from bot.store import Store
from standin import InteractionResult, LoopbackDiscord, default_stand_in, synced_against
from standin.defaults import APPLICATION_ID, GUILD_ID

MEMBERS = 200
FIRST_MEMBER = 10_000
DISCORD_DEADLINE = 3.0


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


async def burst(store: Store, texts: list[str]) -> list[InteractionResult]:
    """The real bot over ``store`` answering ``texts`` as one burst; the results."""
    stand_in = burst_stand_in()
    bot = create_bot(Settings(), store=store, application_id=APPLICATION_ID)
    async with synced_against(bot, stand_in):
        sent = [
            await stand_in.slash(
                "review", {"title": text}, user=FIRST_MEMBER + n % MEMBERS, wait=False
            )
            for n, text in enumerate(texts)
        ]
        for result in sent:
            await result.wait_until_complete(120.0)
    return sent


async def measure(films: int, requests: int) -> str:
    reviews = catalog_of(films)
    with tempfile.TemporaryDirectory() as folder:
        async with await Store.open(Path(folder) / "bench.db") as store:
            await store.import_reviews(reviews, actor_id=None)
            results = await burst(store, queries([r.title for r in reviews], requests))
    firsts = [1000 * (result.latency or 0.0) for result in results]
    late = sum(first > 1000 * DISCORD_DEADLINE for first in firsts)
    deferred = sum(result.deferred for result in results)
    return (
        f"| {films:,} | {requests:,} from {MEMBERS} | {statistics.median(firsts):.0f} | "
        f"{percentile(firsts, 0.99):.0f} | {max(firsts):.0f} | {deferred} | {late} |"
    )


HEADER = (
    "| Films | `/review` | p50 ms | p99 ms | max ms | deferred | later than 3 s |\n"
    "|---:|---|---:|---:|---:|---:|---:|"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=1_000, help="interactions in the burst")
    parser.add_argument(
        "--films", type=int, action="append", help="catalog sizes (default: 58,788)"
    )
    parser.add_argument("--write-docs", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    rows = [asyncio.run(measure(films, args.repeats)) for films in args.films or [58_788]]
    table = "\n".join([HEADER, *rows])
    print(table)
    if args.write_docs:
        replace_section(Path("docs/benchmarks.md"), "burst", table)


if __name__ == "__main__":
    main()
