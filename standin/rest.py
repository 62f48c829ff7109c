"""The REST half of the stand-in: Discord API v10 routes that discord.py calls.

Every request is logged in :attr:`LoopbackState.requests_log`. A route the stand-in
does not know answers 404 like Discord *and* lands in ``unknown_routes`` so the test
harness can fail loudly instead of letting a silent 404 pass for "bot did nothing".
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

from standin import validation
from standin.commands import Scope
from standin.gateway import Gateway
from standin.records import (
    EPHEMERAL_FLAG,
    LOADING_FLAG,
    InteractionResult,
    ModalSent,
    RestRequest,
    SentMessage,
    StoredFile,
)
from standin.state import LoopbackState, Upload
from standin.world import JSON, FakeGuild

log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"
SEND_MESSAGES = 1 << 11
ATTACH_FILES = 1 << 15
MANAGE_MESSAGES = 1 << 13
VIEW_CHANNEL = 1 << 10

# Which callback types Discord accepts for each interaction type.
_ALLOWED_CALLBACKS = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}


@dataclass
class Reply:
    """What a handler answers: status, JSON body (``None`` for no body), headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class RestCall:
    """One parsed request as handlers see it."""

    record: RestRequest
    params: dict[str, str]
    body: Any
    uploads: list[Upload]

    def int_param(self, name: str) -> int:
        """A snowflake path parameter as an int."""
        return int(self.params[name])

    @property
    def json(self) -> JSON:
        """The body as a JSON object (empty when there was none)."""
        return self.body if isinstance(self.body, dict) else {}


@dataclass
class Fault:
    """An injected failure for the next ``remaining`` requests matching a route."""

    method: str
    pattern: re.Pattern[str]
    status: int
    retry_after: float | None
    remaining: int
    is_global: bool = False


Handler = Callable[[RestCall], Awaitable[Reply]]


def error(status: int, code: int, message: str) -> Reply:
    """A Discord-style JSON error."""
    return Reply(status, {"code": code, "message": message})


def compile_template(template: str) -> re.Pattern[str]:
    """``/channels/{channel_id}/messages`` (or ``*`` per segment) as an anchored regex."""
    parts = re.split(r"(\{[A-Za-z_]+\}|\*)", template)
    return re.compile("^" + "".join(_segment_regex(p) for p in parts) + "/?$")


def _segment_regex(part: str) -> str:
    # Snowflake parameters only match digits, so ``/messages/pins`` is an unknown route
    # rather than message "pins".
    if part.startswith("{"):
        name = part[1:-1]
        return f"(?P<{name}>\\d+)" if name.endswith("_id") else f"(?P<{name}>[^/]+)"
    return "[^/]+" if part == "*" else re.escape(part)


def no_content() -> Reply:
    """204, which discord.py reads as an empty text body."""
    return Reply(204)


def invalid(problems: list[validation.Problem]) -> Reply:
    """400 Invalid Form Body with Discord's nested error layout."""
    return Reply(400, validation.error_body(problems))


class RestApi:
    """Routes API requests to handlers that read and change :class:`LoopbackState`."""

    def __init__(
        self,
        state: LoopbackState,
        gateway: Gateway,
        *,
        interaction_deadline: float | None,
        validate: bool,
    ) -> None:
        self.state = state
        self.gateway = gateway
        self.interaction_deadline = interaction_deadline
        self.validate = validate
        self.faults: list[Fault] = []
        self.internal_errors: list[str] = []
        self._routes: list[tuple[str, re.Pattern[str], str, Handler]] = []
        self._register_routes()

    # ----- routing ---------------------------------------------------------------------
    def _register_routes(self) -> None:
        app = "/applications/{application_id}"
        message = "/channels/{channel_id}/messages/{message_id}"
        webhook = "/webhooks/{application_id}/{token}"
        table: list[tuple[str, str, Handler]] = [
            ("GET", "/users/@me", self.get_me),
            ("GET", "/users/{user_id}", self.get_user),
            ("POST", "/users/@me/channels", self.create_dm),
            ("GET", "/oauth2/applications/@me", self.get_application),
            ("GET", "/applications/@me", self.get_application),
            ("GET", "/gateway", self.get_gateway),
            ("GET", "/gateway/bot", self.get_gateway),
            ("GET", f"{app}/commands", self.list_commands),
            ("PUT", f"{app}/commands", self.overwrite_commands),
            ("POST", f"{app}/commands", self.upsert_command),
            ("GET", f"{app}/commands/{{command_id}}", self.get_command),
            ("PATCH", f"{app}/commands/{{command_id}}", self.edit_command),
            ("DELETE", f"{app}/commands/{{command_id}}", self.delete_command),
            ("GET", f"{app}/guilds/{{guild_id}}/commands", self.list_commands),
            ("PUT", f"{app}/guilds/{{guild_id}}/commands", self.overwrite_commands),
            ("POST", f"{app}/guilds/{{guild_id}}/commands", self.upsert_command),
            ("GET", f"{app}/guilds/{{guild_id}}/commands/permissions", self.list_permissions),
            ("GET", f"{app}/guilds/{{guild_id}}/commands/{{command_id}}", self.get_command),
            ("PATCH", f"{app}/guilds/{{guild_id}}/commands/{{command_id}}", self.edit_command),
            ("DELETE", f"{app}/guilds/{{guild_id}}/commands/{{command_id}}", self.delete_command),
            ("GET", "/channels/{channel_id}", self.get_channel),
            ("GET", "/channels/{channel_id}/messages", self.list_messages),
            ("POST", "/channels/{channel_id}/messages", self.create_message),
            ("GET", message, self.get_message),
            ("PATCH", message, self.edit_message),
            ("DELETE", message, self.delete_message),
            ("POST", "/channels/{channel_id}/typing", self.typing),
            ("PUT", f"{message}/reactions/{{emoji}}/@me", self.add_reaction),
            ("DELETE", f"{message}/reactions/{{emoji}}/{{user}}", self.remove_reaction),
            ("DELETE", f"{message}/reactions", self.clear_reactions),
            ("GET", "/guilds/{guild_id}", self.get_guild),
            ("GET", "/guilds/{guild_id}/channels", self.get_guild_channels),
            ("GET", "/guilds/{guild_id}/roles", self.get_guild_roles),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self.get_member),
            ("POST", "/interactions/{interaction_id}/{token}/callback", self.interaction_callback),
            ("POST", webhook, self.execute_webhook),
            ("GET", f"{webhook}/messages/{{message_ref}}", self.get_webhook_message),
            ("PATCH", f"{webhook}/messages/{{message_ref}}", self.edit_webhook_message),
            ("DELETE", f"{webhook}/messages/{{message_ref}}", self.delete_webhook_message),
        ]
        for method, template, handler in table:
            self._routes.append((method, compile_template(template), template, handler))

    def add_fault(
        self,
        method: str,
        path_pattern: str,
        status: int,
        *,
        retry_after: float | None,
        times: int,
        is_global: bool,
    ) -> None:
        """Answer the next ``times`` matching requests with ``status`` instead."""
        self.faults.append(
            Fault(
                method.upper(),
                compile_template(path_pattern),
                status,
                retry_after,
                times,
                is_global,
            )
        )

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Entry point for every ``/api/v10/...`` request."""
        path = request.path[len(API_PREFIX) :] or "/"
        body, uploads = await _read_body(request)
        record = RestRequest(
            method=request.method,
            path=path,
            query=dict(request.query),
            json=body,
            files={u.filename: u.data for u in uploads},
        )
        self.state.requests_log.append(record)
        reply = await self._answer(record, body, uploads)
        record.status = reply.status
        self.state.feed.notify()
        return _to_response(reply)

    async def _answer(self, record: RestRequest, body: Any, uploads: list[Upload]) -> Reply:
        matched = self._match(record)
        if matched is None:
            route = f"{record.method} {record.path}"
            log.error("loopback: unknown route %s", route)
            self.state.unknown_routes.append(route)
            return error(404, 0, f"404: Not Found (loopback has no route {route})")
        template, handler, params = matched
        record.route = template
        if fault := self._take_fault(record):
            record.injected = True
            return _fault_reply(fault)
        try:
            return await handler(RestCall(record, params, body, uploads))
        except Exception as exc:  # a stand-in bug must not look like a bot bug
            log.exception("loopback handler for %s failed", template)
            self.internal_errors.append(f"{record.method} {record.path}: {exc!r}")
            return error(400, 0, f"loopback stand-in error: {exc!r}")

    def _match(self, record: RestRequest) -> tuple[str, Handler, dict[str, str]] | None:
        for method, pattern, template, handler in self._routes:
            if method == record.method and (match := pattern.match(record.path)):
                return template, handler, match.groupdict()
        return None

    def _take_fault(self, record: RestRequest) -> Fault | None:
        for fault in self.faults:
            if (
                fault.remaining > 0
                and fault.method == record.method
                and fault.pattern.match(record.path)
            ):
                fault.remaining -= 1
                return fault
        return None

    # ----- users, application, gateway -------------------------------------------------
    async def get_me(self, call: RestCall) -> Reply:
        """The bot's own user, which discord.py calls to log in."""
        return Reply(
            200,
            {
                **self.state.bot_user.payload(),
                "verified": True,
                "mfa_enabled": False,
                "flags": 0,
                "email": None,
            },
        )

    async def get_user(self, call: RestCall) -> Reply:
        """Any known user."""
        user = self.state.users.get(call.int_param("user_id"))
        return error(404, 10013, "Unknown User") if user is None else Reply(200, user.payload())

    async def create_dm(self, call: RestCall) -> Reply:
        """Open (or reuse) the DM channel with a user, as ``User.send`` does."""
        user = self.state.users.get(int(call.json["recipient_id"]))
        if user is None:
            return error(400, 50007, "Cannot send messages to this user")
        return Reply(200, self.state.dm_channel_for(user).payload())

    async def get_application(self, call: RestCall) -> Reply:
        """Application info: discord.py reads the id and the owner (``is_owner``)."""
        owner = self.state.users.get(self.state.owner_id)
        return Reply(
            200,
            {
                "id": str(self.state.application_id),
                "name": self.state.bot_user.name,
                "icon": None,
                "description": "",
                "rpc_origins": [],
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": owner.payload() if owner else self.state.bot_user.payload(),
                "verify_key": "0" * 64,
                "team": None,
                "flags": 0,
                "bot": self.state.bot_user.payload(),
                "interactions_endpoint_url": None,
            },
        )

    async def get_gateway(self, call: RestCall) -> Reply:
        """The gateway URL (only AutoShardedClient asks)."""
        url = self.gateway.resume_url.replace("/gateway-resume", "/gateway")
        return Reply(
            200,
            {
                "url": url,
                "shards": self.gateway.shard_count,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            },
        )

    # ----- application commands --------------------------------------------------------
    def _scope(self, call: RestCall) -> Scope | Reply:
        if call.int_param("application_id") != self.state.application_id:
            return error(
                403, 20012, "You are not authorized to perform this action on this application"
            )
        guild_id = call.params.get("guild_id")
        if guild_id is not None and int(guild_id) not in self.state.guilds:
            return error(404, 10004, "Unknown Guild")
        return None if guild_id is None else int(guild_id)

    async def list_commands(self, call: RestCall) -> Reply:
        """GET the scope's commands."""
        scope = self._scope(call)
        if isinstance(scope, Reply):
            return scope
        return Reply(200, self.state.commands.by_scope.get(scope, []))

    async def overwrite_commands(self, call: RestCall) -> Reply:
        """PUT: what ``bot.tree.sync()`` sends; ids come back like Discord's."""
        scope = self._scope(call)
        if isinstance(scope, Reply):
            return scope
        commands = call.body if isinstance(call.body, list) else []
        if self.validate and (problems := validation.check_commands(commands)):
            return invalid(problems)
        stored = self.state.commands.overwrite(scope, commands)
        return Reply(200, stored)

    async def upsert_command(self, call: RestCall) -> Reply:
        """POST one command."""
        scope = self._scope(call)
        if isinstance(scope, Reply):
            return scope
        if self.validate and (problems := validation.check_commands([call.json])):
            return invalid(problems)
        return Reply(201, self.state.commands.upsert(scope, call.json))

    async def get_command(self, call: RestCall) -> Reply:
        """GET one command."""
        scope = self._scope(call)
        if isinstance(scope, Reply):
            return scope
        command = self.state.commands.get(scope, call.int_param("command_id"))
        return (
            error(404, 10063, "Unknown application command")
            if command is None
            else Reply(200, command)
        )

    async def edit_command(self, call: RestCall) -> Reply:
        """PATCH one command."""
        scope = self._scope(call)
        if isinstance(scope, Reply):
            return scope
        command = self.state.commands.get(scope, call.int_param("command_id"))
        if command is None:
            return error(404, 10063, "Unknown application command")
        return Reply(200, self.state.commands.upsert(scope, {**command, **call.json}))

    async def delete_command(self, call: RestCall) -> Reply:
        """DELETE one command."""
        scope = self._scope(call)
        if isinstance(scope, Reply):
            return scope
        if not self.state.commands.delete(scope, call.int_param("command_id")):
            return error(404, 10063, "Unknown application command")
        return no_content()

    async def list_permissions(self, call: RestCall) -> Reply:
        """Per-command permission overrides: none in the loopback world."""
        return Reply(200, [])

    # ----- channels and messages -------------------------------------------------------
    def _channel_or_error(self, call: RestCall) -> tuple[int, Reply | None]:
        channel_id = call.int_param("channel_id")
        if self.state.channel(channel_id) is None:
            return channel_id, error(404, 10003, "Unknown Channel")
        return channel_id, None

    def _message_or_error(self, call: RestCall) -> SentMessage | Reply:
        message = self.state.messages.get(call.int_param("message_id"))
        if message is None or message.deleted or message.channel_id != call.int_param("channel_id"):
            return error(404, 10008, "Unknown Message")
        return message

    def _missing_permission(self, channel_id: int, needed: int) -> Reply | None:
        channel = self.state.channel(channel_id)
        if channel is None or channel.guild_id is None:
            return None
        granted = self.state.bot_permissions(channel.guild_id)
        if granted & (needed | VIEW_CHANNEL) != needed | VIEW_CHANNEL:
            return error(403, 50013, "Missing Permissions")
        return None

    async def get_channel(self, call: RestCall) -> Reply:
        """A channel object."""
        channel = self.state.channel(call.int_param("channel_id"))
        return (
            error(404, 10003, "Unknown Channel")
            if channel is None
            else Reply(200, channel.payload())
        )

    async def list_messages(self, call: RestCall) -> Reply:
        """Channel history, newest first, honouring ``limit``/``before``/``after``."""
        channel_id, failure = self._channel_or_error(call)
        if failure:
            return failure
        query = call.record.query
        found = [
            m
            for m in self.state.messages.values()
            if m.channel_id == channel_id and not m.deleted and not m.ephemeral
        ]
        if "before" in query:
            found = [m for m in found if m.id < int(query["before"])]
        if "after" in query:
            found = [m for m in found if m.id > int(query["after"])]
        found.sort(key=lambda m: m.id, reverse="after" not in query)
        limit = int(query.get("limit", 50))
        return Reply(200, [self.state.message_payload(m) for m in found[:limit]])

    async def create_message(self, call: RestCall) -> Reply:
        """POST a channel message (``channel.send``, ``ctx.reply``, ``user.send``)."""
        channel_id, failure = self._channel_or_error(call)
        if failure:
            return failure
        needed = SEND_MESSAGES | (ATTACH_FILES if call.uploads else 0)
        if denied := self._missing_permission(channel_id, needed):
            return denied
        if self.state.refuses_dm(channel_id):
            # Opening the DM channel succeeds; Discord refuses the message itself.
            return error(403, 50007, "Cannot send messages to this user")
        if self.validate and (
            problems := validation.check_message(
                call.json, creating=True, has_files=bool(call.uploads)
            )
        ):
            return invalid(problems)
        if bad_reference := self._bad_reference(call.json, channel_id):
            return bad_reference
        files = self.state.store_uploads(call.json, call.uploads)
        message = self.state.create_message(
            channel_id=channel_id, author=self.state.bot_user, body=call.json, files=files
        )
        await self.gateway.dispatch_message("MESSAGE_CREATE", message)
        return Reply(200, self.state.message_payload(message))

    def _bad_reference(self, body: JSON, channel_id: int) -> Reply | None:
        reference = body.get("message_reference")
        if not reference or reference.get("message_id") is None:
            return None
        target = self.state.messages.get(int(reference["message_id"]))
        if (target is None or target.deleted) and reference.get("fail_if_not_exists", True):
            return invalid([("message_reference", "Unknown message")])
        return None

    async def get_message(self, call: RestCall) -> Reply:
        """GET one message (``fetch_message``)."""
        found = self._message_or_error(call)
        return found if isinstance(found, Reply) else Reply(200, self.state.message_payload(found))

    async def edit_message(self, call: RestCall) -> Reply:
        """PATCH a message the bot sent (``message.edit``)."""
        found = self._message_or_error(call)
        if isinstance(found, Reply):
            return found
        if found.author.id != self.state.bot_user.id:
            return error(403, 50005, "Cannot edit a message authored by another user")
        return await self._apply_edit(found, call)

    async def _apply_edit(self, message: SentMessage, call: RestCall) -> Reply:
        if self.validate and (problems := validation.check_message(call.json, creating=False)):
            return invalid(problems)
        self.state.edit_message(
            message, call.json, self.state.store_uploads(call.json, call.uploads)
        )
        await self.gateway.dispatch_message("MESSAGE_UPDATE", message)
        return Reply(200, self.state.message_payload(message))

    async def delete_message(self, call: RestCall) -> Reply:
        """DELETE a message; others' messages need Manage Messages."""
        found = self._message_or_error(call)
        if isinstance(found, Reply):
            return found
        if found.author.id != self.state.bot_user.id and (
            denied := self._missing_permission(found.channel_id, MANAGE_MESSAGES)
        ):
            return denied
        await self._delete(found)
        return no_content()

    async def _delete(self, message: SentMessage) -> None:
        self.state.delete_message(message)
        if not message.ephemeral:
            data: JSON = {"id": str(message.id), "channel_id": str(message.channel_id)}
            if message.guild_id is not None:
                data["guild_id"] = str(message.guild_id)
            await self.gateway.dispatch("MESSAGE_DELETE", data)

    async def typing(self, call: RestCall) -> Reply:
        """The typing indicator: recorded in the log, nothing else."""
        _, failure = self._channel_or_error(call)
        return failure or no_content()

    async def add_reaction(self, call: RestCall) -> Reply:
        """The bot reacts to a message."""
        found = self._message_or_error(call)
        if isinstance(found, Reply):
            return found
        found.reactions.setdefault(call.params["emoji"], set()).add(self.state.bot_user.id)
        return no_content()

    async def remove_reaction(self, call: RestCall) -> Reply:
        """The bot removes its own (``@me``) or someone's reaction."""
        found = self._message_or_error(call)
        if isinstance(found, Reply):
            return found
        user = call.params["user"]
        user_id = self.state.bot_user.id if user == "@me" else int(user)
        found.reactions.get(call.params["emoji"], set()).discard(user_id)
        return no_content()

    async def clear_reactions(self, call: RestCall) -> Reply:
        """Remove every reaction from a message."""
        found = self._message_or_error(call)
        if isinstance(found, Reply):
            return found
        found.reactions.clear()
        return no_content()

    # ----- guilds ------------------------------------------------------------------------
    def _guild(self, call: RestCall) -> FakeGuild | Reply:
        guild = self.state.guilds.get(call.int_param("guild_id"))
        return error(404, 10004, "Unknown Guild") if guild is None else guild

    async def get_guild(self, call: RestCall) -> Reply:
        """A guild object (``fetch_guild``)."""
        guild = self._guild(call)
        if isinstance(guild, Reply):
            return guild
        return Reply(200, guild.create_payload(member_ids=[]))

    async def get_guild_channels(self, call: RestCall) -> Reply:
        """A guild's channels."""
        guild = self._guild(call)
        if isinstance(guild, Reply):
            return guild
        return Reply(200, [c.payload() for c in guild.channels.values()])

    async def get_guild_roles(self, call: RestCall) -> Reply:
        """A guild's roles."""
        guild = self._guild(call)
        if isinstance(guild, Reply):
            return guild
        return Reply(200, [r.payload() for r in guild.roles.values()])

    async def get_member(self, call: RestCall) -> Reply:
        """One guild member (``fetch_member``)."""
        guild = self._guild(call)
        if isinstance(guild, Reply):
            return guild
        user_id = call.int_param("user_id")
        if user_id not in guild.members:
            return error(404, 10007, "Unknown Member")
        return Reply(200, guild.member_payload(user_id))

    # ----- interactions ------------------------------------------------------------------
    def _interaction(self, call: RestCall) -> InteractionResult | Reply:
        result = self.state.interactions.get(call.params["token"])
        if result is None:
            return error(404, 10062, "Unknown interaction")
        return result

    async def interaction_callback(self, call: RestCall) -> Reply:
        """The bot's one answer to an interaction (types 4-9)."""
        result = self._interaction(call)
        if isinstance(result, Reply) or result.interaction_id != call.int_param("interaction_id"):
            return error(404, 10062, "Unknown interaction")
        if rejected := self._callback_rejection(result, call.json, bool(call.uploads)):
            result.rejected_callbacks.append({**call.json, "rejected": rejected.body})
            return rejected
        kind = int(call.json["type"])
        data: JSON = call.json.get("data") or {}
        files = self.state.store_uploads(data, call.uploads)
        await self._apply_callback(result, kind, data, files)
        result.callbacks.append(call.json)
        result.answered_at = time.monotonic()
        result.edits_at_answer = len(result.original.edits) if result.original else 0
        return Reply(200, self._callback_response(result, kind))

    def _callback_rejection(
        self, result: InteractionResult, body: JSON, has_files: bool
    ) -> Reply | None:
        if result.callbacks:
            return error(400, 40060, "Interaction has already been acknowledged.")
        elapsed = time.monotonic() - result.dispatched_at
        if self.interaction_deadline is not None and elapsed > self.interaction_deadline:
            return error(404, 10062, "Unknown interaction")
        kind = int(body.get("type", 0))
        if kind not in _ALLOWED_CALLBACKS.get(result.type, set()) or (
            kind in (6, 7) and result.type == 5 and "message" not in result.payload
        ):
            return invalid([("type", f"Interaction callback type {kind} is not valid here")])
        if self.validate:
            return _callback_problems(kind, body.get("data") or {}, has_files)
        return None

    async def _apply_callback(
        self, result: InteractionResult, kind: int, data: JSON, files: list[StoredFile]
    ) -> None:
        channel_id = int(result.payload["channel_id"])
        if kind == 4:
            result.original = self.state.create_message(
                channel_id=channel_id,
                author=self.state.bot_user,
                body=data,
                files=files,
                interaction=result,
            )
            await self.gateway.dispatch_message("MESSAGE_CREATE", result.original)
        elif kind == 5:
            flags = (int(data.get("flags") or 0) & EPHEMERAL_FLAG) | LOADING_FLAG
            result.original = self.state.create_message(
                channel_id=channel_id,
                author=self.state.bot_user,
                body={},
                files=[],
                interaction=result,
                flags_override=flags,
            )
        elif kind in (6, 7):
            result.original = self.state.messages[int(result.payload["message"]["id"])]
            if kind == 7:
                self.state.edit_message(result.original, data, files)
                await self.gateway.dispatch_message("MESSAGE_UPDATE", result.original)
        elif kind == 8:
            result.autocomplete_choices = list(data.get("choices") or [])
        elif kind == 9:
            result.modal_sent = ModalSent(
                str(data.get("custom_id")),
                str(data.get("title")),
                list(data.get("components") or []),
                result,
            )

    def _callback_response(self, result: InteractionResult, kind: int) -> JSON:
        original = result.original if kind in (4, 5, 7) else None
        interaction: JSON = {
            "id": str(result.interaction_id),
            "type": result.type,
            "response_message_id": str(original.id) if original else None,
            "response_message_loading": kind == 5,
            "response_message_ephemeral": bool(original and original.ephemeral),
        }
        resource: JSON = {"type": kind}
        if original is not None:
            resource["message"] = self.state.message_payload(original)
        return {"interaction": interaction, "resource": resource}

    # ----- webhooks (follow-ups and @original) -------------------------------------------
    def _webhook_interaction(self, call: RestCall) -> InteractionResult | Reply:
        if call.int_param("application_id") != self.state.application_id:
            return error(404, 10015, "Unknown Webhook")
        result = self._interaction(call)
        if isinstance(result, Reply) or not result.answered:
            # Discord only creates the webhook once the interaction is acknowledged.
            return error(404, 10015, "Unknown Webhook")
        return result

    async def execute_webhook(self, call: RestCall) -> Reply:
        """A follow-up message (``interaction.followup.send``)."""
        result = self._webhook_interaction(call)
        if isinstance(result, Reply):
            return result
        if self.validate and (
            problems := validation.check_message(
                call.json, creating=True, has_files=bool(call.uploads)
            )
        ):
            return invalid(problems)
        files = self.state.store_uploads(call.json, call.uploads)
        original = result.original
        if result.callback_type == 5 and original is not None and original.loading:
            # After a "thinking..." defer, Discord turns the first follow-up into the
            # deferred message itself; its ephemerality was fixed by the defer.
            body = {k: v for k, v in call.json.items() if k != "flags"}
            self.state.edit_message(original, body, files)
            message = original
            await self.gateway.dispatch_message("MESSAGE_CREATE", message)
        else:
            message = self.state.create_message(
                channel_id=int(result.payload["channel_id"]),
                author=self.state.bot_user,
                body=call.json,
                files=files,
                interaction=result,
            )
            await self.gateway.dispatch_message("MESSAGE_CREATE", message)
        result.followups.append(message)
        if call.record.query.get("wait", "").lower() in ("true", "1"):
            return Reply(200, self.state.message_payload(message))
        return no_content()

    def _webhook_message(self, call: RestCall) -> tuple[InteractionResult, SentMessage] | Reply:
        result = self._webhook_interaction(call)
        if isinstance(result, Reply):
            return result
        wanted = call.params["message_ref"]
        if wanted == "@original":
            message = result.original
        else:
            message = self.state.messages.get(int(wanted))
            if (
                message is not None
                and message.interaction_token != result.token
                and (message is not result.original)
            ):
                message = None
        if message is None or message.deleted:
            return error(404, 10008, "Unknown Message")
        return result, message

    async def get_webhook_message(self, call: RestCall) -> Reply:
        """GET @original or a follow-up (``interaction.original_response()``)."""
        found = self._webhook_message(call)
        if isinstance(found, Reply):
            return found
        return Reply(200, self.state.message_payload(found[1]))

    async def edit_webhook_message(self, call: RestCall) -> Reply:
        """PATCH @original or a follow-up (``edit_original_response``)."""
        found = self._webhook_message(call)
        if isinstance(found, Reply):
            return found
        reply = await self._apply_edit(found[1], call)
        if reply.status == 200:
            found[0].webhook_edits += 1
        return reply

    async def delete_webhook_message(self, call: RestCall) -> Reply:
        """DELETE @original or a follow-up."""
        found = self._webhook_message(call)
        if isinstance(found, Reply):
            return found
        await self._delete(found[1])
        return no_content()


def _callback_problems(kind: int, data: JSON, has_files: bool) -> Reply | None:
    if kind == 4:
        problems = validation.check_message(data, creating=True, has_files=has_files)
    elif kind == 7:
        problems = validation.check_message(data, creating=False)
    elif kind == 8:
        problems = validation.check_choices(list(data.get("choices") or []))
    elif kind == 9:
        problems = validation.check_modal(data)
    else:
        problems = []
    return invalid(problems) if problems else None


def _fault_reply(fault: Fault) -> Reply:
    if fault.status != 429:
        messages = {
            400: (0, "400: Bad Request"),
            403: (50013, "Missing Permissions"),
            404: (0, "404: Not Found"),
        }
        code, text = messages.get(fault.status, (0, f"{fault.status}: Server Error"))
        return error(fault.status, code, text)
    retry_after = fault.retry_after if fault.retry_after is not None else 0.05
    headers = {
        # Without Via discord.py treats a 429 as a Cloudflare ban and gives up.
        "Via": "1.1 google",
        "Retry-After": str(max(1, round(retry_after))),
        "X-RateLimit-Limit": "5",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset-After": str(retry_after),
        "X-RateLimit-Bucket": "loopback-bucket",
        "X-RateLimit-Scope": "global" if fault.is_global else "user",
    }
    if fault.is_global:
        headers["X-RateLimit-Global"] = "true"
    body = {
        "message": "You are being rate limited.",
        "retry_after": retry_after,
        "global": fault.is_global,
        "code": 0,
    }
    return Reply(429, body, headers)


async def _read_body(request: web.Request) -> tuple[Any, list[Upload]]:
    """JSON bodies, and multipart bodies (``payload_json`` plus ``files[n]`` parts)."""
    if request.content_type == "multipart/form-data":
        return await _read_multipart(request)
    if not request.can_read_body:
        return None, []
    text = await request.text()
    return (json.loads(text) if text else None), []


async def _read_multipart(request: web.Request) -> tuple[Any, list[Upload]]:
    body: Any = None
    uploads: list[Upload] = []
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue
        data = await part.read()
        if part.name == "payload_json":
            body = json.loads(data)
        elif part.name and (match := re.fullmatch(r"files\[(\d+)\]", part.name)):
            content_type = part.headers.get("Content-Type", "application/octet-stream")
            uploads.append(
                Upload(int(match.group(1)), part.filename or "file", bytes(data), content_type)
            )
    return body, uploads


def _to_response(reply: Reply) -> web.Response:
    if reply.body is None:
        return web.Response(status=reply.status, headers=reply.headers)
    # Exactly "application/json": discord.py compares the header string, so a charset
    # suffix (as web.json_response adds) would make it treat the body as text.
    headers = {**reply.headers, "Content-Type": "application/json"}
    return web.Response(status=reply.status, body=json.dumps(reply.body).encode(), headers=headers)
