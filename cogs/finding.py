"""Apps → Find review: the film a message talks about, found for whoever asks."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.embeds import review_embed
from bot.help import DESCRIPTION_EXTRA
from bot.views import card_view

if TYPE_CHECKING:
    from bot.client import ReviewBot

FIND_REVIEW = "Find review"
NOTHING_FOUND = "I couldn't find a film from the catalog in that message."


def message_text(message: discord.Message) -> str:
    """What a message says: its text, and the titles of its embeds (a shared card)."""
    titles = [embed.title for embed in message.embeds if embed.title]
    return "\n".join([message.content, *titles])


class Finding(commands.Cog):
    def __init__(self, bot: ReviewBot) -> None:
        self.bot = bot
        self.menu = app_commands.ContextMenu(
            name=FIND_REVIEW,
            callback=self.find_review,
            extras={DESCRIPTION_EXTRA: "The review of the film a message talks about, for you"},
        )

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    async def find_review(self, interaction: discord.Interaction, message: discord.Message) -> None:
        self.bot.lookup_budget.spend(interaction.user.id)  # the one /review spends too
        # Reading a long message against a large catalog takes a moment; the answer is
        # private, so that is decided here, before anything could defer it publicly.
        await interaction.response.defer(ephemeral=True, thinking=True)
        review = await self.bot.catalog.finder.find_in_text(
            message_text(message), interaction.guild_id
        )
        if review is None:
            await interaction.followup.send(NOTHING_FOUND, ephemeral=True)
            return
        await interaction.followup.send(
            embed=review_embed(review), view=card_view(review, private=True), ephemeral=True
        )


async def setup(bot: ReviewBot) -> None:
    await bot.add_cog(Finding(bot))
