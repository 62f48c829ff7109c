"""End-to-end benchmark: /review through real discord.py and the loopback Discord,
beside the floor: a bare discord.py bot answering /review with a fixed card.

Each request is an INTERACTION_CREATE sent over the gateway socket; the time
is taken from that event leaving the stand-in to the interaction callback
arriving at it, over a 58,788-film catalog. The floor bot (no catalog, no lookup,
no store: one embed built once, sent as the answer) is measured in the same run,
the two taking turns in blocks of :data:`BLOCK` requests (one stand-in at a time:
it redirects discord.py process-wide), so both see the machine under the same load;
what is left between them is reviewbot's own work (lookup, card read, embed, view).

Run: .venv/bin/python -m bench.bench_e2e [--repeats 1000] [--write-docs]
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import discord
from discord import app_commands

from bench.bench_store import percentile
from bench.movies import movie_reviews
from bench.report import bench_main
from bot.client import create_bot
from bot.config import Settings
from bot.embeds import review_embed
from bot.models import ReviewDraft
from bot.ratelimit import MemberBudget
from bot.store import Store
from standin import LoopbackDiscord, default_stand_in, synced_against
from standin.defaults import APPLICATION_ID, MEMBER_ID

SEED = 7
UNLIMITED = (10**9, 1.0)  # members are rate limited; the benchmark is one very fast member
BLOCK = 100  # requests to one bot before the other takes its turn
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


def _row(name: str, samples: list[float]) -> str:
    return (
        f"| {name} | {statistics.median(samples):.1f} | {percentile(samples, 0.99):.1f} "
        f"| {max(samples):.1f} |"
    )


async def run(requests: int) -> str:
    reviews = movie_reviews()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        async with await Store.open(Path(folder) / "bench.db") as store:
            await store.writes.import_reviews(reviews, actor_id=None)
            measured = await review_and_floor(store, reviews, requests)
    load_after = os.getloadavg()
    (bot, bot_wall), (floor, floor_wall) = measured
    ratio = percentile(bot, 0.99) / percentile(floor, 0.99)
    return "\n".join(
        [
            f"Load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after "
            "(`os.getloadavg()`, 2 cores shared with other work).",
            "",
            f"| `/review` over {len(reviews):,} films, {requests:,} requests each "
            "| p50 ms | p99 ms | max ms |",
            "|---|---:|---:|---:|",
            _row("reviewbot: gateway INTERACTION_CREATE → interaction callback", bot),
            _row("floor (bare discord.py, fixed embed): the same", floor),
            _row(
                "reviewbot: whole round trip as the client sees it (incl. the stand-in)", bot_wall
            ),
            _row("floor: the same", floor_wall),
            "",
            f"reviewbot's p99 is {ratio:.1f}× the floor's.",
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
    store: Store, titles: list[str], requests: int
) -> tuple[list[float], list[float]]:
    """The real bot over ``store``: (callback latency, round trip) per /review, in ms."""
    bot = create_bot(Settings(), store=store, application_id=APPLICATION_ID, force_sync=True)
    bot.lookup_budget = MemberBudget(UNLIMITED)
    return await _ask_all(bot, queries(titles, requests))


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
