"""/config: per-server settings, for members with Manage Server."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.embeds import server_config_embed
from bot.views import Confirmed, ConfirmView, write_or_offer_again

if TYPE_CHECKING:
    from bot.client import ReviewBot


def server_id(interaction: discord.Interaction) -> int:
    """The server a /config command was used in. Discord offers the group only in
    servers; should a use come from elsewhere, the member reads why it did nothing."""
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild_id


@app_commands.default_permissions(manage_guild=True)
@app_commands.guild_only()
class ServerSettings(commands.GroupCog, group_name="config", group_description="Server settings"):
    def __init__(self, bot: ReviewBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="show", description="Every setting of this server, privately")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def show(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        config = await self.bot.catalog.settings.overview(interaction.guild_id)
        await interaction.response.send_message(embed=server_config_embed(config), ephemeral=True)

    @app_commands.command(
        name="modrole", description="Let members with this role curate the catalog"
    )
    @app_commands.describe(role="The moderator role; leave empty to clear it")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def modrole(
        self, interaction: discord.Interaction, role: discord.Role | None = None
    ) -> None:
        guild_id = server_id(interaction)
        if role is not None and role.is_default():
            # Every member holds @everyone: it would hand the catalog to all of them.
            await interaction.response.send_message(
                "@everyone can't be the moderator role: every member would be able to change "
                "the catalog. Pick a role only moderators have.",
                ephemeral=True,
            )
            return
        if role is None:
            await self._confirm_clear(interaction, guild_id)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)  # a write: may wait

        async def set_role(press: discord.Interaction) -> Confirmed:
            await self.bot.catalog.settings.set_mod_role(guild_id, role.id)
            return Confirmed(
                f"Members with {role.mention} can now use /catalog. Server admins may also "
                "need to allow that role in Server Settings → Integrations."
            )

        await write_or_offer_again(interaction, set_role, refuse=refuse_without_manage_server)

    async def _confirm_clear(self, interaction: discord.Interaction, guild_id: int) -> None:
        """Leaving ``role`` out is easy to do by accident; clearing takes a second press."""
        current = await self.bot.catalog.settings.mod_role(guild_id)
        if current is None:
            await interaction.response.send_message(
                "No moderator role is set: only members with Manage Server can use /catalog. "
                "Give a role to set one: `/config modrole role: @Moderators`.",
                ephemeral=True,
            )
            return

        async def clear(press: discord.Interaction) -> Confirmed:
            await self.bot.catalog.settings.set_mod_role(guild_id, None)
            return Confirmed("Cleared: only members with Manage Server can use /catalog.")

        view = ConfirmView(
            interaction.user.id,
            confirm_label="Clear",
            write=clear,
            danger=True,
            cancel_text="Kept: the moderator role is unchanged.",
        )
        await view.ask(
            interaction,
            f"Clear the moderator role <@&{current}>? Its members will no longer be able to "
            "use /catalog.",
        )

    @app_commands.command(name="announce", description="Post every newly published review here")
    @app_commands.describe(channel="Where to post new reviews; leave empty to turn this off")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def announce(
        self, interaction: discord.Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        guild_id = server_id(interaction)
        settings = self.bot.catalog.settings
        if channel is not None:
            missing = missing_post_permissions(channel)
            if missing:
                await interaction.response.send_message(
                    f"I can't post in {channel.mention}: I need {', '.join(missing)} there.",
                    ephemeral=True,
                )
                return
            await interaction.response.defer(ephemeral=True, thinking=True)  # a write

            async def turn_on(press: discord.Interaction) -> Confirmed:
                await settings.set_announce_channel(guild_id, channel.id)
                return Confirmed(
                    f"New reviews will be posted in {channel.mention}; an import of many "
                    "posts one summary."
                )

            await write_or_offer_again(interaction, turn_on, refuse=refuse_without_manage_server)
            return
        current = await settings.announcements(guild_id)
        if not current:
            await interaction.response.send_message(
                "Announcements are off. `/config announce channel:` turns them on.",
                ephemeral=True,
            )
            return

        async def turn_off(press: discord.Interaction) -> Confirmed:
            await settings.set_announce_channel(guild_id, None)
            return Confirmed("Announcements are off.")

        view = ConfirmView(
            interaction.user.id,
            confirm_label="Turn off",
            write=turn_off,
            cancel_text=f"Announcements stay on in <#{current[0].channel_id}>.",
            refuse=refuse_without_manage_server,
            danger=True,
        )
        await view.ask(interaction, f"Stop posting new reviews in <#{current[0].channel_id}>?")


async def refuse_without_manage_server(press: discord.Interaction) -> str | None:
    """For buttons: /config's rule, checked again when pressed."""
    allowed = press.permissions.manage_guild
    return None if allowed else "Only members with Manage Server can change this."


# What an announcement needs in its channel, by the names Discord's settings use.
POST_PERMISSIONS = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
}


def missing_post_permissions(channel: discord.TextChannel) -> list[str]:
    granted = channel.permissions_for(channel.guild.me)
    return [label for name, label in POST_PERMISSIONS.items() if not getattr(granted, name)]


async def setup(bot: ReviewBot) -> None:
    await bot.add_cog(ServerSettings(bot))
