"""Members look reviews up by title: /review, !review, "@bot <title>", and /similar."""

from __future__ import annotations

import asyncio
import logging
import re
from functools import partial
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.faults import CatalogUnavailable, OperatorFault
from bot.hybrid import hybrid_command
from bot.member_errors import UserError
from bot.permissions import Actor, is_moderator, moderator_refusal
from bot.replies import reply_with_error, report_unexpected
from bot.request_views import WantedView
from bot.shutdown import settle
from bot.views import ShowFilm, answer_lookup, show_card, similar_list

if TYPE_CHECKING:
    from bot.client import ReviewBot

log = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 200
# A bare "@bot" is someone asking what the bot does: one line, not silence.
BARE_MENTION_HINT = (
    "Mention me with a film's title, like `@{name} all of us strangers`, or use "
    "`/review`; `/help` lists everything I do."
)


class Reviews(commands.Cog):
    """Find the review a member means, however they spell it."""

    def __init__(self, bot: ReviewBot) -> None:
        self.bot = bot
        self._recording: set[asyncio.Task[None]] = set()

    @hybrid_command(name="review", description="Show a critic's review of a film")
    @app_commands.describe(title="The film's title; typos are fine, add a year to pick one")
    async def review(self, ctx: commands.Context[ReviewBot], *, title: str) -> None:
        await self.answer(ctx, title)

    @hybrid_command(name="similar", description="Films sharing a director, cast or genre")
    @app_commands.describe(title="The film to find relatives of")
    async def similar(self, ctx: commands.Context[ReviewBot], *, title: str) -> None:
        guild_id = ctx.guild.id if ctx.guild else None
        await self.answer(ctx, title, similar_list(self.bot.catalog, guild_id))

    @review.autocomplete("title")
    @similar.autocomplete("title")
    async def title_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await title_choices(self.bot, interaction, current)

    @hybrid_command(name="wanted", description="Films members asked for or looked up in vain")
    @app_commands.default_permissions(manage_guild=True)
    @commands.guild_only()
    async def wanted(self, ctx: commands.Context[ReviewBot]) -> None:
        """The demand queue: requested films first, then missed ones; Claim and Dismiss."""
        actor = Actor.from_user(
            ctx.author, ctx.interaction.permissions if ctx.interaction else None
        )
        if not await is_moderator(actor, self.bot.catalog.settings, self.bot.settings.owner_ids):
            raise commands.CheckFailure("Only this server's moderators can see /wanted.")
        assert ctx.guild is not None  # guild_only
        # Half a second for a server at its request limit (docs/benchmarks.md → Requests).
        await ctx.defer(ephemeral=True)
        await self.misses_recorded()
        catalog = self.bot.catalog
        view = WantedView(
            ctx.author.id,
            await catalog.requests.queue(ctx.guild.id),
            book=catalog.requests,
            guild_id=ctx.guild.id,
            refuse=partial(
                moderator_refusal, roles=catalog.settings, owner_ids=self.bot.settings.owner_ids
            ),
        )
        view.message = await ctx.send(embed=view.current, view=view, ephemeral=True)

    async def cog_command_error(self, ctx: commands.Context[Any], error: Exception) -> None:
        where = f"guild {ctx.guild.id}" if ctx.guild else "a DM"
        await reply_with_error(
            ctx, error, f"{ctx.command} by {ctx.author.id} in {where}, arguments {ctx.kwargs!r}"
        )

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer "@bot all of us strangers" as if it were /review, and a bare "@bot"
        with what to type."""
        if message.author.bot or self.bot.user is None:
            return
        mention = re.match(rf"^<@!?{self.bot.user.id}>\s*(.*)$", message.content, re.DOTALL)
        if mention is None:
            return
        ctx = await self.bot.get_context(message)
        if ctx.valid:  # "@bot review heat" is already a command
            return
        if not mention.group(1).strip():
            await ctx.reply(BARE_MENTION_HINT.format(name=self.bot.user.name), mention_author=False)
            return
        try:
            await self.answer(ctx, mention.group(1))
        except Exception as error:  # no command wraps a mention, so its errors stop here
            await reply_with_error(ctx, error, f"mention by {message.author.id}")

    async def answer(
        self, ctx: commands.Context[ReviewBot], query: str, show: ShowFilm = show_card
    ) -> None:
        """Find the film ``query`` means and reply with what ``show`` shows for it."""
        self.bot.lookup_budget.spend(ctx.author.id)  # /review, !review, @bot and /similar alike
        query = " ".join(query.split())
        if not query:
            raise UserError("Tell me which film: `/review title: all of us strangers`.")
        if len(query) > MAX_QUERY_LENGTH:
            raise UserError(f"That title is too long (at most {MAX_QUERY_LENGTH} characters).")
        guild_id = ctx.guild.id if ctx.guild else None
        finder = self.bot.catalog.finder

        def private() -> bool:  # cheap: how to defer if this must wait its turn
            return not finder.surely_shows_card(query, guild_id)

        # In turn with every other lookup, so a burst is answered in order and in time;
        # deferred publicly only when the answer is sure to be a (public) reply.
        async with self.bot.turns.take(ctx.interaction, private=private):
            found = await finder.resolve(query, guild_id)
            deferred = ctx.interaction is not None and ctx.interaction.response.is_done()
            await answer_lookup(ctx, found, show, deferred_privately=deferred and private())
        if found.best is None:
            # Recorded after answering: the member never waits on a write (which may
            # queue behind an import), and a busy catalog costs only this one count in
            # /wanted.
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
