"""The operator's port of a running bot: /metrics moves by exactly what members did,
/healthz answers while the loop turns, /readyz follows the database.

Every interaction goes through real discord.py and the stand-in; the port is scraped
over HTTP and parsed as Prometheus parses it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import signal
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

import bot.client
from bot.client import ReviewBot, create_bot, run_bot
from bot.config import ConfigError, Settings
from bot.finder import TitleFinder
from bot.json_log import JsonLogFormatter
from bot.store import Store
from standin import default_stand_in
from standin.runner import make_fast
from tests.conftest import make_review, postgres_bin_dir
from tests.e2e.harness import (
    APPLICATION_ID,
    GUILD_ID,
    MEMBER_ID,
    MODERATOR_ID,
    OWNER_ID,
    BotRun,
    running_bot,
)
from tests.e2e.test_announcements import announce_in, forbid_posting, settled
from tests.pgserver import PostgresServer

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
WAIT_LIMIT = 30.0  # a bound on waiting for the bot, not a speed claim
ERROR_ID = re.compile(r"\(error id `([0-9a-f]{8})`\)")


def bot_of(run: BotRun) -> ReviewBot:
    assert isinstance(run.bot, ReviewBot)
    return run.bot


async def get(run: BotRun, path: str) -> tuple[int, Any]:
    health = bot_of(run).health
    assert health is not None
    host, port = health.address
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://{host}:{port}{path}") as response,
    ):
        if response.content_type == "application/json":
            return response.status, await response.json()
        return response.status, await response.text()


async def scrape(run: BotRun) -> Samples:
    status, body = await get(run, "/metrics")
    assert status == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, frozenset(labels.items()))
    return after[key] - before.get(key, 0.0)


async def until(check: Callable[[], Awaitable[bool]]) -> None:
    async def poll() -> None:
        while not await check():  # noqa: ASYNC110 - read over HTTP: no event to await
            await asyncio.sleep(0.05)

    await asyncio.wait_for(poll(), WAIT_LIMIT)


@pytest.fixture
async def measured(settings: Settings, catalog_store: Store) -> AsyncIterator[BotRun]:
    """The standard test bot, serving metrics and health on a free port of 127.0.0.1."""
    served = replace(settings, metrics_port=0)
    async with running_bot(
        lambda: create_bot(served, store=catalog_store, application_id=APPLICATION_ID)
    ) as run:
        yield run


INTERACTIONS = "reviewbot_interactions_total"
LATENCY = "reviewbot_interaction_latency_seconds_count"


async def test_metrics_move_by_exactly_the_interactions_members_made(
    measured: BotRun, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    run = measured
    bot = bot_of(run)
    before = await scrape(run)

    for title in ("all of us strangers", "heat 1995", "all of us strangrs"):
        found = await run.discord.slash("review", {"title": title}, user=MEMBER_ID)
        assert found.message.embeds
    for title in ("qwzx plorf", "zzkq vrrb"):  # no card: a private no-match
        missed = await run.discord.slash("review", {"title": title}, user=MEMBER_ID)
        assert missed.ephemeral and not missed.message.embeds
    slowed = await run.discord.slash("review", {"title": "heat 1995"}, user=MEMBER_ID)
    assert slowed.message.content.startswith("Slow down a little")  # the 6th in 10 s
    too_long = await run.discord.slash("review", {"title": "x " * 150}, user=MODERATOR_ID)
    assert too_long.message.content.startswith("That title is too long")
    for typed in ("h", "he", "hea", "heat"):
        assert await run.discord.autocomplete("review", {"title": typed}, "title", user=MEMBER_ID)
    replies = await run.discord.send_message("!review heat 1995", user=OWNER_ID)
    assert replies[0].embeds  # a prefix command: counted as the same command

    resolve = bot.catalog.finder.resolve

    async def broken(title: str, guild_id: int | None) -> Any:
        if title == "explode":
            raise RuntimeError("a bug in the finder")
        return await resolve(title, guild_id)

    monkeypatch.setattr(bot.catalog.finder, "resolve", broken)
    with caplog.at_level(logging.ERROR, logger="bot.replies"):
        apology = await run.discord.slash("review", {"title": "explode"}, user=MODERATOR_ID)

    # The completion events run just after each answer: wait for the last to be counted.
    async def all_counted() -> bool:
        after = await scrape(run)
        return moved(before, after, LATENCY, command="review") >= 9

    await until(all_counted)
    after = await scrape(run)
    outcomes = {
        outcome: moved(before, after, INTERACTIONS, command="review", outcome=outcome)
        for outcome in ("answered", "user_error", "unexpected_error", "rate_limited")
    }
    assert outcomes == {"answered": 6, "user_error": 1, "unexpected_error": 1, "rate_limited": 1}
    assert moved(before, after, LATENCY, command="review") == 9
    lookups = {
        tier: moved(before, after, "reviewbot_lookups_total", tier=tier)
        for tier in ("exact", "closest", "no_card")
    }
    assert lookups == {"exact": 3, "closest": 1, "no_card": 2}
    assert moved(before, after, "reviewbot_autocomplete_requests_total", command="review") == 4
    assert moved(before, after, INTERACTIONS, command="other", outcome="answered") == 0
    assert after[("reviewbot_index_titles", frozenset())] == len(bot.catalog.finder.index)
    assert after[("reviewbot_gateway_connected", frozenset({("shard", "0")}))] == 1

    # The unexpected error's id is in the member's apology and in the log record.
    quoted = ERROR_ID.search(apology.message.content)
    assert quoted is not None, apology.message.content
    [record] = [r for r in caplog.records if "a bug in the finder" in str(r.exc_info)]
    line = json.loads(JsonLogFormatter().format(record))
    assert line["error_id"] == quoted.group(1)
    assert quoted.group(1) in line["message"]
    assert (line["guild"], line["shard"]) == (GUILD_ID, 0)


async def test_announcements_sent_and_failed_are_counted(measured: BotRun) -> None:
    run = measured
    catalog = bot_of(run).catalog
    await announce_in(run)
    before = await scrape(run)
    await catalog.curation.add(make_review("Counted Film", 2020), actor_id=None)
    await settled(run)
    await forbid_posting(run)
    await catalog.curation.add(make_review("Refused Film", 2021), actor_id=None)
    await settled(run)
    after = await scrape(run)
    deliveries = "reviewbot_deliveries_total"
    assert moved(before, after, deliveries, kind="announcement", result="sent") == 1
    assert moved(before, after, deliveries, kind="announcement", result="failed") == 1


async def test_a_connected_bot_is_live_and_ready_with_a_reason_for_each_check(
    measured: BotRun,
) -> None:
    assert await get(measured, "/healthz") == (200, {"status": "ok"})
    status, body = await get(measured, "/readyz")
    assert status == 200, body
    assert body["status"] == "ready"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "catalog": True,
        "follower": True,
        "shards": True,
    }
    assert body["checks"]["shards"]["detail"] == "1 shard(s) connected"


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server of this test's own: it is stopped and started again."""
    server = PostgresServer.start(postgres_bin_dir())
    yield server
    server.stop()


async def test_readiness_follows_the_database_and_liveness_stays_up(
    own_postgres: PostgresServer, tmp_path: Path
) -> None:
    url = own_postgres.create_database("reviewbot")
    settings = Settings(database_url=url, metrics_port=0, database_path=tmp_path / "unused.db")
    async with running_bot(lambda: create_bot(settings, application_id=APPLICATION_ID)) as run:
        assert (await get(run, "/readyz"))[0] == 200

        await asyncio.to_thread(own_postgres.pause)
        status, body = await get(run, "/readyz")
        assert status == 503, body
        assert body["status"] == "not ready"
        assert body["checks"]["catalog"]["ok"] is False
        assert body["checks"]["shards"]["ok"] is True
        assert await get(run, "/healthz") == (200, {"status": "ok"})

        await asyncio.to_thread(own_postgres.resume)

        async def ready() -> bool:
            return (await get(run, "/readyz"))[0] == 200

        await until(ready)
        status, body = await get(run, "/readyz")
        assert body["status"] == "ready"
        assert all(check["ok"] for check in body["checks"].values()), body
        assert await get(run, "/healthz") == (200, {"status": "ok"})
        # And the bot answers from the database again.
        found = await run.discord.slash("review", {"title": "all of us strangers"}, user=MEMBER_ID)
        assert found.message.embeds


async def test_reviewbot_run_with_json_logs_writes_the_apologys_error_id_in_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`reviewbot run` as the operator starts it (run_bot), LOG_FORMAT=json."""
    built: list[ReviewBot] = []

    def create_and_keep(*args: Any, **kwargs: Any) -> ReviewBot:
        made = create_bot(*args, **kwargs)
        make_fast(made)
        built.append(made)
        return made

    async def explode(self: TitleFinder, title: str, guild_id: int | None) -> Any:
        raise RuntimeError("a bug in the finder")

    monkeypatch.setattr(bot.client, "create_bot", create_and_keep)
    monkeypatch.setattr(TitleFinder, "resolve", explode)
    settings = Settings(
        discord_token="loopback-token-" + "x" * 20,
        database_path=tmp_path / "reviews.db",
        log_format="json",
    )
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stand_in = default_stand_in()
    await stand_in.start()
    try:
        with stand_in.pointing_discord_py_here():
            running = asyncio.create_task(run_bot(settings))
            await stand_in.wait_for_sync()
            await asyncio.wait_for(built[0].wait_until_ready(), timeout=WAIT_LIMIT)
            apology = await stand_in.slash("review", {"title": "heat"}, user=MEMBER_ID)
            os.kill(os.getpid(), signal.SIGTERM)
            assert await asyncio.wait_for(running, timeout=WAIT_LIMIT) == 0
    finally:
        await stand_in.close()
        root.handlers[:], root.level = handlers, level  # run_bot's handler goes
    quoted = ERROR_ID.search(apology.message.content)
    assert quoted is not None, apology.message.content
    written = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    assert {"time", "level", "logger", "message"} <= set(written[0])  # every line is JSON
    [line] = [line for line in written if line.get("error_id") == quoted.group(1)]
    assert (line["level"], line["logger"]) == ("ERROR", "bot.replies")
    assert (line["guild"], line["shard"]) == (GUILD_ID, 0)
    assert "RuntimeError: a bug in the finder" in line["exception"]


async def test_a_metrics_port_in_use_stops_the_start_with_one_line_naming_it(
    settings: Settings, catalog_store: Store
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        served = replace(settings, metrics_port=port)
        with pytest.raises(ConfigError) as refused:
            async with running_bot(
                lambda: create_bot(served, store=catalog_store, application_id=APPLICATION_ID)
            ):
                pass
    assert str(refused.value) == (
        f"METRICS_PORT: cannot serve metrics on 127.0.0.1:{port} (Address already in use); "
        "is another process using the port?"
    )
