"""Who may curate which part of the catalog.

One rule, used by slash commands, prefix commands and component callbacks
alike: default permissions only hide commands, and server admins can change
them, so this run-time check is what actually guards the catalog.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

import discord
from discord import app_commands
from discord.ext import commands


class NotModerator(app_commands.CheckFailure, commands.CheckFailure):
    def __init__(self) -> None:
        super().__init__(
            "Only this server's moderators can do that (Manage Server, or the moderator role "
            "set with /config modrole)."
        )


class NotOwner(app_commands.CheckFailure, commands.CheckFailure):
    def __init__(self) -> None:
        super().__init__("Only the bot's owners can change the global catalog.")


class ModRoles(Protocol):
    """Where a guild's moderator role is kept (the server settings)."""

    async def mod_role(self, guild_id: int) -> int | None: ...


@dataclass(frozen=True, slots=True)
class Actor:
    """The person asking, reduced to what permission decisions need."""

    user_id: int
    guild_id: int | None
    manage_guild: bool
    role_ids: frozenset[int]

    @classmethod
    def from_user(cls, user: discord.abc.User, permissions: discord.Permissions | None) -> Actor:
        if isinstance(user, discord.Member):
            perms = permissions or user.guild_permissions
            return cls(
                user.id, user.guild.id, perms.manage_guild, frozenset(r.id for r in user.roles)
            )
        return cls(user.id, None, False, frozenset())


async def is_moderator(actor: Actor, roles: ModRoles, owner_ids: Collection[int]) -> bool:
    if actor.user_id in owner_ids:
        return True
    if actor.guild_id is None:
        return False
    if actor.manage_guild:
        return True
    mod_role = await roles.mod_role(actor.guild_id)
    return mod_role is not None and mod_role in actor.role_ids


async def moderator_refusal(
    interaction: discord.Interaction, roles: ModRoles, owner_ids: Collection[int]
) -> str | None:
    """For controls, checked when pressed (a role can be taken away after the command):
    what a non-moderator is told, or ``None`` for a moderator."""
    actor = Actor.from_user(interaction.user, interaction.permissions)
    return None if await is_moderator(actor, roles, owner_ids) else str(NotModerator())


async def moderation_scope(
    actor: Actor, roles: ModRoles, owner_ids: Collection[int], *, global_catalog: bool
) -> int | None:
    """The scope ``actor`` may change: their guild's, or the global one for owners.

    Raises :class:`NotModerator` / :class:`NotOwner` when they may not.
    """
    if global_catalog:
        if actor.user_id not in owner_ids:
            raise NotOwner()
        return None
    if actor.guild_id is None or not await is_moderator(actor, roles, owner_ids):
        raise NotModerator()
    return actor.guild_id
