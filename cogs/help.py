"""/help: every command and its options, read from the command tree."""

from __future__ import annotations

from typing import TYPE_CHECKING

from discord.ext import commands

from bot.embeds import help_embeds
from bot.help import command_help
from bot.hybrid import hybrid_command

if TYPE_CHECKING:
    from bot.client import ReviewBot


class Help(commands.Cog):
    def __init__(self, bot: ReviewBot) -> None:
        self.bot = bot

    @hybrid_command(name="help", description="Every command and its options")
    async def help(self, ctx: commands.Context[ReviewBot]) -> None:
        await ctx.send(embeds=help_embeds(command_help(self.bot.tree)), ephemeral=True)


async def setup(bot: ReviewBot) -> None:
    await bot.add_cog(Help(bot))
