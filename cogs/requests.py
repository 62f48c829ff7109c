"""Members' review requests: /requests lists theirs and cancels any.

The request button itself is a persistent control (bot/request_views.py), and the
moderators' side of requests is /wanted (cogs/reviews.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import MISSING

from bot.replies import Where, explain, send_ephemeral
from bot.request_views import member_requests

if TYPE_CHECKING:
    from bot.client import ReviewBot


class Requests(commands.Cog):
    """A member's own requests, in the server they asked in."""

    def __init__(self, bot: ReviewBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="requests", description="The films you asked to hear about; cancel any"
    )
    @app_commands.guild_only()
    async def requests(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None  # guild_only
        embed, view = await member_requests(
            self.bot.catalog, interaction.guild_id, interaction.user.id
        )
        await interaction.response.send_message(
            embed=embed, view=view if view is not None else MISSING, ephemeral=True
        )
        if view is not None:
            view.message = await interaction.original_response()

    async def cog_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        context = f"/requests by {interaction.user.id} in guild {interaction.guild_id}"
        await send_ephemeral(interaction, explain(error, context, Where.of(interaction)))


async def setup(bot: ReviewBot) -> None:
    await bot.add_cog(Requests(bot))
