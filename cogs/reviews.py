"""Members look reviews up: /review, !review, and "@bot <title>"."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.embeds import closest_match_text, no_match_text, review_embed, wanted_embed
from bot.faults import CatalogUnavailable, OperatorFault
from bot.finder import Lookup
from bot.hybrid import hybrid_command
from bot.member_errors import UserError
from bot.models import Review
from bot.permissions import Actor, is_moderator
from bot.replies import reply_with_error, report_unexpected
from bot.shutdown import settle
from bot.views import ReviewView

if TYPE_CHECKING:
    from bot.client import ReviewBot

log = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 200


class Reviews(commands.Cog):
    """Find the review a member means, however they spell it."""

    def __init__(self, bot: ReviewBot) -> None:
        self.bot = bot
        self._recording: set[asyncio.Task[None]] = set()

    @hybrid_command(name="review", description="Show a critic's review of a film")
    @app_commands.describe(title="The film's title; typos are fine, add a year to pick one")
    async def review(self, ctx: commands.Context[ReviewBot], *, title: str) -> None:
        await self.answer(ctx, title)

    @review.autocomplete("title")
    async def review_title_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await title_choices(self.bot, interaction, current)

    @hybrid_command(name="wanted", description="Titles members looked for but the catalog lacks")
    @app_commands.default_permissions(manage_guild=True)
    @commands.guild_only()
    async def wanted(self, ctx: commands.Context[ReviewBot]) -> None:
        actor = Actor.from_user(
            ctx.author, ctx.interaction.permissions if ctx.interaction else None
        )
        if not await is_moderator(actor, self.bot.catalog.settings, self.bot.settings.owner_ids):
            raise commands.CheckFailure("Only this server's moderators can see /wanted.")
        await self.misses_recorded()
        misses = await self.bot.catalog.insights.top_misses(ctx.guild.id if ctx.guild else None)
        await ctx.send(embed=wanted_embed(misses), ephemeral=True)

    async def cog_command_error(self, ctx: commands.Context[Any], error: Exception) -> None:
        where = f"guild {ctx.guild.id}" if ctx.guild else "a DM"
        await reply_with_error(
            ctx, error, f"{ctx.command} by {ctx.author.id} in {where}, arguments {ctx.kwargs!r}"
        )

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer "@bot all of us strangers" as if it were /review."""
        if message.author.bot or self.bot.user is None:
            return
        mention = re.match(rf"^<@!?{self.bot.user.id}>\s*(.*)$", message.content, re.DOTALL)
        if mention is None or not mention.group(1).strip():
            return
        ctx = await self.bot.get_context(message)
        if ctx.valid:  # "@bot review heat" is already a command
            return
        try:
            await self.answer(ctx, mention.group(1))
        except Exception as error:  # no command wraps a mention, so its errors stop here
            await reply_with_error(ctx, error, f"mention by {message.author.id}")

    async def answer(self, ctx: commands.Context[ReviewBot], query: str) -> None:
        self.bot.lookup_budget.spend(ctx.author.id)  # /review, !review and @bot alike
        query = " ".join(query.split())
        if not query:
            raise UserError("Tell me which film: `/review title: all of us strangers`.")
        if len(query) > MAX_QUERY_LENGTH:
            raise UserError(f"That title is too long (at most {MAX_QUERY_LENGTH} characters).")
        guild_id = ctx.guild.id if ctx.guild else None
        finder = self.bot.catalog.finder
        # In turn with every other lookup, so a burst is answered in order and in time;
        # deferred publicly only when the answer is sure to be a (public) card.
        async with self.bot.turns.take(
            ctx.interaction, private=lambda: not finder.surely_shows_card(query, guild_id)
        ):
            found = await finder.resolve(query, guild_id)
            if found.best is None:
                await self._no_card(ctx, found, guild_id)
                return
            # A closest match is shown as what it is, with the other close titles.
            content = None if found.exact else closest_match_text(found.query)
            await send_review(ctx, found.best, alternatives=found.menu, content=content)

    async def _no_card(
        self, ctx: commands.Context[ReviewBot], found: Lookup, guild_id: int | None
    ) -> None:
        """Nothing sure enough for a card: privately, the nearest titles as a menu."""
        text = no_match_text(found.query, offered=bool(found.menu))
        if found.menu:
            await send_review(ctx, None, alternatives=found.menu, content=text, ephemeral=True)
        else:
            await ctx.send(text, ephemeral=True)
        # Recorded after answering: the member never waits on a write (which may queue
        # behind an import), and a busy catalog costs only this one count in /wanted.
        task = asyncio.create_task(self._record_miss(guild_id, found.query))
        self._recording.add(task)
        task.add_done_callback(self._recording.discard)

    async def _record_miss(self, guild_id: int | None, query: str) -> None:
        """Record a miss in the background; whatever stops it is told, never lost in a task."""
        try:
            await self.bot.catalog.insights.record_miss(guild_id, query)
        except CatalogUnavailable:
            pass  # counted among the requests its outage refused, in the outage's log line
        except (UserError, OperatorFault) as error:  # CatalogBusy, a read-only file: not bugs
            log.warning("miss for %r not recorded: %s", query, error)
        except Exception as error:
            report_unexpected(error, f"recording the miss {query!r} in guild {guild_id}")

    async def cog_unload(self) -> None:
        await settle(self._recording, "miss(es) for /wanted")  # written before the database closes

    async def misses_recorded(self) -> None:
        """Wait for the misses answered so far to be written (so /wanted counts them)."""
        await asyncio.gather(*self._recording)


async def send_review(
    ctx: commands.Context[ReviewBot],
    review: Review | None,
    *,
    alternatives: list[Review],
    **extra: Any,
) -> ReviewView:
    """Reply with the review card and its controls (or, with no review, only the menu
    of ``alternatives``); returns the view for callers to extend."""
    guild_id = ctx.guild.id if ctx.guild else None

    async def load(review_id: int) -> Review | None:
        return await ctx.bot.catalog.finder.get(review_id, guild_id)

    view = ReviewView(ctx.author.id, review, load=load, alternatives=alternatives)
    if review is not None:
        extra["embed"] = review_embed(review)
    view.message = await ctx.send(view=view, **extra)
    return view


async def title_choices(
    bot: ReviewBot, interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Autocomplete for any ``title`` option: the best 25 "Title (Year)" for what is typed.

    Every keystroke spends the member's autocomplete budget; past it the menu
    stays empty until the budget refills (an autocomplete cannot show an error).
    """
    if not bot.autocomplete_budget.try_spend(interaction.user.id):
        return []
    choices = await bot.catalog.finder.choices(current[:MAX_QUERY_LENGTH], interaction.guild_id)
    return [app_commands.Choice(name=name, value=value) for name, value in choices]


async def setup(bot: ReviewBot) -> None:
    await bot.add_cog(Reviews(bot))
