"""Synced application commands, and turning a test's arguments into option payloads.

The stand-in only lets tests invoke commands the bot really synced, with options that
match the synced schema (names, types, choices, required-ness), because that is all a
Discord client can send. A renamed option therefore fails the end-to-end test instead
of silently passing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from standin._feed import LoopbackUsageError
from standin.world import JSON

Scope = int | None  # None is the global scope, otherwise a guild id

SUB_COMMAND = 1
SUB_COMMAND_GROUP = 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = (
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
)
ENTITY_TYPES = (USER, CHANNEL, ROLE, MENTIONABLE, ATTACHMENT)

#: Turns a test's value for a user/channel/role/mentionable/attachment option into the
#: snowflake string Discord sends, filling ``data.resolved`` as a side effect.
EntityResolver = Callable[[int, Any], str]


@dataclass
class CommandRegistry:
    """Commands per scope, with ids that stay stable across re-syncs like Discord's."""

    application_id: int
    new_id: Callable[[], int]
    by_scope: dict[Scope, list[JSON]] = field(default_factory=dict)
    _ids: dict[tuple[Scope, int, str], int] = field(default_factory=dict)
    sync_count: int = 0

    def overwrite(self, scope: Scope, commands: list[JSON]) -> list[JSON]:
        """Bulk overwrite (PUT): the scope's commands become exactly ``commands``."""
        stored = [self._stored(scope, command) for command in commands]
        self.by_scope[scope] = stored
        self.sync_count += 1
        return stored

    def upsert(self, scope: Scope, command: JSON) -> JSON:
        """Create or replace one command (POST), keyed by name and type."""
        stored = self._stored(scope, command)
        rest = [c for c in self.by_scope.get(scope, []) if c["id"] != stored["id"]]
        self.by_scope[scope] = [*rest, stored]
        return stored

    def get(self, scope: Scope, command_id: int) -> JSON | None:
        """One command by id, or ``None``."""
        return next((c for c in self.by_scope.get(scope, []) if int(c["id"]) == command_id), None)

    def delete(self, scope: Scope, command_id: int) -> bool:
        """Remove one command; ``False`` when it did not exist."""
        before = self.by_scope.get(scope, [])
        self.by_scope[scope] = [c for c in before if int(c["id"]) != command_id]
        return len(before) != len(self.by_scope[scope])

    def find(self, name: str, guild_id: int | None, kind: int = 1) -> JSON | None:
        """The command a user in ``guild_id`` sees under ``name``: guild first, then global."""
        scopes: list[Scope] = [guild_id, None] if guild_id is not None else [None]
        for scope in scopes:
            for command in self.by_scope.get(scope, []):
                if command["name"] == name and command.get("type", 1) == kind:
                    return command
        return None

    def names(self, guild_id: int | None) -> list[str]:
        """Every command name visible in ``guild_id`` (for error messages)."""
        scopes: list[Scope] = [guild_id, None] if guild_id is not None else [None]
        return sorted({c["name"] for s in scopes for c in self.by_scope.get(s, [])})

    def _stored(self, scope: Scope, command: JSON) -> JSON:
        kind = int(command.get("type", 1))
        key = (scope, kind, str(command["name"]))
        command_id = self._ids.setdefault(key, self.new_id())
        stored: JSON = {
            "id": str(command_id),
            "application_id": str(self.application_id),
            "version": str(self.new_id()),
            "type": kind,
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "dm_permission": True,
            "nsfw": False,
            **command,
        }
        if stored["default_member_permissions"] is not None:
            # discord.py sends an int; Discord stores and returns a string.
            stored["default_member_permissions"] = str(stored["default_member_permissions"])
        if scope is not None:
            stored["guild_id"] = str(scope)
        return stored


def resolve_path(
    command: JSON, group: str | None, subcommand: str | None
) -> tuple[list[JSON], Callable[[list[JSON]], list[JSON]]]:
    """The leaf's option schema, and a function nesting leaf options under the path.

    Discord sends ``/review edit`` as an option of type 1 named ``edit``; groups add one
    more level of type 2.
    """
    options: list[JSON] = command.get("options") or []
    has_children = any(o.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in options)
    if not has_children:
        if group or subcommand:
            raise LoopbackUsageError(f"/{command['name']} has no subcommands")
        return options, lambda leaf: leaf
    if group is not None:
        group_option = _child(command, options, group, SUB_COMMAND_GROUP)
        sub = _child(group_option, group_option.get("options") or [], subcommand, SUB_COMMAND)
        return sub.get("options") or [], lambda leaf: [
            {
                "name": group,
                "type": SUB_COMMAND_GROUP,
                "options": [{"name": sub["name"], "type": SUB_COMMAND, "options": leaf}],
            }
        ]
    sub = _child(command, options, subcommand, SUB_COMMAND)
    return sub.get("options") or [], lambda leaf: [
        {"name": sub["name"], "type": SUB_COMMAND, "options": leaf}
    ]


def _child(parent: JSON, options: list[JSON], name: str | None, kind: int) -> JSON:
    candidates = [o for o in options if o.get("type") == kind]
    for option in candidates:
        if option["name"] == name:
            return option
    label = "group" if kind == SUB_COMMAND_GROUP else "subcommand"
    names = [o["name"] for o in candidates]
    raise LoopbackUsageError(f"/{parent['name']} needs a {label} from {names}, got {name!r}")


def build_options(
    schema: list[JSON],
    given: Mapping[str, Any],
    *,
    resolve_entity: EntityResolver,
    focused: str | None = None,
) -> list[JSON]:
    """Option payloads in schema order, validated the way a Discord client would.

    With ``focused`` (autocomplete) the focused option carries the raw text typed so far
    and missing required options are allowed, since the user is still typing.
    """
    by_name = {o["name"]: o for o in schema}
    unknown = sorted(set(given) - set(by_name))
    if unknown:
        raise LoopbackUsageError(f"unknown option(s) {unknown}; the command has {sorted(by_name)}")
    built: list[JSON] = []
    for option in schema:
        name = option["name"]
        if name == focused:
            built.append(_focused_option(option, given.get(name, "")))
        elif name in given:
            value = _coerce(option, given[name], resolve_entity)
            built.append({"name": name, "type": option["type"], "value": value})
        elif option.get("required") and focused is None:
            raise LoopbackUsageError(f"option {name!r} is required")
    if focused is not None and focused not in by_name:
        raise LoopbackUsageError(f"cannot focus unknown option {focused!r}")
    return built


def _focused_option(option: JSON, typed: Any) -> JSON:
    if not option.get("autocomplete"):
        raise LoopbackUsageError(f"option {option['name']!r} was not synced with autocomplete")
    return {"name": option["name"], "type": option["type"], "value": str(typed), "focused": True}


def _coerce(option: JSON, value: Any, resolve_entity: EntityResolver) -> Any:
    kind = int(option["type"])
    if kind in ENTITY_TYPES:
        return resolve_entity(kind, value)
    coerced = _coerce_scalar(option["name"], kind, value)
    _check_bounds(option, coerced)
    choices = option.get("choices")
    if choices and coerced not in [c["value"] for c in choices]:
        allowed = [c["value"] for c in choices]
        raise LoopbackUsageError(f"option {option['name']!r} must be one of {allowed}")
    return coerced


def _coerce_scalar(name: str, kind: int, value: Any) -> Any:
    valid = {
        STRING: isinstance(value, str),
        INTEGER: isinstance(value, int) and not isinstance(value, bool),
        BOOLEAN: isinstance(value, bool),
        NUMBER: isinstance(value, int | float) and not isinstance(value, bool),
    }.get(kind)
    if valid is None:
        raise LoopbackUsageError(f"option {name!r} has unsupported type {kind}")
    if not valid:
        raise LoopbackUsageError(f"option {name!r} (type {kind}) cannot take {value!r}")
    return value


def _check_bounds(option: JSON, value: Any) -> None:
    name = option["name"]
    if isinstance(value, str):
        low, high = option.get("min_length", 0), option.get("max_length", 6000)
        if not low <= len(value) <= high:
            raise LoopbackUsageError(f"option {name!r} must be {low}..{high} characters long")
    elif isinstance(value, int | float) and not isinstance(value, bool):
        low_value, high_value = option.get("min_value"), option.get("max_value")
        if (low_value is not None and value < low_value) or (
            high_value is not None and value > high_value
        ):
            raise LoopbackUsageError(f"option {name!r} must be in [{low_value}, {high_value}]")
