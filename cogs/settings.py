"""/config: per-server settings, for members with Manage Server."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

if TYPE_CHECKING:
    from bot.client import ReviewBot


@app_commands.default_permissions(manage_guild=True)
@app_commands.guild_only()
class ServerSettings(commands.GroupCog, group_name="config", group_description="Server settings"):
    def __init__(self, bot: ReviewBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(
        name="modrole", description="Let members with this role curate the catalog"
    )
    @app_commands.describe(role="The moderator role; leave empty to clear it")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def modrole(
        self, interaction: discord.Interaction, role: discord.Role | None = None
    ) -> None:
        assert interaction.guild_id is not None
        if role is not None and role.is_default():
            # Every member holds @everyone: it would hand the catalog to all of them.
            await interaction.response.send_message(
                "@everyone can't be the moderator role: every member would be able to change "
                "the catalog. Pick a role only moderators have.",
                ephemeral=True,
            )
            return
        await self.bot.catalog.set_mod_role(interaction.guild_id, role.id if role else None)
        text = (
            f"Members with {role.mention} can now use /catalog. Server admins may also need to "
            "allow that role in Server Settings → Integrations."
            if role
            else "Cleared: only members with Manage Server can use /catalog."
        )
        await interaction.response.send_message(text, ephemeral=True)


async def setup(bot: ReviewBot) -> None:
    await bot.add_cog(ServerSettings(bot))
