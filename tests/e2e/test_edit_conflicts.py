"""Two moderators, one field, on both engines: an edit form submitted over a change
someone made since it opened writes nothing until its moderator has seen what changed
and chosen (Overwrite, or Keep theirs with what they typed still there to copy).

One bot per engine runs the whole story: each step starts from the last one's catalog.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.client import create_bot
from bot.config import Settings
from bot.models import Review
from bot.store import Store
from standin import InteractionResult
from tests.conftest import make_review
from tests.e2e.harness import (
    APPLICATION_ID,
    GUILD_ID,
    MODERATOR_ID,
    MODERATOR_ROLE_ID,
    OWNER_ID,
    BotRun,
    running_bot,
)
from tests.e2e.test_moderation import store_of

SECOND_MODERATOR_ID = 3004  # a second moderator of the same server
FILM = "The Lantern Keeper"
CARD = "The Lantern Keeper (2019)"


@pytest.fixture
async def run(database: str, tmp_path: Path) -> AsyncIterator[BotRun]:
    store = await Store.open(database)
    await store.writes.add(
        make_review(FILM, 2019, verdict_text="A quiet film.", aliases=(), scope=GUILD_ID),
        actor_id=MODERATOR_ID,
    )
    settings = Settings(database_path=tmp_path / "unused.db", owner_ids=frozenset({OWNER_ID}))
    try:
        async with running_bot(
            lambda: create_bot(settings, store=store, application_id=APPLICATION_ID)
        ) as connected:
            connected.discord.add_member(
                GUILD_ID, SECOND_MODERATOR_ID, "second-moderator", roles=[MODERATOR_ROLE_ID]
            )
            yield connected
    finally:
        await store.close()


async def stored(run: BotRun) -> Review:
    [review] = await store_of(run).reviews.find_by_title(FILM, 2019, scope=GUILD_ID)
    return review


async def open_form(run: BotRun, field: str, user: int) -> InteractionResult:
    return await run.discord.slash("catalog edit", {"title": FILM, "field": field}, user=user)


async def history_lines(run: BotRun) -> list[str]:
    """/catalog history's entries, oldest first, without their times."""
    shown = await run.discord.slash("catalog history", {"title": FILM}, user=MODERATOR_ID)
    blocks = shown.message.embed()["description"].split("\n\n")
    return [re.sub(r"^<t:\d+:f> · ", "", block) for block in reversed(blocks)]


async def test_a_stale_edit_form_asks_before_overwriting_another_moderators_change(
    run: BotRun,
) -> None:
    # Another field changed meanwhile: nothing to overwrite, so both changes are kept.
    form_a = await open_form(run, "verdict_text", MODERATOR_ID)
    await run.discord.slash(
        "catalog edit", {"title": FILM, "field": "score", "value": "8"}, user=SECOND_MODERATOR_ID
    )
    merged = await run.discord.submit_modal(form_a.modal, {"verdict_text": "A's first."})
    assert merged.message.content == f"Updated verdict_text of {CARD}."
    assert ((await stored(run)).score, (await stored(run)).verdict_text) == (8.0, "A's first.")

    # The same field: A opens the form, B changes the field and is told "Updated".
    form_a = await open_form(run, "verdict_text", MODERATOR_ID)
    form_b = await open_form(run, "verdict_text", SECOND_MODERATOR_ID)
    saved_b = await run.discord.submit_modal(form_b.modal, {"verdict_text": "B's verdict."})
    assert saved_b.message.content == f"Updated verdict_text of {CARD}."

    asked = (await run.discord.submit_modal(form_a.modal, {"verdict_text": "A's verdict."})).message

    assert asked.ephemeral
    assert asked.content.startswith(f"Someone changed {CARD} since you began this edit")
    assert [button["label"] for button in asked.buttons()] == [
        "Overwrite",
        "Keep theirs",
        "Edit again",
    ]
    card = asked.embed()
    assert card["description"] == "A's verdict."  # what A typed, kept in the question
    [meanwhile] = card["fields"]
    assert meanwhile["name"] == "Changed since you began"
    assert meanwhile["value"].endswith(
        f" · **last changed** by <@{SECOND_MODERATOR_ID}>\n"
        "• verdict_text: A's first. → B's verdict."
    )
    assert (await stored(run)).verdict_text == "B's verdict."  # nothing overwritten yet

    # B changes it again before A decides: Overwrite asks again, over B's latest.
    await run.discord.slash(
        "catalog edit",
        {"title": FILM, "field": "verdict_text", "value": "B's second."},
        user=SECOND_MODERATOR_ID,
    )
    asked = (await run.discord.click(asked, label="Overwrite")).message
    assert asked.embed()["fields"][0]["value"].endswith(
        "• verdict_text: B's verdict. → B's second."
    )
    assert (await stored(run)).verdict_text == "B's second."

    overwritten = (await run.discord.click(asked, label="Overwrite")).message

    assert overwritten.content == f"Updated verdict_text of {CARD}."
    assert all(button["disabled"] for button in overwritten.buttons())
    assert (await stored(run)).verdict_text == "A's verdict."
    assert (await history_lines(run))[-3:] == [
        f"**edited** by <@{SECOND_MODERATOR_ID}>\n• verdict_text: A's first. → B's verdict.",
        f"**edited** by <@{SECOND_MODERATOR_ID}>\n• verdict_text: B's verdict. → B's second.",
        f"**edited** by <@{MODERATOR_ID}>\n• verdict_text: B's second. → A's verdict.",
    ]

    # An alias added while A's aliases form is open: Keep theirs writes nothing.
    form_a = await open_form(run, "aliases", MODERATOR_ID)
    added = await run.discord.slash(
        "catalog alias", {"title": FILM, "alias": "Lantern"}, user=SECOND_MODERATOR_ID
    )
    assert added.message.content == f"{CARD} is now also found as: Lantern"
    asked = (await run.discord.submit_modal(form_a.modal, {"aliases": "Keeper"})).message
    assert asked.embed()["fields"][0]["value"].endswith("• aliases: (empty) → Lantern")
    reopened = await run.discord.click(asked, label="Edit again")
    [text_input] = reopened.modal.text_inputs()
    assert (text_input["label"], text_input["value"]) == ("aliases", "Keeper")

    kept = (await run.discord.click(asked, label="Keep theirs")).message

    assert kept.content == f"Kept {CARD} as it is; yours is below to copy."
    assert kept.embed()["description"] == "Keeper"
    assert all(button["disabled"] for button in kept.buttons())
    assert (await stored(run)).aliases == ("Lantern",)
