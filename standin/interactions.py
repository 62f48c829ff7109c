"""Building INTERACTION_CREATE payloads the way Discord's client would send them."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from standin._feed import LoopbackUsageError
from standin.commands import ATTACHMENT, CHANNEL, MENTIONABLE, ROLE, USER
from standin.records import LoopbackFile, ModalSent, SentMessage
from standin.state import LoopbackState
from standin.world import JSON, FakeChannel, FakeGuild, FakeRole, FakeUser

ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
GUILD_CONTEXT, BOT_DM_CONTEXT = 0, 1
GUILD_INSTALL, USER_INSTALL = "0", "1"


@dataclass(frozen=True)
class Where:
    """Who acts, and in which guild (``None`` for a DM) and channel."""

    user: FakeUser
    guild: FakeGuild | None
    channel: FakeChannel


def new_token(interaction_id: int) -> str:
    """An unguessable, URL-safe interaction token."""
    return f"loopback-{interaction_id}-{secrets.token_urlsafe(12)}"


def interaction_payload(
    state: LoopbackState,
    *,
    interaction_id: int,
    token: str,
    kind: int,
    data: JSON,
    where: Where,
    message: SentMessage | None = None,
    locale: str = "en-US",
) -> JSON:
    """The full INTERACTION_CREATE body discord.py 2.7 parses."""
    guild = where.guild
    payload: JSON = {
        "id": str(interaction_id),
        "application_id": str(state.application_id),
        "type": kind,
        "data": data,
        "token": token,
        "version": 1,
        "channel_id": str(where.channel.id),
        "channel": where.channel.payload(),
        "app_permissions": str(state.bot_permissions(guild.id if guild else None)),
        "locale": locale,
        "entitlements": [],
        "entitlement_sku_ids": [],
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    }
    if guild is not None:
        payload.update(
            guild_id=str(guild.id),
            guild=guild.interaction_guild_payload(),
            guild_locale=guild.locale,
            member=guild.member_payload(where.user.id, with_permissions=True),
            authorizing_integration_owners={GUILD_INSTALL: str(guild.id)},
            context=GUILD_CONTEXT,
        )
    else:
        payload.update(
            user=where.user.payload(),
            context=BOT_DM_CONTEXT,
            authorizing_integration_owners={USER_INSTALL: str(where.user.id)},
        )
    if message is not None:
        payload["message"] = state.message_payload(message)
    return payload


class Resolver:
    """Fills ``data.resolved`` for entity options, as Discord does for the bot."""

    def __init__(self, state: LoopbackState, where: Where) -> None:
        self.state = state
        self.where = where
        self.resolved: JSON = {}

    def __call__(self, kind: int, value: Any) -> str:
        """Turn a test's value into the snowflake string for option type ``kind``."""
        if kind == ATTACHMENT:
            return self._attachment(value)
        if kind == ROLE or (kind == MENTIONABLE and isinstance(value, FakeRole)):
            return self._role(value)
        if kind == CHANNEL:
            return self._channel(value)
        if kind in (USER, MENTIONABLE):
            return self._user(value)
        raise LoopbackUsageError(f"option type {kind} is not an entity")

    def _section(self, name: str) -> JSON:
        section: JSON = self.resolved.setdefault(name, {})
        return section

    def _user(self, value: Any) -> str:
        user = self.state.user(value.id if isinstance(value, FakeUser) else int(value))
        self._section("users")[str(user.id)] = user.payload()
        guild = self.where.guild
        if guild is not None and user.id in guild.members:
            self._section("members")[str(user.id)] = guild.member_payload(
                user.id, with_user=False, with_permissions=True
            )
        return str(user.id)

    def _role(self, value: Any) -> str:
        guild = self._require_guild("role")
        role_id = value.id if isinstance(value, FakeRole) else int(value)
        if role_id not in guild.roles:
            raise LoopbackUsageError(f"guild {guild.id} has no role {role_id}")
        self._section("roles")[str(role_id)] = guild.roles[role_id].payload()
        return str(role_id)

    def _channel(self, value: Any) -> str:
        channel_id = value.id if isinstance(value, FakeChannel) else int(value)
        channel = self.state.channel(channel_id)
        if channel is None:
            raise LoopbackUsageError(f"unknown channel {channel_id}")
        self._section("channels")[str(channel_id)] = {
            **channel.payload(),
            "permissions": str(self.state.bot_permissions(channel.guild_id)),
        }
        return str(channel_id)

    def _attachment(self, value: Any) -> str:
        upload = value if isinstance(value, LoopbackFile) else LoopbackFile(*value)
        stored = self.state.store_file(upload.filename, upload.data, upload.content_type)
        self._section("attachments")[str(stored.id)] = stored.payload()
        return str(stored.id)

    def _require_guild(self, what: str) -> FakeGuild:
        if self.where.guild is None:
            raise LoopbackUsageError(f"a {what} option needs a guild")
        return self.where.guild


def select_data(
    message: SentMessage, custom_id: str, values: list[Any], resolver: Resolver
) -> JSON:
    """Component data for picking ``values`` in a select menu, checked like the client."""
    menu = message.component(custom_id)
    kind = int(menu["type"])
    if kind not in (3, 5, 6, 7, 8):
        raise LoopbackUsageError(f"{custom_id!r} is not a select menu")
    if menu.get("disabled"):
        raise LoopbackUsageError(f"select {custom_id!r} is disabled")
    low, high = int(menu.get("min_values", 1)), int(menu.get("max_values", 1))
    if not low <= len(values) <= high:
        raise LoopbackUsageError(f"select {custom_id!r} takes {low}..{high} values")
    data: JSON = {"custom_id": custom_id, "component_type": kind}
    if kind == 3:
        offered = [o["value"] for o in menu.get("options", [])]
        unknown = [v for v in values if v not in offered]
        if unknown:
            raise LoopbackUsageError(f"select {custom_id!r} offers {offered}, not {unknown}")
        data["values"] = [str(v) for v in values]
        return data
    entity = {5: USER, 6: ROLE, 7: MENTIONABLE, 8: CHANNEL}[kind]
    data["values"] = [resolver(entity, v) for v in values]
    data["resolved"] = resolver.resolved
    return data


def modal_components(modal: ModalSent, values: Mapping[str, Any]) -> list[JSON]:
    """The submitted components, mirroring the modal's layout (rows or labels)."""
    fields = modal.inputs()
    known = {f.get("custom_id") for f in fields} | {f.get("label") for f in fields}
    unknown = sorted(set(values) - known)
    if unknown:
        raise LoopbackUsageError(f"modal {modal.custom_id!r} has no field(s) {unknown}")
    submitted: list[JSON] = []
    for top in modal.components:
        if top.get("type") == 18 and isinstance(top.get("component"), dict):
            child = {**top["component"], "label": top["component"].get("label") or top.get("label")}
            submitted.append({"type": 18, "component": _submitted(child, values)})
        elif top.get("type") == 1:
            submitted.append(
                {
                    "type": 1,
                    "components": [_submitted(c, values) for c in top.get("components", [])],
                }
            )
    return submitted


def _submitted(field: JSON, values: Mapping[str, Any]) -> JSON:
    custom_id = str(field.get("custom_id"))
    value = values.get(custom_id, values.get(str(field.get("label")), None))
    if field.get("type") == 4:
        text = "" if value is None else str(value)
        _check_text_input(field, text)
        return {"type": 4, "custom_id": custom_id, "value": text}
    chosen = [] if value is None else list(value) if isinstance(value, list | tuple) else [value]
    return {"type": field.get("type"), "custom_id": custom_id, "values": [str(v) for v in chosen]}


def _check_text_input(field: JSON, text: str) -> None:
    name = field.get("label") or field.get("custom_id")
    if field.get("required", True) and not text:
        raise LoopbackUsageError(f"modal field {name!r} is required")
    low, high = int(field.get("min_length") or 0), int(field.get("max_length") or 4000)
    if text and not low <= len(text) <= high:
        raise LoopbackUsageError(f"modal field {name!r} takes {low}..{high} characters")
