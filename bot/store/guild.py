"""Per-guild state: titles members looked for in vain, and the moderator role."""

from __future__ import annotations

from bot.matching import normalize_title
from bot.store.db import Database, utc_now
from bot.store.schema import GLOBAL_SCOPE, db_scope

MAX_MISS_TEXT = 200


class GuildState:
    _db: Database

    async def record_miss(self, guild_id: int | None, query: str) -> None:
        key = normalize_title(query)
        if not key:
            return
        async with self._db.transaction() as db:
            await db.execute(
                "INSERT INTO lookup_misses (scope, query_key, query, count, last_at) "
                "VALUES (?, ?, ?, 1, ?) ON CONFLICT (scope, query_key) DO UPDATE SET "
                "count = count + 1, query = excluded.query, last_at = excluded.last_at",
                [db_scope(guild_id), key, query[:MAX_MISS_TEXT], utc_now()],
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
