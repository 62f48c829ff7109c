"""Checks shared by every test that inspects what the bot would show in Discord."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import discord


def split_spoilers(text: str) -> tuple[str, str, bool]:
    """(text outside spoilers, text inside them, whether every ``||`` opened was closed).

    Escaped characters (``\\|``) are literal text, never spoiler markers.
    """
    outside: list[str] = []
    inside: list[str] = []
    hidden = False
    index = 0
    while index < len(text):
        if text[index] == "\\" and index + 1 < len(text):
            (inside if hidden else outside).append(text[index + 1])
            index += 2
        elif text.startswith("||", index):
            hidden = not hidden
            index += 2
        else:
            (inside if hidden else outside).append(text[index])
            index += 1
    return "".join(outside), "".join(inside), not hidden


def assert_embed_payload_within_limits(data: Mapping[str, Any]) -> None:
    """Discord's documented embed limits, on an embed as sent (``Embed.to_dict()``)."""
    title = data.get("title", "")
    description = data.get("description", "")
    fields = data.get("fields", [])
    footer = data.get("footer", {}).get("text", "")
    author = data.get("author", {}).get("name", "")
    assert len(title) <= 256
    assert len(description) <= 4096
    assert len(fields) <= 25
    for field in fields:
        assert len(field["name"]) <= 256
        assert len(field["value"]) <= 1024
    assert len(footer) <= 2048
    total = len(title) + len(description) + len(footer) + len(author)
    total += sum(len(field["name"]) + len(field["value"]) for field in fields)
    assert total <= 6000


def assert_within_discord_limits(embed: discord.Embed) -> None:
    assert_embed_payload_within_limits(embed.to_dict())
    assert len(embed) <= 6000
