"""What /help lists, read from the command tree itself so it can never drift."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands

# Context menus have no description on Discord; theirs is kept in ``extras``.
DESCRIPTION_EXTRA = "description"


@dataclass(frozen=True, slots=True)
class CommandHelp:
    """One line of /help: how to call a command, what it does, and who may."""

    usage: str
    description: str
    moderators: bool


def command_help(
    tree: app_commands.CommandTree[Any], guild: discord.abc.Snowflake | None = None
) -> list[CommandHelp]:
    """Every slash command (subcommands one by one) and context menu, by name."""
    entries: list[CommandHelp] = []
    for command in tree.get_commands(guild=guild):
        entries.extend(_entries(command, moderators=False))
    return sorted(entries, key=lambda entry: (entry.moderators, entry.usage.casefold()))


def _entries(
    command: app_commands.Command[Any, ..., Any] | app_commands.Group | app_commands.ContextMenu,
    *,
    moderators: bool,
) -> Iterable[CommandHelp]:
    # A parent's default permissions hide all of its subcommands too.
    moderators = moderators or command.default_permissions is not None
    if isinstance(command, app_commands.ContextMenu):
        where = "message" if command.type is discord.AppCommandType.message else "member"
        description = str(command.extras.get(DESCRIPTION_EXTRA, ""))
        yield CommandHelp(f"Apps → {command.name} (on a {where})", description, moderators)
        return
    if isinstance(command, app_commands.Group):
        for child in command.commands:
            yield from _entries(child, moderators=moderators)
        return
    options = " ".join(
        f"{parameter.name}:" if parameter.required else f"[{parameter.name}:]"
        for parameter in command.parameters
    )
    usage = f"/{command.qualified_name} {options}".rstrip()
    yield CommandHelp(usage, command.description, moderators)
