"""``LoopbackDiscord``: the stand-in that tests, console mode and benchmarks drive.

It serves REST and the gateway on ``127.0.0.1`` (random port), lets a real discord.py
client connect, and offers "user actions" (slash commands, clicks, selects, modal
submits, messages) that dispatch real payloads and wait, event-driven, for the bot's
answer.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import discord
import yarl
from aiohttp import web

from standin._feed import LoopbackUsageError
from standin.commands import build_options, resolve_path
from standin.gateway import Gateway
from standin.interactions import (
    Resolver,
    Where,
    interaction_payload,
    modal_components,
    new_token,
    select_data,
)
from standin.records import (
    InteractionResult,
    LoopbackFile,
    ModalSent,
    RestRequest,
    SentMessage,
)
from standin.rest import API_PREFIX, RestApi
from standin.state import LoopbackState, MessageListener
from standin.world import (
    ADMINISTRATOR,
    JSON,
    TEXT_CHANNEL,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
)

log = logging.getLogger(__name__)

DEFAULT_APPLICATION_ID = 900000000000000001
CHAT_INPUT, MESSAGE_COMMAND = 1, 3  # application command types
UserRef = int | FakeUser
GuildRef = int | FakeGuild
ChannelRef = int | FakeChannel


class Replies(list[SentMessage]):
    """The bot's messages in answer to a user message; ``prompt`` is that message."""

    def __init__(self, prompt: SentMessage, replies: Sequence[SentMessage]) -> None:
        super().__init__(replies)
        self.prompt = prompt


class LoopbackDiscord:
    """A loopback Discord (REST API v10 + gateway) for one real discord.py bot.

    Typical use::

        stand_in = LoopbackDiscord()
        populate_default_world(stand_in)
        await stand_in.start()
        with stand_in.pointing_discord_py_here():
            ...  # bot.start("any-token"), then stand_in.slash("ping")
        await stand_in.close()
    """

    def __init__(
        self,
        *,
        application_id: int = DEFAULT_APPLICATION_ID,
        bot_user_id: int | None = None,
        bot_name: str = "reviewbot",
        owner_id: int = 0,
        timeout: float = 5.0,
        interaction_deadline: float | None = 3.0,
        validate: bool = True,
        heartbeat_interval_ms: int = 45_000,
        shard_count: int = 1,
    ) -> None:
        """Create a stopped stand-in with an empty world.

        ``timeout`` bounds every wait for the bot; ``interaction_deadline`` is how long
        the bot may take to acknowledge an interaction (Discord's 3 s; ``None`` turns
        it off); ``validate`` enforces Discord's payload limits; ``shard_count`` is
        how many shards ``GET /gateway/bot`` asks for (and IDENTIFY must name).
        """
        self.state = LoopbackState(
            application_id=application_id,
            bot_user_id=bot_user_id if bot_user_id is not None else application_id,
            bot_name=bot_name,
            owner_id=owner_id,
            timeout=timeout,
        )
        self.gateway = Gateway(
            self.state, heartbeat_interval_ms=heartbeat_interval_ms, shard_count=shard_count
        )
        self.rest = RestApi(
            self.state, self.gateway, interaction_deadline=interaction_deadline, validate=validate
        )
        self.default_user_id: int | None = None
        self.default_guild_id: int | None = None
        self.default_channel_id: int | None = None
        self._runner: web.AppRunner | None = None
        self._port = 0

    # ----- lifecycle ---------------------------------------------------------------------
    async def start(self) -> None:
        """Serve on ``127.0.0.1`` on a free port."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        self.state.base_url = f"http://127.0.0.1:{self._port}"
        self.gateway.resume_url = f"ws://127.0.0.1:{self._port}/gateway-resume"
        log.info("loopback Discord listening on %s", self.state.base_url)

    async def close(self) -> None:
        """Close open websockets and stop serving."""
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> LoopbackDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``; set by :meth:`start`."""
        if not self.state.base_url:
            raise RuntimeError("start() the stand-in first")
        return self.state.base_url

    @property
    def api_url(self) -> str:
        """What ``discord.http.Route.BASE`` must be."""
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        """What ``DiscordWebSocket.DEFAULT_GATEWAY`` must be."""
        return f"ws://127.0.0.1:{self._port}/gateway"

    def point_discord_py_here(self) -> None:
        """Send every discord.py client in this process to the stand-in."""
        discord.http.Route.BASE = self.api_url
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)

    @contextmanager
    def pointing_discord_py_here(self) -> Iterator[None]:
        """:meth:`point_discord_py_here`, restoring the real URLs afterwards."""
        saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        self.point_discord_py_here()
        try:
            yield
        finally:
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.path.startswith("/gateway"):
            return await self.gateway.handle(request)
        if request.path.startswith("/attachments/"):
            return self._serve_attachment(request)
        if request.path.startswith(API_PREFIX + "/"):
            return await self.rest.handle(request)
        route = f"{request.method} {request.path}"
        self.state.unknown_routes.append(route)
        log.error("loopback: unknown route %s", route)
        return web.Response(status=404, text="not served by loopback Discord")

    def _serve_attachment(self, request: web.Request) -> web.Response:
        parts = request.path.split("/")
        stored = self.state.files.get(int(parts[2])) if parts[2].isdigit() else None
        if stored is None:
            self.state.unknown_routes.append(f"GET {request.path}")
            return web.Response(status=404)
        return web.Response(body=stored.data, content_type=stored.content_type)

    # ----- records -----------------------------------------------------------------------
    @property
    def synced_commands(self) -> dict[int | None, list[JSON]]:
        """What the bot synced, by scope (``None`` global, else guild id), with ids."""
        return self.state.commands.by_scope

    @property
    def requests_log(self) -> list[RestRequest]:
        """Every REST request the bot made, in order."""
        return self.state.requests_log

    @property
    def unknown_routes(self) -> list[str]:
        """``METHOD /path`` of each request no route matched (a test should fail)."""
        return self.state.unknown_routes

    @property
    def internal_errors(self) -> list[str]:
        """Bugs inside the stand-in's own handlers (a test should fail)."""
        return self.rest.internal_errors

    @property
    def messages(self) -> dict[int, SentMessage]:
        """Every message in the world by id, the bot's and simulated users'."""
        return self.state.messages

    def bot_messages(self, channel: ChannelRef | None = None) -> list[SentMessage]:
        """Messages the bot sent, oldest first, optionally in one channel."""
        return self.state.bot_messages(None if channel is None else _id(channel))

    def direct_messages(self, user: UserRef) -> list[SentMessage]:
        """What the bot sent ``user`` by DM, oldest first."""
        return self.state.direct_messages(self._user(user).id)

    def on_message_event(self, listener: MessageListener) -> None:
        """Call ``listener(kind, message)`` whenever any message is created/edited/deleted.

        ``kind`` is ``"create"``, ``"edit"`` or ``"delete"``; the console mode uses this
        to print what the bot does, including late follow-ups and view timeouts.
        """
        self.state.message_listeners.append(listener)

    def requests(self, method: str | None = None, route: str | None = None) -> list[RestRequest]:
        """Logged requests filtered by method and/or route template."""
        return [
            r
            for r in self.requests_log
            if (method is None or r.method == method) and (route is None or r.route == route)
        ]

    # ----- world -------------------------------------------------------------------------
    def add_user(self, user_id: int, name: str, *, bot: bool = False) -> FakeUser:
        """A user who is not (yet) in any guild."""
        user = self.state.users.get(user_id) or FakeUser(user_id, name, bot=bot)
        self.state.users[user_id] = user
        return user

    def add_guild(
        self,
        guild_id: int,
        name: str = "Loopback Guild",
        *,
        owner_id: int | None = None,
        owner_name: str = "owner",
    ) -> FakeGuild:
        """A guild the bot is in; its owner becomes a member, and so does the bot."""
        owner = self.add_user(owner_id or self.state.owner_id or guild_id + 1, owner_name)
        guild = FakeGuild(guild_id, name, owner.id)
        guild.members[owner.id] = FakeMember(owner)
        bot_role = self.state.bot_role(guild)
        guild.members[self.state.bot_user.id] = FakeMember(self.state.bot_user, [bot_role.id])
        self.state.guilds[guild_id] = guild
        self.default_guild_id = self.default_guild_id or guild_id
        return guild

    def add_channel(
        self, guild: GuildRef, channel_id: int, name: str = "general", *, topic: str | None = None
    ) -> FakeChannel:
        """A text channel in ``guild``."""
        found = self._guild(guild)
        channel = FakeChannel(
            channel_id, name, found.id, TEXT_CHANNEL, position=len(found.channels), topic=topic
        )
        found.channels[channel_id] = channel
        self.default_channel_id = self.default_channel_id or channel_id
        return channel

    def add_role(self, guild: GuildRef, role_id: int, name: str, permissions: int = 0) -> FakeRole:
        """A role granting ``permissions`` (a ``discord.Permissions`` value)."""
        found = self._guild(guild)
        role = FakeRole(role_id, name, permissions, position=len(found.roles))
        found.roles[role_id] = role
        return role

    def add_member(
        self,
        guild: GuildRef,
        user_id: int,
        name: str,
        *,
        roles: Sequence[int | FakeRole] = (),
        permissions: int | None = None,
        nick: str | None = None,
    ) -> FakeMember:
        """A member holding ``roles``; ``permissions`` adds a personal role granting them.

        Permissions always come from roles, so ``Member.guild_permissions`` (prefix
        command checks) and the interaction's ``member.permissions`` agree.
        """
        found = self._guild(guild)
        user = self.add_user(user_id, name)
        role_ids = [_id(r) for r in roles]
        for role_id in role_ids:
            if role_id not in found.roles:
                raise KeyError(f"guild {found.id} has no role {role_id}")
        if permissions is not None:
            role_ids.append(
                self.add_role(found, self.state.ids.next(), f"{name} permissions", permissions).id
            )
        member = FakeMember(user, role_ids, nick)
        found.members[user_id] = member
        return member

    def refuse_dms(self, user: UserRef, *, refused: bool = True) -> None:
        """Close (or reopen) ``user``'s DMs: the bot's messages to them then fail with
        403 and code 50007 ("Cannot send messages to this user"), as on Discord."""
        self._user(user).accepts_dms = not refused

    def set_bot_permissions(self, guild: GuildRef, permissions: int) -> None:
        """Change what the bot's own role grants in ``guild``."""
        self.state.bot_role(self._guild(guild)).permissions = permissions

    async def sync_guild(self, guild: GuildRef) -> None:
        """Tell a connected bot about world changes made after READY.

        Adding channels, roles or members only changes the stand-in's world; this sends
        a fresh GUILD_CREATE so discord.py's cache catches up (as when a guild becomes
        available again).
        """
        found = self._guild(guild)
        await self.gateway.dispatch("GUILD_CREATE", self.gateway.guild_create_payload(found))
        await self.gateway.barrier(self.state.timeout)

    def guild(self, guild: GuildRef) -> FakeGuild:
        """A guild by id."""
        return self._guild(guild)

    def _guild(self, guild: GuildRef) -> FakeGuild:
        return guild if isinstance(guild, FakeGuild) else self.state.guild(guild)

    # ----- waiting -----------------------------------------------------------------------
    async def wait_for_sync(
        self, scopes: Sequence[int | None] | None = None, within: float | None = None
    ) -> None:
        """Wait until the bot has synced commands (into every one of ``scopes``)."""

        def synced() -> bool:
            if scopes is None:
                return self.state.commands.sync_count > 0
            return all(s in self.state.commands.by_scope for s in scopes)

        await self.state.feed.wait_until(
            synced,
            within=within or self.state.timeout,
            describe=lambda: f"no command sync (synced scopes: {list(self.synced_commands)})",
        )

    async def wait_for_message(
        self, predicate: Callable[[SentMessage], bool] | None = None, *, within: float | None = None
    ) -> SentMessage:
        """The first bot message (already sent or still to come) matching ``predicate``."""

        def found() -> SentMessage | None:
            return next(
                (m for m in self.state.bot_messages() if predicate is None or predicate(m)), None
            )

        return await self.state.feed.wait_until(
            found,
            within=within or self.state.timeout,
            describe=lambda: f"no matching bot message among {self.state.bot_messages()}",
        )

    # ----- user actions: application commands --------------------------------------------
    async def slash(
        self,
        name: str,
        options: Mapping[str, Any] | list[JSON] | None = None,
        *,
        user: UserRef | None = None,
        guild: GuildRef | None = None,
        channel: ChannelRef | None = None,
        subcommand: str | None = None,
        group: str | None = None,
        dm: bool = False,
        locale: str = "en-US",
        wait: bool = True,
        within: float | None = None,
    ) -> InteractionResult:
        """Invoke ``/name`` as ``user`` and wait for the bot's answer.

        ``name`` may include the path (``"review edit"``, ``"admin tags purge"``).
        ``options`` maps option names to values (ints for users/roles/channels or the
        world's objects; a :class:`LoopbackFile` for attachments) and is checked
        against the synced schema; a list is sent verbatim. When the bot defers with
        "thinking...", this waits until the placeholder is filled in too.
        """
        where = self._where(user, guild, channel, dm)
        command, data, resolver = self._command_data(name, where)
        leaf, wrap = resolve_path(command, *self._path(name, group, subcommand))
        if isinstance(options, list):
            built = options
        else:
            built = build_options(leaf, options or {}, resolve_entity=resolver)
        data["options"] = wrap(built)
        if resolver.resolved:
            data["resolved"] = resolver.resolved
        result = await self._interact(2, data, where, locale=locale)
        if wait:
            await self._await_answer(result, within, complete=True)
        return result

    async def autocomplete(
        self,
        name: str,
        options: Mapping[str, Any] | None,
        focused: str,
        *,
        user: UserRef | None = None,
        guild: GuildRef | None = None,
        channel: ChannelRef | None = None,
        subcommand: str | None = None,
        group: str | None = None,
        within: float | None = None,
    ) -> list[JSON]:
        """Type into option ``focused`` of ``/name``; return the bot's choices."""
        where = self._where(user, guild, channel, False)
        command, data, resolver = self._command_data(name, where)
        leaf, wrap = resolve_path(command, *self._path(name, group, subcommand))
        built = build_options(leaf, options or {}, resolve_entity=resolver, focused=focused)
        data["options"] = wrap(built)
        result = await self._interact(4, data, where)
        await self._await_answer(result, within, complete=False)
        return result.choices

    async def message_command(
        self,
        name: str,
        message: SentMessage,
        *,
        user: UserRef | None = None,
        within: float | None = None,
    ) -> InteractionResult:
        """Use the message context menu ``name`` (Apps → name) on ``message``.

        The interaction carries the target message in ``data.resolved.messages``, as
        Discord sends it, so the bot reads it without fetching.
        """
        live = self._live(message)
        where = self._where_for_message(live, user)
        if user is None:
            where = Where(self._user(None), where.guild, where.channel)
        _, data, _ = self._command_data(name, where, MESSAGE_COMMAND)
        data["target_id"] = str(live.id)
        data["resolved"] = {"messages": {str(live.id): self.state.message_payload(live)}}
        result = await self._interact(2, data, where)
        await self._await_answer(result, within, complete=True)
        return result

    def can_use_command(
        self, name: str, *, user: UserRef | None = None, guild: GuildRef | None = None
    ) -> bool:
        """Whether Discord would show ``/name`` to ``user`` (default_member_permissions)."""
        where = self._where(user, guild, None, False)
        command = self.state.commands.find(name.split()[0], where.guild.id if where.guild else None)
        return command is not None and self._permitted(command, where)

    def _path(self, name: str, group: str | None, sub: str | None) -> tuple[str | None, str | None]:
        parts = name.split()
        if len(parts) == 3:
            return parts[1], parts[2]
        if len(parts) == 2:
            return group, parts[1]
        return group, sub

    def _command_data(
        self, name: str, where: Where, kind: int = CHAT_INPUT
    ) -> tuple[JSON, JSON, Resolver]:
        root = name if kind != CHAT_INPUT else name.split()[0]
        guild_id = where.guild.id if where.guild else None
        command = self.state.commands.find(root, guild_id, kind)
        if command is None:
            raise LoopbackUsageError(
                f"{root!r} (type {kind}) was never synced where user {where.user.id} can see "
                f"it; synced: {self.state.commands.names(guild_id)}"
            )
        if not self._permitted(command, where):
            raise LoopbackUsageError(
                f"/{root} is hidden from user {where.user.id} by default_member_permissions "
                f"{command.get('default_member_permissions')}"
            )
        data: JSON = {"id": command["id"], "name": root, "type": kind}
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        return command, data, Resolver(self.state, where)

    def _permitted(self, command: JSON, where: Where) -> bool:
        if where.guild is None:
            contexts = command.get("contexts")
            return command.get("dm_permission", True) is not False and (
                contexts is None or 1 in contexts
            )
        required = command.get("default_member_permissions")
        if required is None:
            return True
        granted = where.guild.permissions_for(where.user.id)
        return bool(granted & ADMINISTRATOR) or granted & int(required) == int(required)

    # ----- user actions: components and modals ------------------------------------------
    async def click(
        self,
        message: SentMessage,
        custom_id: str | None = None,
        *,
        label: str | None = None,
        user: UserRef | None = None,
        within: float | None = None,
    ) -> InteractionResult:
        """Click a button (by ``custom_id`` or ``label``) on the message's current state."""
        if custom_id is None:
            if label is None:
                raise LoopbackUsageError("click() needs a custom_id or a label")
            custom_id = str(message.button(label).get("custom_id"))
        button = self._live(message).component(custom_id)
        if button.get("type") != 2 or button.get("disabled") or button.get("style") == 5:
            raise LoopbackUsageError(f"button {custom_id!r} cannot be clicked: {button}")
        data: JSON = {"custom_id": custom_id, "component_type": 2}
        return await self._component(message, data, user, within)

    async def select(
        self,
        message: SentMessage,
        custom_id: str,
        values: Sequence[Any],
        *,
        user: UserRef | None = None,
        within: float | None = None,
    ) -> InteractionResult:
        """Pick ``values`` in a select menu (option values, or ids for entity selects)."""
        live = self._live(message)
        where = self._where_for_message(live, user)
        data = select_data(live, custom_id, list(values), Resolver(self.state, where))
        return await self._component(message, data, user, within)

    async def submit_modal(
        self,
        modal: ModalSent,
        values: Mapping[str, Any],
        *,
        user: UserRef | None = None,
        within: float | None = None,
    ) -> InteractionResult:
        """Fill in and submit a modal the bot opened; keys are custom_ids or labels."""
        opener = modal.opened_by
        acting = self._user(user) if user is not None else opener.user
        if acting.id != opener.user.id:
            raise LoopbackUsageError("only the user who opened a modal can submit it")
        data: JSON = {"custom_id": modal.custom_id, "components": modal_components(modal, values)}
        message = None
        if "message" in opener.payload:
            message = self.state.messages[int(opener.payload["message"]["id"])]
        where = Where(
            acting, self._guild_of(opener.payload), self._channel(int(opener.payload["channel_id"]))
        )
        result = await self._interact(5, data, where, message=message)
        await self._await_answer(result, within, complete=True)
        return result

    async def _component(
        self, message: SentMessage, data: JSON, user: UserRef | None, within: float | None
    ) -> InteractionResult:
        live = self._live(message)
        where = self._where_for_message(live, user)
        if live.ephemeral and live.interaction_user and where.user.id != (live.interaction_user.id):
            raise LoopbackUsageError("only the invoking user can see an ephemeral message")
        result = await self._interact(3, data, where, message=live)
        await self._await_answer(result, within, complete=True)
        return result

    def _live(self, message: SentMessage) -> SentMessage:
        live = self.state.messages.get(message.id)
        if live is None or live.deleted:
            raise LoopbackUsageError(f"message {message.id} no longer exists")
        return live

    def _where_for_message(self, message: SentMessage, user: UserRef | None) -> Where:
        acting = (
            self._user(user) if user is not None else (message.interaction_user or self._user(None))
        )
        guild = self.state.guild(message.guild_id) if message.guild_id is not None else None
        return Where(acting, guild, self._channel(message.channel_id))

    # ----- user actions: messages -------------------------------------------------------
    async def send_message(
        self,
        content: str,
        *,
        user: UserRef | None = None,
        channel: ChannelRef | None = None,
        dm: bool = False,
        mentions_bot: bool = False,
        reply_to: SentMessage | None = None,
        attachments: Sequence[LoopbackFile] = (),
        expect_reply: bool = True,
        quiet_period: float = 0.15,
        within: float | None = None,
    ) -> Replies:
        """Post ``content`` as ``user`` (MESSAGE_CREATE) and collect the bot's replies.

        Waits for the bot's first message (when ``expect_reply``), then until no new
        bot message has arrived for ``quiet_period`` seconds. Returns the bot's
        messages sent meanwhile, in any channel (a DM answer counts).
        """
        where = self._where(user, None, channel, dm)
        if mentions_bot and self.state.bot_user.mention not in content:
            content = f"{self.state.bot_user.mention} {content}"
        body: JSON = {"content": content}
        if reply_to is not None:
            body["message_reference"] = {"message_id": str(reply_to.id)}
        files = [self.state.store_file(f.filename, f.data, f.content_type) for f in attachments]
        before = set(self.state.messages)
        prompt = self.state.create_message(
            channel_id=where.channel.id, author=where.user, body=body, files=files
        )
        await self.gateway.dispatch_message("MESSAGE_CREATE", prompt)

        def replies() -> list[SentMessage]:
            return [m for m in self.state.bot_messages() if m.id not in before]

        if expect_reply:
            await self.state.feed.wait_until(
                replies,
                within=within or self.state.timeout,
                describe=lambda: (
                    f"no reply to {content!r}; {self.state.describe_recent(time.monotonic() - 60)}"
                ),
            )
        await self._settle(lambda: len(replies()), quiet_period)
        return Replies(prompt, replies())

    async def _settle(self, count: Callable[[], int], quiet: float) -> None:
        # A bot may answer with several messages; stop once none arrived for a while.
        seen = count()
        deadline = time.monotonic() + quiet
        while (remaining := deadline - time.monotonic()) > 0:
            await self.state.feed.changed(remaining)
            if count() != seen:
                seen, deadline = count(), time.monotonic() + quiet

    # ----- gateway and failures ---------------------------------------------------------
    async def dispatch(self, event: str, data: JSON, *, processed: bool = True) -> None:
        """Send any gateway event verbatim (an escape hatch for untyped events).

        With ``processed`` this returns once discord.py has parsed the event (see
        :meth:`Gateway.barrier`).
        """
        await self.gateway.dispatch(event, data)
        if processed:
            await self.gateway.barrier(self.state.timeout)

    async def drop_gateway(
        self,
        *,
        resume: bool = True,
        code: int = 4000,
        wait: bool = True,
        within: float | None = None,
    ) -> None:
        """Break the bot's gateway connection.

        ``resume=True`` closes the socket with ``code`` so discord.py reconnects to the
        resume URL and RESUMEs (missed events are replayed); ``resume=False`` sends
        INVALID_SESSION so it must IDENTIFY again and gets READY + GUILD_CREATEs.
        With ``wait`` this returns once the new session is up.
        """
        resumed, identified = self.gateway.resume_count, self.gateway.ready_count
        if resume:
            await self.gateway.drop(code)
        else:
            await self.gateway.invalidate()
        if not wait:
            return

        def back() -> bool:
            if resume:
                return self.gateway.resume_count > resumed
            return self.gateway.ready_count > identified

        await self.state.feed.wait_until(
            back,
            within=within or self.state.timeout,
            describe=lambda: f"bot did not come back (connections: {self.gateway.connections})",
        )

    def fail_next(
        self,
        method: str,
        path_pattern: str,
        status: int,
        *,
        retry_after: float | None = None,
        times: int = 1,
        is_global: bool = False,
    ) -> None:
        """Answer the next ``times`` matching requests with ``status``.

        ``path_pattern`` is relative to ``/api/v10`` with ``{name}`` or ``*`` for a
        segment, e.g. ``"/channels/{id}/messages"``. A 429 carries ``Via``, the
        ``X-RateLimit-*`` headers and ``retry_after`` (default 0.05 s), so discord.py
        waits and retries; 500/502/504 are retried by discord.py after 1 s; other
        statuses become the matching ``HTTPException``.
        """
        self.rest.add_fault(
            method, path_pattern, status, retry_after=retry_after, times=times, is_global=is_global
        )

    # ----- internals ---------------------------------------------------------------------
    async def _interact(
        self,
        kind: int,
        data: JSON,
        where: Where,
        *,
        message: SentMessage | None = None,
        locale: str = "en-US",
    ) -> InteractionResult:
        interaction_id = self.state.ids.next()
        token = new_token(interaction_id)
        payload = interaction_payload(
            self.state,
            interaction_id=interaction_id,
            token=token,
            kind=kind,
            data=data,
            where=where,
            message=message,
            locale=locale,
        )
        result = InteractionResult(
            interaction_id, token, kind, payload, where.user, self.state.feed, self.state.timeout
        )
        self.state.interactions[token] = result
        await self.gateway.dispatch("INTERACTION_CREATE", payload)
        return result

    async def _await_answer(
        self, result: InteractionResult, within: float | None, *, complete: bool
    ) -> None:
        limit = within or self.state.timeout
        await self.state.feed.wait_until(
            lambda: result.answered, within=limit, describe=lambda: self._unanswered(result)
        )
        if complete and result.callback_type in (5, 6):
            await result.wait_until_complete(limit)

    def _unanswered(self, result: InteractionResult) -> str:
        parts = [
            f"the bot never answered interaction {result.interaction_id} "
            f"(type {result.type}, data {result.payload['data']})"
        ]
        if result.rejected_callbacks:
            parts.append(f"rejected callbacks: {result.rejected_callbacks}")
        if not self.gateway.connected:
            parts.append("the bot is not connected to the gateway")
        parts.append(self.state.describe_recent(result.dispatched_at))
        return "; ".join(parts)

    def _user(self, user: UserRef | None) -> FakeUser:
        if isinstance(user, FakeUser):
            return user
        user_id = user if user is not None else self.default_user_id
        if user_id is None:
            raise LoopbackUsageError("pass user= (no default user in this world)")
        return self.state.user(user_id)

    def _channel(self, channel_id: int) -> FakeChannel:
        channel = self.state.channel(channel_id)
        if channel is None:
            raise LoopbackUsageError(f"unknown channel {channel_id}")
        return channel

    def _guild_of(self, payload: JSON) -> FakeGuild | None:
        guild_id = payload.get("guild_id")
        return None if guild_id is None else self.state.guild(int(guild_id))

    def _where(
        self, user: UserRef | None, guild: GuildRef | None, channel: ChannelRef | None, dm: bool
    ) -> Where:
        acting = self._user(user)
        if dm:
            return Where(acting, None, self.state.dm_channel_for(acting))
        if channel is not None:
            found = self._channel(_id(channel))
            if found.guild_id is None:
                return Where(acting, None, found)
            return Where(acting, self._member_guild(acting, found.guild_id), found)
        guild_obj = self._member_guild(acting, self._default_guild(guild).id)
        channels = guild_obj.text_channels()
        if not channels:
            raise LoopbackUsageError(f"guild {guild_obj.id} has no text channel")
        default = self.default_channel_id
        chosen = guild_obj.channels.get(default) if default is not None else None
        return Where(acting, guild_obj, chosen or channels[0])

    def _member_guild(self, user: FakeUser, guild_id: int) -> FakeGuild:
        guild = self.state.guild(guild_id)
        if user.id not in guild.members:
            raise LoopbackUsageError(f"user {user.id} is not a member of guild {guild_id}")
        return guild

    def _default_guild(self, guild: GuildRef | None) -> FakeGuild:
        if guild is not None:
            return self._guild(guild)
        if self.default_guild_id is None:
            raise LoopbackUsageError("pass guild= or channel= (no default guild)")
        return self.state.guild(self.default_guild_id)


def _id(value: int | FakeUser | FakeGuild | FakeChannel | FakeRole) -> int:
    return value if isinstance(value, int) else value.id
