"""The catalog out of reach: named for the operator once, one plain sentence for members.

The bot runs on a PostgreSQL server of the test's own, which the test stops outright
(``pg_ctl stop -m immediate``, as a crash or a careless restart would) while members
keep asking, then starts again; and on the shared server, where it cuts every one of
the bot's connections (``pg_terminate_backend``) in the middle of a burst, which once
left asyncpg's "cannot switch to state 12" error to end the change-feed follower. A
full SQLite disk is the same fault; SQLite's own ``max_page_count`` makes it one here.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg
import pytest

from bot.client import ReviewBot, create_bot
from bot.config import Settings
from bot.faults import CATALOG_UNAVAILABLE
from bot.store import Store
from bot.views import kept_for_another_try
from standin import InteractionResult
from tests.conftest import make_review, new_postgres_database
from tests.e2e.harness import (
    APPLICATION_ID,
    MEMBER_ID,
    MODERATOR_ID,
    OWNER_ID,
    BotRun,
    running_bot,
)
from tests.e2e.test_reviews import reviews_cog
from tests.pgserver import PostgresServer
from tests.reliability.checks import lift_cooldowns

SETTLE_SECONDS = 20.0  # a bound on waiting for a restarted server, not a speed claim
USERS = (MEMBER_ID, MODERATOR_ID, OWNER_ID)  # the guild's people: each has a lookup budget
FILMS = [make_review("Heat", 1995), make_review("Alien", 1979)]
GLOBAL = {"scope": "global"}  # the owner changes a review of the global catalog
OUTAGE_LINE = re.compile(r"operator fault [0-9a-f]{8}: cannot reach the catalog at postgresql://")
RECOVERY_LINE = re.compile(
    r"over after \d+ s: cannot reach the catalog at postgresql://\S+ \(outage [0-9a-f]{8}\); "
    r"(\d+) request\(s\) were refused meanwhile$"
)


def bot_of(run: BotRun) -> ReviewBot:
    assert isinstance(run.bot, ReviewBot)
    return run.bot


def bot_lines(caplog: pytest.LogCaptureFixture, level: int = logging.WARNING) -> list[str]:
    """What the bot itself logged at ``level`` or above, as the operator reads it."""
    return [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith(("bot", "cogs")) and record.levelno >= level
    ]


@pytest.fixture
def own_server(postgres_server: PostgresServer) -> Iterator[PostgresServer]:
    """A PostgreSQL server this test alone uses, and stops (the session's skip rules)."""
    server = PostgresServer.start(postgres_server.bin_dir)
    yield server
    if not (server.data_dir / "postmaster.pid").exists():
        server.resume()  # halted by a test that failed before starting it again
    server.stop()


async def catalog_on(url: str) -> Store:
    store = await Store.open(url)
    await store.writes.import_reviews(FILMS, actor_id=None)
    return store


@dataclass
class OutageRun:
    run: BotRun
    url: str  # the catalog's, for another process's writes


@asynccontextmanager
async def bot_on(settings: Settings, url: str) -> AsyncIterator[OutageRun]:
    """The bot running over the PostgreSQL catalog at ``url``."""
    store = await catalog_on(url)
    try:
        async with running_bot(
            lambda: create_bot(settings, store=store, application_id=APPLICATION_ID)
        ) as run:
            yield OutageRun(run, url)
    finally:
        await store.close()


@pytest.fixture
async def pg_run(settings: Settings, own_server: PostgresServer) -> AsyncIterator[OutageRun]:
    async with bot_on(settings, own_server.create_database("outage")) as run:
        yield run


async def review(run: BotRun, title: str, user: int) -> InteractionResult:
    return await run.discord.slash("review", {"title": title}, user=user)


def card_title(result: InteractionResult) -> str | None:
    embeds = result.message.embeds
    return None if result.ephemeral or not embeds else str(embeds[0]["title"])


async def eventually_card(run: BotRun, title: str) -> str:
    """/review ``title`` until a card comes back (a restarted server, a feed catching up)."""
    users = itertools.cycle(USERS)

    async def poll() -> str:
        while (found := card_title(await review(run, title, next(users)))) is None:  # noqa: ASYNC110
            await asyncio.sleep(0.5)  # polling: the server's start is not an event here
        return found

    return await asyncio.wait_for(poll(), SETTLE_SECONDS)


async def test_postgresql_stopped_is_one_sentence_per_member_and_one_log_line_per_outage(
    pg_run: OutageRun, own_server: PostgresServer, caplog: pytest.LogCaptureFixture
) -> None:
    run = pg_run.run
    assert card_title(await review(run, "heat", MEMBER_ID)) == "Heat (1995)"

    with caplog.at_level(logging.INFO):
        own_server.halt()
        asked = [
            await review(run, "heat", MEMBER_ID),
            await run.discord.slash("random", user=MODERATOR_ID),
            await review(run, "alien", OWNER_ID),
        ]
        # A miss is answered from the index in memory; its count for /wanted is refused.
        missed = await review(run, "qwzx plorf", MEMBER_ID)
        await reviews_cog(run).misses_recorded()
        during = bot_lines(caplog)
        caplog.clear()
        own_server.resume()
        assert await eventually_card(run, "alien") == "Alien (1979)"
        after = bot_lines(caplog)
        # Another process adds a film: the change feed is followed again.
        async with await Store.open(pg_run.url) as other:
            await other.writes.add(make_review("Arrival", 2016), actor_id=None)
        assert await eventually_card(run, "arrival") == "Arrival (2016)"

    for result in asked:
        assert result.ephemeral
        assert result.message.content == CATALOG_UNAVAILABLE
    assert missed.message.content.startswith("No review matches “qwzx plorf”.")
    [outage] = during  # one line for the outage, none per request
    assert OUTAGE_LINE.match(outage), outage
    [recovered] = after
    refused = RECOVERY_LINE.match(recovered)
    assert refused is not None, recovered
    assert int(refused.group(1)) >= len(asked) + 1  # the miss's write among them
    assert bot_of(run).catalog.sync.state.following


@pytest.fixture
async def shared_run(
    settings: Settings, postgres_server: PostgresServer
) -> AsyncIterator[OutageRun]:
    async with bot_on(settings, new_postgres_database(postgres_server)) as run:
        yield run


async def terminate_connections(url: str) -> int:
    """What a failover or an operator's ``pg_terminate_backend`` does to every session."""
    admin = await asyncpg.connect(url)
    try:
        return int(
            await admin.fetchval(
                "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    finally:
        await admin.close()


async def cut_once_connected(url: str) -> int:
    """Cut every session once there is one to cut: after the previous cut the follower
    reconnects with a backoff (1 s, doubling), and a round run sooner would find nothing
    connected (a cut of nothing tests nothing)."""

    async def terminated() -> int:
        while not (cut := await terminate_connections(url)):  # noqa: ASYNC110
            await asyncio.sleep(0.05)  # another process's sessions: no event here to await
        return cut

    return await asyncio.wait_for(terminated(), SETTLE_SECONDS)


async def offered(run: BotRun, typed: str) -> list[str]:
    """What autocomplete offers: the title index alone, no database read."""
    choices = await run.discord.autocomplete("review", {"title": typed}, "title", user=OWNER_ID)
    return [str(choice["name"]) for choice in choices]


async def test_connections_cut_mid_burst_leave_the_follower_and_every_answer_standing(
    shared_run: OutageRun,
) -> None:
    run = shared_run.run
    lift_cooldowns(run)  # three bursts in a row, with no pause for lookup budgets to refill
    for _ in range(3):  # three cuts, each in the middle of a burst of lookups
        burst = [
            await run.discord.slash("review", {"title": title}, user=user, wait=False)
            for title, user in zip(["heat", "alien"] * 2, USERS, strict=False)
        ]
        assert await cut_once_connected(shared_run.url) >= 1  # the feed's LISTEN at least
        for pending in burst:
            result = await pending.wait_until_complete(SETTLE_SECONDS)
            # A card, or the plain sentence: never an apology for a bug.
            assert card_title(result) or result.message.content == CATALOG_UNAVAILABLE
    async with await Store.open(shared_run.url) as other:
        await other.writes.add(make_review("Arrival", 2016), actor_id=None)

    async def arrival_indexed() -> None:
        while "Arrival (2016)" not in await offered(run, "arrival"):  # noqa: ASYNC110
            await asyncio.sleep(0.1)  # another process's effect: no event here to await

    await asyncio.wait_for(arrival_indexed(), SETTLE_SECONDS)
    assert bot_of(run).catalog.sync.state.following
    # Leaving the block closes the bot: it must not raise what the follower met.


async def test_a_full_sqlite_disk_is_the_same_plain_sentence_and_one_log_line(
    run: BotRun, caplog: pytest.LogCaptureFixture
) -> None:
    catalog = bot_of(run).catalog
    database = catalog.curation.database_file
    assert database is not None
    writer = catalog._store._db._writer  # type: ignore[attr-defined]
    [(pages,)] = await writer.execute_fetchall("PRAGMA page_count")
    with caplog.at_level(logging.INFO):
        # SQLite refuses to grow the file past max_page_count with SQLITE_FULL, exactly
        # as it does when the disk has no room left. The first aliases may still fit in
        # the room left inside the file's pages; once one is refused, all are.
        await writer.execute(f"PRAGMA max_page_count = {pages}")
        answers = [
            (
                await run.discord.slash(
                    "catalog alias",
                    {"title": "heat 1995", "alias": f"Alias {n}", **GLOBAL},
                    user=OWNER_ID,
                )
            ).message.content
            for n in range(8)
        ]
        during = bot_lines(caplog)
        caplog.clear()
        await writer.execute("PRAGMA max_page_count = 4294967294")
        saved = await run.discord.slash(
            "catalog alias", {"title": "heat 1995", "alias": "Room Again", **GLOBAL}, user=OWNER_ID
        )
        after = bot_lines(caplog)

    saved_first = sum(answer.startswith("Heat (1995) is now also found as") for answer in answers)
    refused = answers[saved_first:]
    # /catalog alias keeps the moderator's input on a failed write (issue 20): the plain
    # sentence, then the offer to try the same change again.
    refusal = kept_for_another_try(CATALOG_UNAVAILABLE, "**Try again**")
    assert len(refused) >= 5 and set(refused) == {refusal}, answers
    [outage] = during
    assert f"{database}: the disk is full" in outage and "operator fault" in outage
    assert saved.message.content.endswith("Room Again")
    [recovered] = after
    assert recovered.startswith("over after")
    assert f"{len(refused)} request(s) were refused" in recovered
