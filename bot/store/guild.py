"""Per-guild state: titles members looked for in vain, the moderator role, the
announcement channel, and the hash of the command tree last synced per scope.
"""

from __future__ import annotations

from bot.matching import normalize_title
from bot.models import Announcements
from bot.store.clock import utc_now
from bot.store.engine import Database
from bot.store.schema import GLOBAL_SCOPE, db_scope

MAX_MISS_TEXT = 200
# Enough for /wanted's top ten to be meaningful; the table stays bounded however
# many different titles a server's members (or a bot flooding it) look for.
MAX_MISSES_PER_SCOPE = 1_000


class GuildState:
    """One small table per concern, keyed by guild (or scope, or command-tree key)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def record_miss(self, guild_id: int | None, query: str) -> None:
        key = normalize_title(query)
        if not key:
            return
        async with self._db.transaction() as db:
            await db.execute(
                "INSERT INTO lookup_misses (scope, query_key, query, count, last_at) "
                "VALUES (?, ?, ?, 1, ?) ON CONFLICT (scope, query_key) DO UPDATE SET "
                "count = lookup_misses.count + 1, query = excluded.query, "
                "last_at = excluded.last_at",
                [db_scope(guild_id), key, query[:MAX_MISS_TEXT], utc_now()],
            )
            # Over the cap: the least-asked go first, the oldest of those first.
            await db.execute(
                "DELETE FROM lookup_misses WHERE scope = ?1 AND query_key IN ("
                "SELECT query_key FROM lookup_misses WHERE scope = ?1 "
                f"ORDER BY count DESC, last_at DESC {db.dialect.no_limit} OFFSET ?2)",
                [db_scope(guild_id), MAX_MISSES_PER_SCOPE],
            )

    async def top_misses(self, guild_id: int | None, *, limit: int = 10) -> list[tuple[str, int]]:
        rows = await self._db.fetchall(
            "SELECT query, count FROM lookup_misses WHERE scope = ? "
            "ORDER BY count DESC, last_at DESC LIMIT ?",
            [db_scope(guild_id), limit],
        )
        return [(query, int(count)) for query, count in rows]

    async def clear_miss(self, guild_id: int | None, title: str) -> None:
        """Forget the misses a newly added title answers, the guild's and the global ones."""
        async with self._db.transaction() as db:
            await db.execute(
                "DELETE FROM lookup_misses WHERE scope IN (?, ?) AND query_key = ?",
                [db_scope(guild_id), GLOBAL_SCOPE, normalize_title(title)],
            )

    async def mod_role(self, guild_id: int) -> int | None:
        row = await self._db.fetchone(
            "SELECT mod_role_id FROM guild_config WHERE guild_id = ?", [guild_id]
        )
        return None if row is None else row[0]

    async def set_mod_role(self, guild_id: int, role_id: int | None) -> None:
        async with self._db.transaction() as db:
            await db.execute(
                "INSERT INTO guild_config (guild_id, mod_role_id) VALUES (?, ?) "
                "ON CONFLICT (guild_id) DO UPDATE SET mod_role_id = excluded.mod_role_id",
                [guild_id, role_id],
            )

    async def announcements(self, guild_id: int | None = None) -> list[Announcements]:
        """Every guild's announcement channel, or only ``guild_id``'s."""
        where, params = ("", []) if guild_id is None else (" AND guild_id = ?", [guild_id])
        rows = await self._db.fetchall(
            "SELECT guild_id, announce_channel_id, announce_problem, announce_problem_told "
            f"FROM guild_config WHERE announce_channel_id IS NOT NULL{where} ORDER BY guild_id",
            params,
        )
        return [
            Announcements(guild, channel, problem, bool(told))
            for guild, channel, problem, told in rows
        ]

    async def set_announce_channel(self, guild_id: int, channel_id: int | None) -> None:
        """Post new reviews to ``channel_id`` (``None``: stop); clears a past problem."""
        async with self._db.transaction() as db:
            await db.execute(
                "INSERT INTO guild_config (guild_id, announce_channel_id) VALUES (?, ?) "
                "ON CONFLICT (guild_id) DO UPDATE SET "
                "announce_channel_id = excluded.announce_channel_id, "
                "announce_problem = NULL, announce_problem_told = 0",
                [guild_id, channel_id],
            )

    async def pause_announcements(self, guild_id: int, problem: str) -> None:
        """Stop posting in the guild's channel until it is set again; moderators not yet told."""
        async with self._db.transaction() as db:
            await db.execute(
                "UPDATE guild_config SET announce_problem = ?, announce_problem_told = 0 "
                "WHERE guild_id = ? AND announce_problem IS NULL",
                [problem, guild_id],
            )

    async def mark_announce_problem_told(self, guild_id: int) -> None:
        async with self._db.transaction() as db:
            await db.execute(
                "UPDATE guild_config SET announce_problem_told = 1 WHERE guild_id = ?",
                [guild_id],
            )

    async def synced_tree(self, key: str) -> str | None:
        """The hash of the command tree last synced under ``key``."""
        row = await self._db.fetchone("SELECT tree_hash FROM command_sync WHERE key = ?", [key])
        return None if row is None else str(row[0])

    async def set_synced_tree(self, key: str, tree_hash: str) -> None:
        async with self._db.transaction() as db:
            await db.execute(
                "INSERT INTO command_sync (key, tree_hash, synced_at) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET "
                "tree_hash = excluded.tree_hash, synced_at = excluded.synced_at",
                [key, tree_hash, utc_now()],
            )
