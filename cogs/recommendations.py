"""What to watch: /random with re-rolls, /similar, /top and /stats."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.embeds import (
    describe_filters,
    describe_options,
    ranked_list_embed,
    review_embed,
    similar_embed,
    stats_embed,
)
from bot.hybrid import hybrid_command
from bot.member_errors import UserError
from bot.models import Review, ReviewFilters
from bot.ratelimit import MemberBudget
from bot.validation import MAX_RUNTIME_MINUTES, MAX_YEAR, MIN_YEAR
from bot.views import PaginatorView, ReviewView
from cogs.reviews import title_choices

if TYPE_CHECKING:
    from bot.client import ReviewBot

REROLL_RATE = (10, 30.0)  # re-rolls and /random per member per seconds
TOP_PAGE_SIZE = 10
TOP_LIMIT = 100


def review_filters(chosen: Mapping[str, Any]) -> ReviewFilters:
    """What the options a member set (flag name → value) mean for the store."""
    year_from, year_to = chosen.get("year_from"), chosen.get("year_to")
    decade = chosen.get("decade")
    if decade is not None:
        start = decade - decade % 10
        year_from = max(year_from or start, start)
        year_to = min(year_to or start + 9, start + 9)
    if year_from is not None and year_to is not None and year_from > year_to:
        raise UserError(f"year_from ({year_from}) is after year_to ({year_to}).")
    min_score = chosen.get("min_score")
    if min_score is not None and not math.isfinite(min_score):  # NaN slips past range checks
        raise UserError("min_score must be a number between 0 and 10.")
    return ReviewFilters(
        min_score=min_score,
        verdict=chosen.get("verdict"),
        year_from=year_from,
        year_to=year_to,
        director=chosen.get("director"),
        cast_member=chosen.get("cast"),
        genre=chosen.get("genre"),
        max_runtime=chosen.get("max_runtime"),
    )


class RecommendationFilters(commands.FlagConverter, delimiter=":", prefix=""):
    """Shared by /random and /top; as text: ``!random min_score: 8 genre: drama``.

    Bounded options use ``commands.Range`` without ``| None`` (the default is ``None``):
    that is the form a hybrid command turns into min/max on the slash option *and*
    converts for a prefix invocation. ``app_commands.Range`` fails for ``!random``, and
    ``Range | None`` makes the slash option a plain string.
    """

    min_score: commands.Range[float, 0, 10] = commands.flag(
        default=None, description="Only films scored at least this (0–10)"
    )
    verdict: str | None = commands.flag(default=None, description="Only this verdict label")
    decade: commands.Range[int, MIN_YEAR, MAX_YEAR] = commands.flag(
        default=None, description="A decade, e.g. 1990 for the 1990s"
    )
    year_from: commands.Range[int, MIN_YEAR, MAX_YEAR] = commands.flag(
        default=None, description="Released in or after this year"
    )
    year_to: commands.Range[int, MIN_YEAR, MAX_YEAR] = commands.flag(
        default=None, description="Released in or before this year"
    )
    director: str | None = commands.flag(default=None, description="Directed by")
    cast: str | None = commands.flag(default=None, description="With this actor")
    genre: str | None = commands.flag(default=None, description="Of this genre")
    max_runtime: commands.Range[int, 1, MAX_RUNTIME_MINUTES] = commands.flag(
        default=None, description="At most this many minutes"
    )

    def chosen(self) -> dict[str, Any]:
        """The options the member set, by name, in declaration order."""
        values = {name: getattr(self, name) for name in self.get_flags()}
        return {name: value for name, value in values.items() if value is not None}

    def to_filters(self) -> ReviewFilters:
        return review_filters(self.chosen())

    def steps(self) -> list[tuple[str, ReviewFilters]]:
        """Each option in turn, with the filters in force once it and those before it apply."""
        chosen = list(self.chosen().items())
        return [(name, review_filters(dict(chosen[: n + 1]))) for n, (name, _) in enumerate(chosen)]


class RandomOptions(RecommendationFilters):
    """/random's filters, and whether the recommendation is for the member alone."""

    private: bool = commands.flag(
        default=False, description="Only you see it, with a button to post it in the channel"
    )

    def chosen(self) -> dict[str, Any]:
        """The filters set; ``private`` decides who sees the answer, not what it is."""
        return {name: value for name, value in super().chosen().items() if name != "private"}


class RandomView(ReviewView):
    """A recommendation with an "Another" button that re-rolls with the same filters."""

    def __init__(
        self,
        cog: Recommendations,
        owner_id: int,
        review: Review,
        filters: RecommendationFilters,
        guild_id: int | None,
        channel_id: int,
        *,
        private: bool = False,
    ) -> None:
        super().__init__(
            owner_id,
            review,
            load=lambda rid: cog.bot.catalog.finder.get(rid, guild_id),
            private=private,
        )
        self.cog = cog
        self.filters = filters
        self.guild_id = guild_id
        self.channel_id = channel_id

    @discord.ui.button(label="Another", style=discord.ButtonStyle.primary, emoji="🎲")
    async def another(
        self, interaction: discord.Interaction, _: discord.ui.Button[RandomView]
    ) -> None:
        self.cog.reroll_budget.spend(interaction.user.id)
        # The pick is a write and may wait behind an import: acknowledge the press
        # first. A deferred update keeps the card as it is (public), and an error
        # after it is a new, private follow-up.
        await interaction.response.defer()
        review = await self.cog.pick(self.filters, self.guild_id, self.channel_id)
        self.point_at(review)
        await interaction.edit_original_response(embed=review_embed(review), view=self)


class Recommendations(commands.Cog):
    """Recommendations that don't repeat themselves."""

    def __init__(self, bot: ReviewBot) -> None:
        self.bot = bot
        # One budget per member for /random and every "Another" press, whichever message.
        self.reroll_budget = MemberBudget(REROLL_RATE)

    async def pick(
        self, flags: RecommendationFilters, guild_id: int | None, channel_id: int
    ) -> Review:
        review = await self.bot.catalog.insights.random_pick(
            flags.to_filters(), guild_id=guild_id, channel_id=channel_id
        )
        if review is None:
            raise UserError(await self.why_empty(flags, guild_id))
        return review

    async def why_empty(self, flags: RecommendationFilters, guild_id: int | None) -> str:
        """Which option emptied the pool, named as the member typed it (``decade``, ``cast``)."""
        return await self.bot.catalog.insights.explain_empty(
            flags.steps(), describe_options(flags.chosen()), guild_id
        )

    @hybrid_command(name="random", description="Recommend a film from the catalog")
    async def random(self, ctx: commands.Context[ReviewBot], *, filters: RandomOptions) -> None:
        self.reroll_budget.spend(ctx.author.id)
        guild_id = ctx.guild.id if ctx.guild else None
        review = await self.pick(filters, guild_id, ctx.channel.id)
        # Only an interaction can answer privately; a text command's reply is public.
        private = filters.private and ctx.interaction is not None
        view = RandomView(
            self, ctx.author.id, review, filters, guild_id, ctx.channel.id, private=private
        )
        view.message = await ctx.send(embed=review_embed(review), view=view, ephemeral=private)

    @hybrid_command(name="similar", description="Films sharing a director, cast or genre")
    @app_commands.describe(title="The film to find relatives of")
    @commands.cooldown(*REROLL_RATE, commands.BucketType.user)
    async def similar(self, ctx: commands.Context[ReviewBot], *, title: str) -> None:
        guild_id = ctx.guild.id if ctx.guild else None
        found = await self.bot.catalog.finder.resolve(title, guild_id)
        if found.best is None:
            raise UserError(f"No review matches “{discord.utils.escape_markdown(title[:80])}”.")
        related = await self.bot.catalog.insights.related(found.best, guild_id=guild_id)
        await ctx.send(embed=similar_embed(found.best, related))

    @similar.autocomplete("title")
    async def similar_title_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await title_choices(self.bot, interaction, current)

    @hybrid_command(name="top", description="The best-scored reviews")
    @commands.cooldown(*REROLL_RATE, commands.BucketType.user)
    async def top(
        self, ctx: commands.Context[ReviewBot], *, filters: RecommendationFilters
    ) -> None:
        chosen = filters.to_filters()
        guild_id = ctx.guild.id if ctx.guild else None
        reviews = await self.bot.catalog.insights.top(chosen, guild_id=guild_id, limit=TOP_LIMIT)
        if not reviews:
            raise UserError(await self.why_empty(filters, guild_id))
        chunks = [reviews[i : i + TOP_PAGE_SIZE] for i in range(0, len(reviews), TOP_PAGE_SIZE)]
        pages = [
            ranked_list_embed(
                "Top reviews",
                chunk,
                start_rank=1 + n * TOP_PAGE_SIZE,
                page=n + 1,
                pages=len(chunks),
                filters=describe_filters(chosen),
            )
            for n, chunk in enumerate(chunks)
        ]
        view = PaginatorView(ctx.author.id, pages)
        view.message = await ctx.send(embed=pages[0], view=view)

    @hybrid_command(name="stats", description="Catalog size, scores and verdicts")
    async def stats(self, ctx: commands.Context[ReviewBot]) -> None:
        stats = await self.bot.catalog.insights.stats(guild_id=ctx.guild.id if ctx.guild else None)
        await ctx.send(embed=stats_embed(stats))

    # Autocomplete for the filter options, shared by /random and /top.
    async def _verdicts(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if not self.bot.autocomplete_budget.try_spend(interaction.user.id):
            return []
        labels = await self.bot.catalog.insights.verdict_labels(guild_id=interaction.guild_id)
        wanted = current.casefold()
        return [
            app_commands.Choice(name=label[:100], value=label[:100])
            for label in labels
            if wanted in label.casefold()
        ][:25]

    async def _terms(
        self, kind: str, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if not self.bot.autocomplete_budget.try_spend(interaction.user.id):
            return []
        catalog, guild_id = self.bot.catalog, interaction.guild_id
        if kind == "genre":
            labels = await catalog.insights.term_labels(kind, current, guild_id=guild_id)
        else:  # people are found by surname or a misspelt name too
            labels = await catalog.finder.person_choices(kind, current, guild_id=guild_id)
        return [app_commands.Choice(name=label[:100], value=label[:100]) for label in labels]

    async def _directors(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._terms("director", interaction, current)

    async def _cast(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._terms("cast", interaction, current)

    async def _genres(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._terms("genre", interaction, current)


def _attach_filter_autocomplete(
    cog_commands: list[commands.HybridCommand[Recommendations, ..., None]],
) -> None:
    for command in cog_commands:
        command.autocomplete("verdict")(Recommendations._verdicts)
        command.autocomplete("director")(Recommendations._directors)
        command.autocomplete("cast")(Recommendations._cast)
        command.autocomplete("genre")(Recommendations._genres)


_attach_filter_autocomplete([Recommendations.random, Recommendations.top])


async def setup(bot: ReviewBot) -> None:
    await bot.add_cog(Recommendations(bot))
