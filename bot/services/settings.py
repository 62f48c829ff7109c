"""Server settings: what each server chose, and what the bot last synced.

A server's moderator role and announcement channel (with its paused state), and
the hash of the command tree last synced under each key (see :mod:`bot.sync`).
"""

from __future__ import annotations

from bot.models import Announcements, ServerConfig
from bot.store.guild import GuildState
from bot.store.requests import RequestStore


class GuildSettings:
    """Per-server choices, kept in the catalog's database."""

    def __init__(self, guilds: GuildState, requests: RequestStore) -> None:
        self._guilds = guilds
        self._requests = requests

    async def overview(self, guild_id: int) -> ServerConfig:
        """Everything ``guild_id`` has set, in one record (for /config show)."""
        announcements = await self._guilds.announcements(guild_id)
        return ServerConfig(
            guild_id,
            await self._guilds.mod_role(guild_id),
            announcements[0] if announcements else None,
            await self._requests.open_count(guild_id),
        )

    async def mod_role(self, guild_id: int) -> int | None:
        return await self._guilds.mod_role(guild_id)

    async def set_mod_role(self, guild_id: int, role_id: int | None) -> None:
        await self._guilds.set_mod_role(guild_id, role_id)

    async def announcements(self, guild_id: int | None = None) -> list[Announcements]:
        """Where guilds want new reviews posted (every guild's, or ``guild_id``'s)."""
        return await self._guilds.announcements(guild_id)

    async def set_announce_channel(self, guild_id: int, channel_id: int | None) -> None:
        await self._guilds.set_announce_channel(guild_id, channel_id)

    async def pause_announcements(self, guild_id: int, problem: str) -> None:
        await self._guilds.pause_announcements(guild_id, problem)

    async def mark_announce_problem_told(self, guild_id: int) -> None:
        await self._guilds.mark_announce_problem_told(guild_id)

    async def synced_tree(self, key: str) -> str | None:
        """The hash of the command tree last synced under ``key`` (see bot/sync.py)."""
        return await self._guilds.synced_tree(key)

    async def set_synced_tree(self, key: str, tree_hash: str) -> None:
        await self._guilds.set_synced_tree(key, tree_hash)
