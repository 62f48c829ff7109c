"""The stand-in's shared state: the world, stored messages and files, interactions.

REST handlers, the gateway and the test-facing :class:`~standin.LoopbackDiscord`
all read and change this one object, and every change wakes waiters through
:attr:`LoopbackState.feed`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from standin._feed import ChangeFeed
from standin._ids import SnowflakeFactory
from standin.commands import CommandRegistry
from standin.records import (
    EPHEMERAL_FLAG,
    InteractionResult,
    RestRequest,
    SentMessage,
    StoredFile,
    message_reference_author,
)
from standin.world import (
    DEFAULT_BOT_PERMISSIONS,
    DM_CHANNEL,
    JSON,
    FakeChannel,
    FakeGuild,
    FakeRole,
    FakeUser,
)

MessageEventKind = Literal["create", "edit", "delete"]
MessageListener = Callable[[MessageEventKind, SentMessage], None]


@dataclass(frozen=True)
class Upload:
    """One file part of a multipart request, by its ``files[n]`` index."""

    index: int
    filename: str
    data: bytes
    content_type: str


class LoopbackState:
    """Everything the fake Discord knows, in one place."""

    def __init__(
        self, *, application_id: int, bot_user_id: int, bot_name: str, owner_id: int, timeout: float
    ) -> None:
        self.ids = SnowflakeFactory()
        self.feed = ChangeFeed()
        self.timeout = timeout
        self.application_id = application_id
        self.owner_id = owner_id
        self.bot_user = FakeUser(bot_user_id, bot_name, bot=True)
        self.users: dict[int, FakeUser] = {bot_user_id: self.bot_user}
        self.guilds: dict[int, FakeGuild] = {}
        self.dm_channels: dict[int, FakeChannel] = {}
        self.messages: dict[int, SentMessage] = {}
        self.files: dict[int, StoredFile] = {}
        self.commands = CommandRegistry(application_id, self.ids.next)
        self.interactions: dict[str, InteractionResult] = {}
        self.requests_log: list[RestRequest] = []
        self.unknown_routes: list[str] = []
        self.base_url = ""
        self.message_listeners: list[MessageListener] = []

    # ----- world lookups -------------------------------------------------------------
    def user(self, user_id: int) -> FakeUser:
        """A known user, or a clear error naming the id."""
        try:
            return self.users[user_id]
        except KeyError:
            raise KeyError(f"unknown user {user_id}; add it with add_member/add_user") from None

    def guild(self, guild_id: int) -> FakeGuild:
        """A known guild, or a clear error naming the id."""
        try:
            return self.guilds[guild_id]
        except KeyError:
            raise KeyError(f"unknown guild {guild_id}; add it with add_guild") from None

    def channel(self, channel_id: int) -> FakeChannel | None:
        """A guild text channel or DM channel by id."""
        for guild in self.guilds.values():
            if channel_id in guild.channels:
                return guild.channels[channel_id]
        return self.dm_channels.get(channel_id)

    def dm_channel_for(self, user: FakeUser) -> FakeChannel:
        """The bot's DM channel with ``user``, created on first use like Discord's."""
        for channel in self.dm_channels.values():
            if channel.recipient is not None and channel.recipient.id == user.id:
                return channel
        channel = FakeChannel(self.ids.next(), user.name, None, type=DM_CHANNEL, recipient=user)
        self.dm_channels[channel.id] = channel
        return channel

    def refuses_dm(self, channel_id: int) -> bool:
        """Whether Discord would refuse the bot's message in DM channel ``channel_id``
        (50007): the recipient closed their DMs, is a bot, or shares no server with it."""
        channel = self.channel(channel_id)
        recipient = channel.recipient if channel is not None else None
        if recipient is None:
            return False
        shares_a_guild = any(recipient.id in guild.members for guild in self.guilds.values())
        return not recipient.accepts_dms or recipient.bot or not shares_a_guild

    def direct_messages(self, user_id: int) -> list[SentMessage]:
        """What the bot sent ``user_id`` in their DM channel, oldest first."""
        return [
            message
            for channel in self.dm_channels.values()
            if channel.recipient is not None and channel.recipient.id == user_id
            for message in self.bot_messages(channel.id)
        ]

    def bot_role(self, guild: FakeGuild) -> FakeRole:
        """The managed role Discord gives the bot when it joins, created on demand."""
        for role in guild.roles.values():
            if role.managed and role.name == self.bot_user.name:
                return role
        role = FakeRole(self.ids.next(), self.bot_user.name, DEFAULT_BOT_PERMISSIONS, managed=True)
        guild.roles[role.id] = role
        return role

    def bot_permissions(self, guild_id: int | None) -> int:
        """The bot's permissions where it acts; in DMs Discord grants the basics."""
        if guild_id is None:
            return DEFAULT_BOT_PERMISSIONS
        return self.guild(guild_id).permissions_for(self.bot_user.id)

    # ----- files and messages ----------------------------------------------------------
    def store_file(
        self, filename: str, data: bytes, content_type: str, description: str | None = None
    ) -> StoredFile:
        """Keep a file and serve it at ``{base_url}/attachments/{id}/{filename}``."""
        file_id = self.ids.next()
        url = f"{self.base_url}/attachments/{file_id}/{filename}"
        stored = StoredFile(file_id, filename, data, content_type, url, description)
        self.files[file_id] = stored
        return stored

    def store_uploads(self, body: JSON, uploads: Iterable[Upload]) -> list[StoredFile]:
        """Store a request's uploads, with filenames/descriptions from ``attachments``."""
        described = {int(a["id"]): a for a in body.get("attachments") or []}
        stored: list[StoredFile] = []
        for upload in sorted(uploads, key=lambda u: u.index):
            meta = described.get(upload.index, {})
            filename = str(meta.get("filename") or upload.filename)
            stored.append(
                self.store_file(filename, upload.data, upload.content_type, meta.get("description"))
            )
        return stored

    def create_message(
        self,
        *,
        channel_id: int,
        author: FakeUser,
        body: JSON,
        files: list[StoredFile],
        interaction: InteractionResult | None = None,
        flags_override: int | None = None,
    ) -> SentMessage:
        """Store a new message built from a create-message body."""
        channel = self.channel(channel_id)
        flags = int(body.get("flags") or 0) if flags_override is None else flags_override
        if interaction is None:
            flags &= ~EPHEMERAL_FLAG  # only interaction responses can be ephemeral
        reference = self._reference(body.get("message_reference"), channel)
        message = SentMessage(
            id=self.ids.next(),
            channel_id=channel_id,
            guild_id=channel.guild_id if channel else None,
            author=author,
            content=str(body.get("content") or ""),
            embeds=list(body.get("embeds") or []),
            components=list(body.get("components") or []),
            flags=flags,
            allowed_mentions=body.get("allowed_mentions"),
            message_reference=reference,
            tts=bool(body.get("tts")),
            files=files,
            interaction_token=interaction.token if interaction else None,
            interaction_id=interaction.interaction_id if interaction else None,
            interaction_user=interaction.user if interaction else None,
            webhook_id=self.application_id if interaction else None,
            reply_to_author_id=message_reference_author(reference, self.messages),
            payload=body,
        )
        self.messages[message.id] = message
        self._emit("create", message)
        return message

    def edit_message(self, message: SentMessage, body: JSON, files: list[StoredFile]) -> None:
        """Apply an edit and tell listeners."""
        message.apply_edit(body, files)
        self._emit("edit", message)

    def delete_message(self, message: SentMessage) -> None:
        """Mark a message deleted and tell listeners."""
        message.deleted = True
        self._emit("delete", message)

    def _emit(self, kind: MessageEventKind, message: SentMessage) -> None:
        for listener in list(self.message_listeners):
            listener(kind, message)

    def _reference(self, reference: JSON | None, channel: FakeChannel | None) -> JSON | None:
        if not reference:
            return None
        # discord.py sends ints; Discord stores and returns snowflake strings.
        filled = {
            k: str(v) if k.endswith("_id") and v is not None else v for k, v in reference.items()
        }
        if channel is not None:
            filled.setdefault("channel_id", str(channel.id))
            if channel.guild_id is not None:
                filled.setdefault("guild_id", str(channel.guild_id))
        return filled

    def message_payload(self, message: SentMessage) -> JSON:
        """The full message object, with mentions resolved to the world's users."""
        data = message.to_payload()
        data["mentions"] = [
            self.users[int(m["id"])].payload() if int(m["id"]) in self.users else m
            for m in data["mentions"]
        ]
        if message.message_reference and message.message_reference.get("message_id"):
            target = self.messages.get(int(message.message_reference["message_id"]))
            if target is not None and not target.deleted:
                data["referenced_message"] = target.to_payload()
        return data

    def bot_messages(self, channel_id: int | None = None) -> list[SentMessage]:
        """Messages the bot sent, oldest first, optionally in one channel."""
        return [
            m
            for m in self.messages.values()
            if m.from_bot and (channel_id is None or m.channel_id == channel_id)
        ]

    def describe_recent(self, since: float) -> str:
        """A short account of what the bot did since ``since`` (for timeout messages)."""
        recent = [str(r) for r in self.requests_log if r.at >= since]
        lines = [f"requests since dispatch: {recent or 'none'}"]
        if self.unknown_routes:
            lines.append(f"unknown routes: {self.unknown_routes}")
        return "; ".join(lines)
