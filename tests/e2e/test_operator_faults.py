"""Operator faults end to end: the member reads a plain sentence, the operator the log.

The catalog file turns read-only under a running bot's host (a mode, a read-only
mount). A moderator's change then fails on something only the operator can fix: the
moderator must not read the file's path or SQLite's words, but a sentence with an
error id, and the log must hold that id beside what is wrong, once.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator

import pytest

from bot.client import create_bot
from bot.config import Settings
from bot.store import Store
from tests.conftest import make_read_only, make_review
from tests.e2e.harness import APPLICATION_ID, GUILD_ID, MODERATOR_ID, running_bot

LANTERN = make_review("The Lantern Keeper", 2019, scope=GUILD_ID)
ERROR_ID = re.compile(r"error id `([0-9a-f]{8})`")


@pytest.fixture
async def read_only_store(settings: Settings) -> AsyncIterator[Store]:
    """The catalog as a bot left it (commands synced), then opened from a read-only file."""
    path = settings.database_path
    async with await Store.open(path) as store:
        await store.writes.import_reviews([LANTERN], actor_id=None)
        # A first start records the synced command tree, so the next one writes nothing.
        async with running_bot(
            lambda: create_bot(settings, store=store, application_id=APPLICATION_ID)
        ):
            pass
    undo = make_read_only(path)
    try:
        async with await Store.open(path) as store:  # opening only reads
            yield store
    finally:
        undo()


async def test_a_read_only_catalog_file_is_a_sentence_for_the_member_and_a_log_line(
    settings: Settings, read_only_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="bot"):
        async with running_bot(
            lambda: create_bot(settings, store=read_only_store, application_id=APPLICATION_ID),
            sync="harness",
        ) as run:
            result = await run.discord.slash(
                "catalog alias",
                {"title": "The Lantern Keeper", "alias": "Signal on the Rocks"},
                user=MODERATOR_ID,
            )

    reply = result.message.content
    assert result.ephemeral
    assert reply.startswith("Sorry, I can't do that right now: the bot's setup needs fixing")
    assert str(settings.database_path) not in reply and "read-only" not in reply
    found = ERROR_ID.search(reply)
    assert found is not None, reply
    logged = [record for record in caplog.records if record.name.startswith("bot")]
    assert len(logged) == 1, [record.getMessage() for record in logged]
    [record] = logged
    assert found.group(1) in record.getMessage()
    path = settings.database_path
    assert f"{path}: the file is read-only; nothing was changed" in record.getMessage()
    assert record.exc_info is None  # a diagnosis, not a traceback
    assert await read_only_store.reviews.count(guild_id=GUILD_ID) == 1
