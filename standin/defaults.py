"""The standard loopback world shared by end-to-end tests, console mode and benchmarks.

Guild 1001 (channel 2001) holds a plain member, a moderator (Manage Guild) and the
owner; guild 1002 (channel 2002) has its own moderator, and the first guild's
moderator is only a plain member there, so "moderator elsewhere" cases can be tested.
A plain member has what ``@everyone`` has in a fresh guild (read, write, history).
"""

from __future__ import annotations

from typing import Any

import discord

from standin.server import LoopbackDiscord
from standin.world import DEFAULT_EVERYONE_PERMISSIONS

APPLICATION_ID = 900000000000000001
BOT_USER_ID = APPLICATION_ID

GUILD_ID = 1001
CHANNEL_ID = 2001
OTHER_GUILD_ID = 1002
OTHER_CHANNEL_ID = 2002

OWNER_ID = 3000
MEMBER_ID = 3001
MODERATOR_ID = 3002
OTHER_MODERATOR_ID = 3003

MODERATOR_ROLE_ID = 4001
OTHER_MODERATOR_ROLE_ID = 4002

#: A moderator has what everyone has, plus Manage Guild.
MODERATOR_PERMISSIONS: int = (
    discord.Permissions(manage_guild=True).value | DEFAULT_EVERYONE_PERMISSIONS
)


def populate_default_world(stand_in: LoopbackDiscord) -> LoopbackDiscord:
    """Fill ``stand_in`` with the standard world; drivers default to MEMBER in 1001/2001."""
    stand_in.state.owner_id = OWNER_ID
    guild = stand_in.add_guild(GUILD_ID, "Film Club", owner_id=OWNER_ID, owner_name="owner")
    stand_in.add_channel(guild, CHANNEL_ID, "reviews")
    stand_in.add_role(guild, MODERATOR_ROLE_ID, "Moderator", MODERATOR_PERMISSIONS)
    stand_in.add_member(guild, MEMBER_ID, "member")
    stand_in.add_member(guild, MODERATOR_ID, "moderator", roles=[MODERATOR_ROLE_ID])

    other = stand_in.add_guild(OTHER_GUILD_ID, "Other Club", owner_id=OWNER_ID)
    stand_in.add_channel(other, OTHER_CHANNEL_ID, "reviews")
    stand_in.add_role(other, OTHER_MODERATOR_ROLE_ID, "Moderator", MODERATOR_PERMISSIONS)
    stand_in.add_member(other, MEMBER_ID, "member")
    stand_in.add_member(other, MODERATOR_ID, "moderator")
    stand_in.add_member(
        other, OTHER_MODERATOR_ID, "other-moderator", roles=[OTHER_MODERATOR_ROLE_ID]
    )

    stand_in.default_user_id = MEMBER_ID
    stand_in.default_guild_id = GUILD_ID
    stand_in.default_channel_id = CHANNEL_ID
    return stand_in


def default_stand_in(**options: Any) -> LoopbackDiscord:
    """A new (not started) stand-in with the standard world and ids.

    ``options`` go to :class:`LoopbackDiscord` (``timeout``, ``interaction_deadline``,
    ``validate``, ...).
    """
    stand_in = LoopbackDiscord(application_id=APPLICATION_ID, owner_id=OWNER_ID, **options)
    return populate_default_world(stand_in)
