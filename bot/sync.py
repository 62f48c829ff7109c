"""Sync the command tree only when it changed.

Discord rate-limits command syncs and the discord.py community advises against
syncing on every start, so the bot remembers a hash of what it last synced (per
application and scope) and skips the sync while the tree is the same.
``reviewbot sync`` forces one.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import discord
from discord import app_commands


def tree_payload(tree: app_commands.CommandTree[Any], guild: discord.Object | None) -> list[Any]:
    """Exactly what ``tree.sync(guild=guild)`` would send, in a stable order."""
    payload = [command.to_dict(tree) for command in tree.get_commands(guild=guild)]
    return sorted(payload, key=lambda command: (command.get("type", 1), command["name"]))


def tree_hash(tree: app_commands.CommandTree[Any], guild: discord.Object | None) -> str:
    text = json.dumps(tree_payload(tree, guild), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def sync_key(application_id: int | None, guild_id: int | None) -> str:
    """Where a hash is kept: another application or scope has its own commands."""
    return f"commands:{application_id}:{'global' if guild_id is None else guild_id}"
