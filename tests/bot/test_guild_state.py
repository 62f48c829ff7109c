"""The store's guild state for announcements, and the command-tree hash."""

from __future__ import annotations

from bot.models import Announcements
from bot.store import Store

GUILD_A = 111
GUILD_B = 222


async def test_announce_channel_is_kept_per_guild_and_can_be_turned_off(store: Store) -> None:
    await store.guilds.set_mod_role(GUILD_A, 7)
    await store.guilds.set_announce_channel(GUILD_A, 501)
    await store.guilds.set_announce_channel(GUILD_B, 502)

    assert await store.guilds.announcements() == [
        Announcements(GUILD_A, 501),
        Announcements(GUILD_B, 502),
    ]
    await store.guilds.set_announce_channel(GUILD_A, None)
    assert await store.guilds.announcements(GUILD_A) == []
    assert await store.guilds.mod_role(GUILD_A) == 7  # the rest of the guild's settings stay


async def test_a_problem_pauses_announcements_until_the_channel_is_set_again(
    store: Store,
) -> None:
    await store.guilds.set_announce_channel(GUILD_A, 501)
    await store.guilds.pause_announcements(GUILD_A, "not allowed")
    await store.guilds.pause_announcements(GUILD_A, "a later failure does not replace the first")

    [paused] = await store.guilds.announcements(GUILD_A)
    assert (paused.paused, paused.problem, paused.problem_told) == (True, "not allowed", False)
    await store.guilds.mark_announce_problem_told(GUILD_A)
    assert (await store.guilds.announcements(GUILD_A))[0].problem_told

    await store.guilds.set_announce_channel(GUILD_A, 503)
    assert await store.guilds.announcements(GUILD_A) == [Announcements(GUILD_A, 503)]


async def test_synced_tree_hash_is_remembered_per_key(store: Store) -> None:
    assert await store.guilds.synced_tree("commands:1:global") is None
    await store.guilds.set_synced_tree("commands:1:global", "abc")
    await store.guilds.set_synced_tree("commands:1:global", "def")
    await store.guilds.set_synced_tree("commands:1:1001", "xyz")

    assert await store.guilds.synced_tree("commands:1:global") == "def"
    assert await store.guilds.synced_tree("commands:1:1001") == "xyz"
