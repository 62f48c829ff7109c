"""The fake Discord world: users, guilds, roles, channels and members.

The stand-in builds every gateway and REST payload from these records, so a member's
permissions are computed one way (roles, owner, administrator) whether discord.py reads
them from an interaction's ``member.permissions`` or from ``Member.guild_permissions``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import discord

JSON = dict[str, Any]

ALL_PERMISSIONS: int = discord.Permissions.all().value
ADMINISTRATOR: int = discord.Permissions(administrator=True).value

#: What ``@everyone`` may do in a fresh guild: read and write, nothing more.
DEFAULT_EVERYONE_PERMISSIONS: int = discord.Permissions(
    view_channel=True,
    send_messages=True,
    read_message_history=True,
    use_application_commands=True,
).value

#: What the bot's own managed role grants, roughly what an invite link would ask for.
DEFAULT_BOT_PERMISSIONS: int = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
    add_reactions=True,
    use_external_emojis=True,
    use_application_commands=True,
).value

TEXT_CHANNEL = 0
DM_CHANNEL = 1

_JOINED_AT = datetime(2024, 1, 1, tzinfo=UTC).isoformat()


def snowflake_str(value: int | None) -> str | None:
    """Discord sends ids as strings; keep ``None`` as JSON null."""
    return None if value is None else str(value)


@dataclass
class FakeUser:
    """A Discord user (a person or a bot)."""

    id: int
    name: str
    bot: bool = False
    global_name: str | None = None
    #: False for a user who closed their DMs to server members (the bot included).
    accepts_dms: bool = True

    def payload(self) -> JSON:
        """The user object as Discord sends it."""
        return {
            "id": str(self.id),
            "username": self.name,
            "global_name": self.global_name,
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }

    @property
    def mention(self) -> str:
        """The ``<@id>`` text that pings this user."""
        return f"<@{self.id}>"


@dataclass
class FakeRole:
    """A guild role; the ``@everyone`` role shares the guild's id."""

    id: int
    name: str
    permissions: int = 0
    position: int = 1
    managed: bool = False

    def payload(self) -> JSON:
        """The role object as Discord sends it."""
        return {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "hoist": False,
            "managed": self.managed,
            "mentionable": False,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }


@dataclass
class FakeChannel:
    """A text channel in a guild, or a DM channel with one recipient."""

    id: int
    name: str
    guild_id: int | None
    type: int = TEXT_CHANNEL
    position: int = 0
    topic: str | None = None
    recipient: FakeUser | None = None

    def payload(self) -> JSON:
        """The channel object as Discord sends it."""
        if self.type == DM_CHANNEL:
            recipients = [self.recipient.payload()] if self.recipient else []
            return {
                "id": str(self.id),
                "type": DM_CHANNEL,
                "recipients": recipients,
                "last_message_id": None,
                "flags": 0,
            }
        return {
            "id": str(self.id),
            "type": self.type,
            "guild_id": snowflake_str(self.guild_id),
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": self.topic,
            "last_message_id": None,
            "rate_limit_per_user": 0,
        }


@dataclass
class FakeMember:
    """A user's membership in one guild."""

    user: FakeUser
    role_ids: list[int] = field(default_factory=list)
    nick: str | None = None


@dataclass
class FakeGuild:
    """A guild with its roles, channels and members."""

    id: int
    name: str
    owner_id: int
    locale: str = "en-US"
    features: list[str] = field(default_factory=list)
    roles: dict[int, FakeRole] = field(default_factory=dict)
    channels: dict[int, FakeChannel] = field(default_factory=dict)
    members: dict[int, FakeMember] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.id not in self.roles:
            self.roles[self.id] = FakeRole(
                self.id, "@everyone", DEFAULT_EVERYONE_PERMISSIONS, position=0
            )

    @property
    def everyone(self) -> FakeRole:
        """The ``@everyone`` role, whose permissions every member has."""
        return self.roles[self.id]

    def member(self, user_id: int) -> FakeMember:
        """The member with this id; a clear error when the user is not in the guild."""
        try:
            return self.members[user_id]
        except KeyError:
            raise KeyError(f"user {user_id} is not a member of guild {self.id}") from None

    def permissions_for(self, user_id: int) -> int:
        """The member's guild-wide permissions, as Discord computes them."""
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        value = self.everyone.permissions
        for role_id in self.member(user_id).role_ids:
            value |= self.roles[role_id].permissions
        return ALL_PERMISSIONS if value & ADMINISTRATOR else value

    def member_payload(
        self, user_id: int, *, with_user: bool = True, with_permissions: bool = False
    ) -> JSON:
        """The guild member object; interactions add the computed ``permissions``."""
        member = self.member(user_id)
        data: JSON = {
            "roles": [str(r) for r in member.role_ids],
            "nick": member.nick,
            "avatar": None,
            "joined_at": _JOINED_AT,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = member.user.payload()
        if with_permissions:
            data["permissions"] = str(self.permissions_for(user_id))
        return data

    def text_channels(self) -> list[FakeChannel]:
        """Text channels in position order; the first is the default for drivers."""
        return sorted(
            (c for c in self.channels.values() if c.type == TEXT_CHANNEL),
            key=lambda c: (c.position, c.id),
        )

    def create_payload(self, *, member_ids: list[int]) -> JSON:
        """The GUILD_CREATE dispatch body, listing only ``member_ids``' members.

        Discord leaves most members out of GUILD_CREATE unless the bot asked for the
        members intent, and discord.py relies on ``member_count`` to decide whether it
        still has to chunk, so the count is always the real one.
        """
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "vanity_url_code": None,
            "preferred_locale": self.locale,
            "features": list(self.features),
            "roles": [r.payload() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "channels": [c.payload() for c in self.channels.values()],
            "threads": [],
            "members": [self.member_payload(uid) for uid in member_ids],
            "member_count": len(self.members),
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "large": False,
            "unavailable": False,
            "joined_at": _JOINED_AT,
        }

    def interaction_guild_payload(self) -> JSON:
        """The partial guild object that interactions carry."""
        return {"id": str(self.id), "locale": self.locale, "features": list(self.features)}
