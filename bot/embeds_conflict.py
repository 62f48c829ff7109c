"""The question an edit asks when the review changed since it began: what the moderator
typed (kept here, not saved) and what changed meanwhile, as /catalog history shows it."""

from __future__ import annotations

import discord

from bot.embeds import (
    DESCRIPTION_LIMIT,
    FIELD_VALUE_LIMIT,
    INFO_COLOUR,
    TITLE_LIMIT,
    change_block,
    plain,
    safe_text,
)
from bot.models import Review, field_changes


def edit_conflict_embed(started: Review, current: Review, field: str, typed: str) -> discord.Embed:
    """``typed`` for ``field`` in full, under the changes from ``started`` (the review as
    the edit began from it) to ``current`` (as another write left it)."""
    embed = discord.Embed(
        title=plain(f"Your {field} for {current.display_title} (not saved)", TITLE_LIMIT),
        description=safe_text(typed, DESCRIPTION_LIMIT) or "(empty)",
        colour=INFO_COLOUR,
    )
    meanwhile = field_changes(started.content(), current.content())
    embed.add_field(
        name="Changed since you began",
        value=change_block(
            current.updated_at, current.updated_by, "last changed", meanwhile, FIELD_VALUE_LIMIT
        ),
        inline=False,
    )
    return embed
