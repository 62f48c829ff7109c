"""A write that meets a busy catalog keeps the form: nothing the moderator typed is lost.

Another connection holds SQLite's write lock (as an import's chunk does, but for
longer than a member's write waits), so Publish, Delete, Restore, an edit and the
/config changes meet :class:`~bot.store.CatalogBusy`. Each then says why, privately,
and leaves a way to try again with the same values: the prompt's own buttons, or
**Try again** under the reason. Once the lock is gone, that press saves exactly what
was typed first.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import bot.store.sqlite.database
from bot.store import CatalogBusy, Store
from bot.views import KEPT, STILL_WRITING, TRY_AGAIN
from standin import InteractionResult, SentMessage
from tests.e2e.harness import GUILD_ID, MODERATOR_ID, OWNER_ID, BotRun
from tests.e2e.test_deferral import write_lock_held
from tests.e2e.test_moderation import LANTERN_CARD, open_preview, seed_lantern

# What a moderator may type into the add form: two full text inputs, 8,000 characters.
# (Ending in a letter: the form's values are stored trimmed.)
VERDICT = ("A lighthouse keeper's last winter, told in lamp light. " * 80)[:3999] + "X"
BODY = ("The long review, every paragraph of it, written once. " * 80)[:3999] + "Y"
MODERATOR_ROLE_TO_SET = 555


@pytest.fixture(autouse=True)
def short_write_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """Writes give up on the held lock sooner: these tests are about what a write that
    gives up keeps, not how long it waits (test_store_writers checks the 1.5 s)."""
    monkeypatch.setattr(bot.store.sqlite.database, "WRITE_WAIT_SECONDS", 0.3)


def store_of(run: BotRun) -> Store:
    return run.bot.catalog._store  # type: ignore[attr-defined,no-any-return]


def busy_and_kept(said: SentMessage, press: str) -> bool:
    """The private answer to a failed write: why, and that the form is still there."""
    return said.ephemeral and said.content == f"{CatalogBusy()}\n{KEPT}: press {press}."


def usable(message: SentMessage, *labels: str) -> bool:
    buttons = {button["label"]: button for button in message.buttons()}
    return all(not buttons[label].get("disabled") for label in labels)


async def test_publish_meeting_a_busy_catalog_keeps_the_8000_typed_characters(
    run: BotRun,
) -> None:
    preview = await open_preview(run, verdict_text=VERDICT, body=BODY)

    async with write_lock_held(store_of(run).path):
        pressed = await run.discord.click(preview, label="Publish")
        said = await pressed.wait_for_followup(within=10)
    assert busy_and_kept(said, "**Publish** again")
    assert (
        await store_of(run).reviews.find_by_title("The Lantern Keeper", 2019, scope=GUILD_ID) == []
    )
    assert usable(preview, "Publish", "Cancel")  # the preview and its draft are still there

    published = (await run.discord.click(preview, label="Publish")).message

    assert published.content.startswith(f"Published {LANTERN_CARD}")
    [stored] = await store_of(run).reviews.find_by_title("The Lantern Keeper", 2019, scope=GUILD_ID)
    assert (stored.verdict_text, stored.body) == (VERDICT, BODY)
    assert all(button["disabled"] for button in published.buttons())


async def test_delete_meeting_a_busy_catalog_can_be_pressed_again(run: BotRun) -> None:
    await seed_lantern(run)
    asked = await run.discord.slash(
        "catalog delete", {"title": "The Lantern Keeper"}, user=MODERATOR_ID
    )

    async with write_lock_held(store_of(run).path):
        pressed = await run.discord.click(asked.message, label="Delete")
        said = await pressed.wait_for_followup(within=10)
    assert busy_and_kept(said, "**Delete** again")
    assert usable(asked.message, "Delete", "Cancel")

    deleted = (await run.discord.click(asked.message, label="Delete")).message

    assert deleted.content.startswith(f"Deleted {LANTERN_CARD}.")
    assert (
        await store_of(run).reviews.find_by_title("The Lantern Keeper", 2019, scope=GUILD_ID) == []
    )


async def busy_command(run: BotRun, name: str, options: dict[str, Any], user: int) -> SentMessage:
    """Run ``/name`` while the write lock is held; returns its private answer."""
    async with write_lock_held(store_of(run).path):
        result: InteractionResult = await run.discord.slash(name, options, user=user, within=10)
    assert result.ephemeral
    return result.message


async def test_restore_meeting_a_busy_catalog_offers_try_again(run: BotRun) -> None:
    seeded = await seed_lantern(run)
    await store_of(run).writes.delete(seeded.id, actor_id=MODERATOR_ID, scope=GUILD_ID)

    said = await busy_command(run, "catalog restore", {"title": "The Lantern Keeper"}, MODERATOR_ID)
    assert busy_and_kept(said, f"**{TRY_AGAIN}**")
    assert usable(said, TRY_AGAIN, "Cancel")

    restored = (await run.discord.click(said, label=TRY_AGAIN, user=MODERATOR_ID)).message

    assert restored.content == f"Restored {LANTERN_CARD}."
    assert restored.embed()["title"] == LANTERN_CARD
    assert (await store_of(run).reviews.get(seeded.id)) is not None


async def test_an_edit_form_meeting_a_busy_catalog_keeps_what_was_typed(run: BotRun) -> None:
    seeded = await seed_lantern(run)
    opened = await run.discord.slash(
        "catalog edit",
        {"title": "The Lantern Keeper", "field": "verdict_text"},
        user=MODERATOR_ID,
    )

    async with write_lock_held(store_of(run).path):
        saved = await run.discord.submit_modal(opened.modal, {"verdict_text": VERDICT}, within=10)
    said = saved.message
    assert busy_and_kept(said, f"**{TRY_AGAIN}**")

    again = (await run.discord.click(said, label=TRY_AGAIN, user=MODERATOR_ID)).message

    assert again.content == f"Updated verdict_text of {LANTERN_CARD}."
    stored = await store_of(run).reviews.get(seeded.id)
    assert stored is not None and stored.verdict_text == VERDICT


async def test_a_config_change_meeting_a_busy_catalog_offers_try_again(run: BotRun) -> None:
    run.discord.add_role(GUILD_ID, MODERATOR_ROLE_TO_SET, "Curators")
    await run.discord.sync_guild(GUILD_ID)

    said = await busy_command(run, "config modrole", {"role": MODERATOR_ROLE_TO_SET}, OWNER_ID)
    assert busy_and_kept(said, f"**{TRY_AGAIN}**")
    assert await run.bot.catalog.settings.mod_role(GUILD_ID) != MODERATOR_ROLE_TO_SET  # type: ignore[attr-defined]

    done = (await run.discord.click(said, label=TRY_AGAIN, user=OWNER_ID)).message

    assert done.content.startswith("Members with <@&555> can now use /catalog.")
    assert await run.bot.catalog.settings.mod_role(GUILD_ID) == MODERATOR_ROLE_TO_SET  # type: ignore[attr-defined]


async def test_cancel_after_a_failed_write_drops_it_and_ends_the_buttons(run: BotRun) -> None:
    seeded = await seed_lantern(run)
    await store_of(run).writes.delete(seeded.id, actor_id=MODERATOR_ID, scope=GUILD_ID)
    said = await busy_command(run, "catalog restore", {"title": "The Lantern Keeper"}, MODERATOR_ID)

    dropped = (await run.discord.click(said, label="Cancel", user=MODERATOR_ID)).message

    assert dropped.content == "Dropped: nothing was changed."
    assert all(button["disabled"] for button in dropped.buttons())
    assert (await store_of(run).reviews.get(seeded.id)) is None


async def test_a_second_press_while_the_first_saves_is_told_to_wait(run: BotRun) -> None:
    preview = await open_preview(run)
    state = run.discord.state

    def first_acknowledged() -> bool:
        return any(r.type == 3 and r.callback_types == [6] for r in state.interactions.values())

    async with write_lock_held(store_of(run).path):
        # The first press is acknowledged at once and then waits for the lock; the
        # click itself returns only when its answer is complete, so it runs beside.
        first = asyncio.create_task(run.discord.click(preview, label="Publish", within=10))
        await state.feed.wait_until(first_acknowledged, within=5, describe=lambda: "no defer")
        second = await run.discord.click(preview, label="Publish")
        said = await (await first).wait_for_followup(within=10)

    assert second.ephemeral and second.message.content == STILL_WRITING
    assert busy_and_kept(said, "**Publish** again")
    published = (await run.discord.click(preview, label="Publish")).message
    assert published.content.startswith(f"Published {LANTERN_CARD}")
    assert (
        len(await store_of(run).reviews.find_by_title("The Lantern Keeper", 2019, scope=GUILD_ID))
        == 1
    )
