"""A review imported while no bot runs still reaches its requesters, once.

Real restarts: each bot opens the same database file itself, as a freshly started
process does, and connects to one stand-in that outlives them. Other Club (1002) has no
announcement channel, so its requesters are told by DM; one of them has closed theirs.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.catalog import STARTER_CATALOG, Catalog
from bot.client import ReviewBot, create_bot
from bot.config import Settings
from bot.importers import read_review_file
from bot.store import Store
from cogs.notifications import NotificationsCog
from standin import LoopbackDiscord, default_stand_in
from tests.e2e.harness import APPLICATION_ID, OTHER_GUILD_ID, OWNER_ID, BotRun, running_bot
from tests.reliability.processes import child, reviewbot

REQUEST_BUTTON = "Tell me when it's reviewed"
STARTER_RECORDS = json.loads(STARTER_CATALOG.read_text(encoding="utf-8"))
[MOONLIGHT] = [record for record in STARTER_RECORDS if record["title"] == "Moonlight"]
SENTINEL = {**MOONLIGHT, "title": "Sentinel Film", "year": 2001}
TOLD, DMS_CLOSED, UNTOLD, WAITING = 3401, 3402, 3403, 3404


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database_path=tmp_path / "reviews.db", owner_ids=frozenset({OWNER_ID}))


@pytest.fixture
async def stand_in(settings: Settings) -> AsyncIterator[LoopbackDiscord]:
    """One Discord that outlives the bot processes of the test, over a catalog that
    lacks Moonlight (the starter catalog would bring it)."""
    async with await Store.open(settings.database_path) as store:
        starter = read_review_file(STARTER_CATALOG)
        await store.writes.import_reviews(
            [review for review in starter if review.title != "Moonlight"], actor_id=None
        )
    discord = default_stand_in()
    for member_id in (TOLD, DMS_CLOSED, UNTOLD, WAITING):
        discord.add_member(OTHER_GUILD_ID, member_id, f"other-club-{member_id}")
    discord.refuse_dms(DMS_CLOSED)
    await discord.start()
    yield discord
    await discord.close()


def bot_factory(settings: Settings) -> Callable[[], ReviewBot]:
    return lambda: create_bot(settings, application_id=APPLICATION_ID)


async def caught_up(run: BotRun) -> None:
    """The bot's catch-up at start has answered and told whom it could."""
    # Each start loads the extension afresh: its class is not the one imported here.
    cog: NotificationsCog = run.bot.get_cog("Notifications")  # type: ignore[assignment]
    await cog.caught_up()


async def ask_for(run: BotRun, member_id: int, typed: str) -> None:
    reply = await run.discord.slash(
        "review", {"title": typed}, user=member_id, guild=OTHER_GUILD_ID
    )
    pressed = await run.discord.click(reply.message, label=REQUEST_BUTTON, user=member_id)
    assert pressed.message.content.startswith("I'll tell you when"), pressed.message.content


async def requests_of(run: BotRun, member_id: int) -> dict[str, Any]:
    shown = await run.discord.slash("requests", user=member_id, guild=OTHER_GUILD_ID)
    return shown.message.embed(0)


async def test_a_review_imported_while_the_bot_was_stopped_is_told_once_at_the_next_start(
    settings: Settings, stand_in: LoopbackDiscord, tmp_path: Path
) -> None:
    async with running_bot(bot_factory(settings), stand_in=stand_in) as first:
        await ask_for(first, TOLD, "moonlight")
        await ask_for(first, DMS_CLOSED, "Moonlight 2016")
        await ask_for(first, UNTOLD, "Sentinel Film")
        await ask_for(first, WAITING, "Zerkalo")

    films = tmp_path / "films.json"
    films.write_text(json.dumps([MOONLIGHT, SENTINEL]), encoding="utf-8")
    database = settings.database_path
    async with child(*reviewbot(database, "import", str(films)), cwd=tmp_path) as process:
        assert await process.wait() == 0
    # A process that answered Sentinel Film's request and stopped before telling.
    catalog = await Catalog.open(database)
    try:
        review = (await catalog.finder.lookup("sentinel film", None)).best
        assert review is not None
        [answer] = await catalog.requests.answer(OTHER_GUILD_ID, [review])
        assert answer.member_ids == [UNTOLD]
    finally:
        await catalog.close()

    async with running_bot(bot_factory(settings), stand_in=stand_in, sync="none") as second:
        [dm] = await second.wait_for_dms(TOLD)
        await caught_up(second)
        assert dm.content.startswith("You asked in Other Club to hear when Moonlight (2016)")
        assert dm.embed(0)["title"] == "Moonlight (2016)"
        assert [attempt.status for attempt in second.dm_attempts(DMS_CLOSED)] == [403]
        assert second.dms(UNTOLD) == [] and second.dms(WAITING) == []
        # /requests tells "could not be told" from "not told yet".
        closed = await requests_of(second, DMS_CLOSED)
        assert closed["description"].startswith("✅ Moonlight 2016 (asked")
        assert closed["description"].endswith("reviewed as **Moonlight (2016)**")
        assert closed["footer"]["text"].startswith("✅ Reviewed, but my message could not")
        pending = await requests_of(second, UNTOLD)
        assert pending["description"].startswith("⏳ Sentinel Film (asked")
        assert pending["description"].endswith("reviewed as **Sentinel Film (2001)**")
        assert pending["footer"]["text"].startswith("⏳ Reviewed; the message telling you")
        assert "🔔 Zerkalo" in (await requests_of(second, WAITING))["description"]

    async with running_bot(bot_factory(settings), stand_in=stand_in, sync="none") as third:
        await caught_up(third)
        assert len(third.dms(TOLD)) == 1
        assert len(third.dm_attempts(DMS_CLOSED)) == 1  # not tried again
        assert third.dms(UNTOLD) == [] and third.dms(WAITING) == []
