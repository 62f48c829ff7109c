"""Members find reviews by what they say: /discover and !discover."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from bot.cards import CardReply, Kind, public_view
from bot.embeds import describe_options
from bot.embeds_discover import corrections_text, discover_embed
from bot.hybrid import hybrid_command
from bot.ratelimit import MemberBudget
from bot.search_results import SearchPage
from bot.validation import MAX_YEAR, MIN_YEAR
from bot.views import PaginatorView
from cogs.recommendations import FilterOptions, attach_filter_autocomplete, why_empty

if TYPE_CHECKING:
    from bot.client import ReviewBot

DISCOVER_RATE = (10, 30.0)  # searches and page turns per member per seconds


class DiscoverOptions(FilterOptions):
    """What to search for, then /random's filters that narrow it; as text, the words
    first: ``!discover ghost story london decade: 2010``."""

    query: str = commands.flag(
        positional=True,
        description='Words the review says: grief, "ghost story", -weepie (typos are fine)',
    )
    genre: str | None = commands.flag(default=None, description="Of this genre")
    decade: commands.Range[int, MIN_YEAR, MAX_YEAR] = commands.flag(
        default=None, description="A decade, e.g. 1990 for the 1990s"
    )
    min_score: commands.Range[float, 0, 10] = commands.flag(
        default=None, description="Only films scored at least this (0–10)"
    )
    director: str | None = commands.flag(default=None, description="Directed by")
    cast: str | None = commands.flag(default=None, description="With this actor")

    def chosen(self) -> dict[str, Any]:
        """The filters set; ``query`` is what is searched among the films they leave."""
        return {name: value for name, value in super().chosen().items() if name != "query"}


class SearchPager(PaginatorView):
    """Previous / Next through a search's pages, each read from the catalog when it is
    turned to, and under each page the public menu opening any listed review's card."""

    def __init__(
        self,
        owner_id: int,
        reply: CardReply,
        first: SearchPage,
        *,
        render: Callable[[SearchPage], discord.Embed],
        load: Callable[[int], Awaitable[SearchPage]],
        budget: MemberBudget,
    ) -> None:
        self.result = first  # read by the buttons' sync in PaginatorView.__init__
        self._reply = reply
        self._render = render
        self._load = load
        self._budget = budget
        self._listed: list[discord.ui.Item[Any]] = []
        super().__init__(owner_id, [render(first)])
        self._list_results()

    def _sync_buttons(self) -> None:
        self.previous_page.disabled = self.result.page == 0
        self.next_page.disabled = self.result.page >= self.result.pages - 1
        self.position.label = f"{self.result.page + 1}/{self.result.pages}"

    def _list_results(self) -> None:
        """The menu names this page's reviews, not the last page's."""
        for item in self._listed:
            self.remove_item(item)
        self._listed = self._reply.controls(listed=[hit.review for hit in self.result.hits])
        for item in self._listed:
            self.add_item(item)

    async def _show(self, interaction: discord.Interaction, step: int) -> None:
        self._budget.spend(interaction.user.id)
        wanted = max(0, min(self.result.pages - 1, self.result.page + step))
        self.result = await self._load(wanted)
        self.pages = [self._render(self.result)]
        self._sync_buttons()
        self._list_results()
        await interaction.response.edit_message(embed=self.current, view=self)


class Discover(commands.Cog):
    """Reviews found by their words, not their titles."""

    def __init__(self, bot: ReviewBot) -> None:
        self.bot = bot
        self.budget = MemberBudget(DISCOVER_RATE)

    @hybrid_command(name="discover", description="Find reviews by what they say")
    async def discover(self, ctx: commands.Context[ReviewBot], *, options: DiscoverOptions) -> None:
        self.budget.spend(ctx.author.id)
        guild_id = ctx.guild.id if ctx.guild else None
        query, filters = options.query, options.to_filters()
        described = describe_options(options.chosen())
        discovery = self.bot.catalog.discovery

        async def load(page: int) -> SearchPage:
            return await discovery.search(query, filters, guild_id=guild_id, page=page)

        first = await load(0)
        interaction = ctx.interaction is not None
        if first.total == 0:
            # Private, as a title that finds nothing is: a miss tells the channel nothing.
            asked = discovery.requestable(query, filters) if guild_id is not None else None
            reply = CardReply.of(Kind.NO_CARD, interaction=interaction, asked=asked)
            message: dict[str, Any] = {"ephemeral": reply.private}
            if controls := reply.controls():
                message["view"] = public_view(controls)
            await ctx.send(
                await why_empty(self.bot.catalog, options, guild_id, about=query), **message
            )
            return
        reply = CardReply.of(Kind.ANSWER, interaction=interaction)
        pager = SearchPager(
            ctx.author.id,
            reply,
            first,
            render=lambda page: discover_embed(page, query, filters=described),
            load=load,
            budget=self.budget,
        )
        pager.message = await ctx.send(
            corrections_text(first.corrections), embed=pager.current, view=pager
        )


attach_filter_autocomplete(Discover.discover)


async def setup(bot: ReviewBot) -> None:
    await bot.add_cog(Discover(bot))
