"""What to watch: /random with re-rolls, /top and /stats."""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.cards import CardReply, Kind
from bot.embeds import (
    CHART_FILE,
    describe_filters,
    describe_options,
    only_film_text,
    ranked_list_embed,
    stats_embed,
)
from bot.embeds_discover import corrections_text, no_discoveries_text
from bot.hybrid import hybrid_command
from bot.member_errors import UserError
from bot.models import Review, ReviewFilters
from bot.ratelimit import MemberBudget
from bot.search_results import Correction, SearchPick
from bot.validation import MAX_RUNTIME_MINUTES, MAX_YEAR, MIN_YEAR
from bot.views import PaginatorView, ReviewView, Shown, show_card

if TYPE_CHECKING:
    from bot.catalog import Catalog
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


class FilterOptions(commands.FlagConverter, delimiter=":", prefix=""):
    """Options that narrow the catalog (declared by each subclass); as text, with a
    colon: ``!random min_score: 8 genre: drama``.

    Bounded options use ``commands.Range`` without ``| None`` (the default is ``None``):
    that is the form a hybrid command turns into min/max on the slash option *and*
    converts for a prefix invocation. ``app_commands.Range`` fails for ``!random``, and
    ``Range | None`` makes the slash option a plain string.
    """

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


async def why_empty(
    catalog: Catalog, flags: FilterOptions, guild_id: int | None, *, about: str | None = None
) -> str:
    """Which option emptied the pool, named as the member typed it (``decade``, ``cast``);
    or, when the filters leave films but none says ``about``, that."""
    insights, described = catalog.insights, describe_options(flags.chosen())
    if about is not None and await insights.pool_size(flags.to_filters(), guild_id=guild_id):
        return no_discoveries_text(about, filters=described)
    return await insights.explain_empty(flags.steps(), described, guild_id)


class RecommendationFilters(FilterOptions):
    """Shared by /random and /top."""

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


class StatsFilters(FilterOptions):
    """/stats of a slice of the catalog: ``!stats genre: drama decade: 1990``."""

    genre: str | None = commands.flag(default=None, description="Only this genre")
    decade: commands.Range[int, MIN_YEAR, MAX_YEAR] = commands.flag(
        default=None, description="A decade, e.g. 1990 for the 1990s"
    )
    director: str | None = commands.flag(default=None, description="Directed by")


class RandomOptions(RecommendationFilters):
    """/random's filters, whether the recommendation is for the member alone, and words
    the review must say (``about``)."""

    private: bool = commands.flag(
        default=False, description="Only you see it, with a button to post it in the channel"
    )
    about: str | None = commands.flag(
        default=None, description="Only reviews that say this, e.g. grief or a ghost in London"
    )

    def chosen(self) -> dict[str, Any]:
        """The filters set; ``private`` decides who sees the answer, and ``about`` is a
        search among the films the filters leave, not a filter of the catalog."""
        return {
            name: value
            for name, value in super().chosen().items()
            if name not in {"private", "about"}
        }

    def described(self) -> str:
        """Every option that shaped the pool, ``about`` too, as the member typed them."""
        about = {"about": self.about} if self.about is not None else {}
        return describe_options({**self.chosen(), **about})


class RandomView(ReviewView):
    """A recommendation with an "Another" button that re-rolls with the same filters."""

    def __init__(
        self,
        cog: Recommendations,
        owner_id: int,
        reply: CardReply,
        shown: Shown,
        filters: RandomOptions,
        guild_id: int | None,
        channel_id: int,
    ) -> None:
        super().__init__(
            owner_id, reply, shown, load=lambda rid: cog.bot.catalog.finder.get(rid, guild_id)
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
        # Any corrected word is already said in the line above the card.
        review, _corrected = await self.cog.pick(self.filters, self.guild_id, self.channel_id)
        # The same film again means the pool is that one film (unless another card in
        # this channel re-rolled in between): say so rather than re-show it.
        repeated = self.review is not None and review.id == self.review.id
        if repeated and await self.cog.pool_size(self.filters, self.guild_id) == 1:
            described = self.filters.described()
            await interaction.followup.send(only_film_text(described), ephemeral=True)
            return
        shown = await show_card(review, self.reply)
        self.point_at(shown)
        await interaction.edit_original_response(embed=shown.embed, view=self)


class Recommendations(commands.Cog):
    """Recommendations that don't repeat themselves."""

    def __init__(self, bot: ReviewBot) -> None:
        self.bot = bot
        # One budget per member for /random and every "Another" press, whichever message.
        self.reroll_budget = MemberBudget(REROLL_RATE)

    async def pick(
        self, flags: RandomOptions, guild_id: int | None, channel_id: int
    ) -> tuple[Review, tuple[Correction, ...]]:
        """A film not shown in the channel yet; with ``about``, one among the reviews that
        say it (and the query words it corrected)."""
        catalog = self.bot.catalog
        if flags.about is None:
            found = SearchPick(
                await catalog.insights.random_pick(
                    flags.to_filters(), guild_id=guild_id, channel_id=channel_id
                )
            )
        else:
            found = await catalog.discovery.random_match(
                flags.about, flags.to_filters(), guild_id=guild_id, channel_id=channel_id
            )
        if found.review is None:
            raise UserError(await why_empty(self.bot.catalog, flags, guild_id, about=flags.about))
        return found.review, found.corrections

    async def pool_size(self, flags: RandomOptions, guild_id: int | None) -> int:
        catalog, filters = self.bot.catalog, flags.to_filters()
        if flags.about is not None:
            return await catalog.discovery.count(flags.about, filters, guild_id=guild_id)
        return await catalog.insights.pool_size(filters, guild_id=guild_id)

    @hybrid_command(name="random", description="Recommend a film from the catalog")
    async def random(self, ctx: commands.Context[ReviewBot], *, filters: RandomOptions) -> None:
        self.reroll_budget.spend(ctx.author.id)
        guild_id = ctx.guild.id if ctx.guild else None
        review, corrections = await self.pick(filters, guild_id, ctx.channel.id)
        reply = CardReply.of(
            Kind.FOR_YOU if filters.private else Kind.ANSWER,
            interaction=ctx.interaction is not None,
        )
        shown = await show_card(review, reply)
        view = RandomView(self, ctx.author.id, reply, shown, filters, guild_id, ctx.channel.id)
        view.message = await ctx.send(
            corrections_text(corrections),
            embed=shown.embed,
            view=view,
            ephemeral=reply.private,
        )

    @hybrid_command(name="top", description="The best-scored reviews")
    @commands.cooldown(*REROLL_RATE, commands.BucketType.user)
    async def top(
        self, ctx: commands.Context[ReviewBot], *, filters: RecommendationFilters
    ) -> None:
        chosen = filters.to_filters()
        guild_id = ctx.guild.id if ctx.guild else None
        reviews = await self.bot.catalog.insights.top(chosen, guild_id=guild_id, limit=TOP_LIMIT)
        if not reviews:
            raise UserError(await why_empty(self.bot.catalog, filters, guild_id))
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

    @hybrid_command(name="stats", description="Catalog size, scores, decades and genres, charted")
    async def stats(self, ctx: commands.Context[ReviewBot], *, filters: StatsFilters) -> None:
        guild_id = ctx.guild.id if ctx.guild else None
        chosen = filters.to_filters()
        stats = await self.bot.catalog.insights.stats(chosen, guild_id=guild_id)
        if stats.total == 0 and filters.chosen():  # said before deferring: privately
            raise UserError(await why_empty(self.bot.catalog, filters, guild_id))
        if not self.bot.charts.holds(guild_id, chosen):
            await ctx.defer()  # a chart to draw: a few hundred milliseconds
        chart = await self.bot.charts.get(guild_id, chosen)
        embed = stats_embed(stats, filters=describe_options(filters.chosen()), chart=True)
        await ctx.send(embed=embed, file=discord.File(io.BytesIO(chart.png), CHART_FILE))


# Autocomplete for the filter options, on every command that has them (/random, /top,
# /stats, /discover): module functions, so any cog's command can use them.


def _client(interaction: discord.Interaction) -> ReviewBot:
    return cast("ReviewBot", interaction.client)


async def verdict_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    bot = _client(interaction)
    if not bot.autocomplete_budget.try_spend(interaction.user.id):
        return []
    labels = await bot.catalog.insights.verdict_labels(guild_id=interaction.guild_id)
    wanted = current.casefold()
    return [
        app_commands.Choice(name=label[:100], value=label[:100])
        for label in labels
        if wanted in label.casefold()
    ][:25]


async def _term_choices(
    kind: str, interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    bot = _client(interaction)
    if not bot.autocomplete_budget.try_spend(interaction.user.id):
        return []
    catalog, guild_id = bot.catalog, interaction.guild_id
    if kind == "genre":
        labels = await catalog.insights.term_labels(kind, current, guild_id=guild_id)
    else:  # people are found by surname or a misspelt name too
        labels = await catalog.finder.person_choices(kind, current, guild_id=guild_id)
    return [app_commands.Choice(name=label[:100], value=label[:100]) for label in labels]


async def director_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    return await _term_choices("director", interaction, current)


async def cast_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    return await _term_choices("cast", interaction, current)


async def genre_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    return await _term_choices("genre", interaction, current)


FILTER_CHOICES = {
    "verdict": verdict_choices,
    "director": director_choices,
    "cast": cast_choices,
    "genre": genre_choices,
}


def attach_filter_autocomplete(command: commands.HybridCommand[Any, ..., None]) -> None:
    """Autocomplete each filter option ``command`` has."""
    for name, choices in FILTER_CHOICES.items():
        if command.app_command is not None and command.app_command.get_parameter(name):
            command.autocomplete(name)(choices)


for _command in (Recommendations.random, Recommendations.top, Recommendations.stats):
    attach_filter_autocomplete(_command)


async def setup(bot: ReviewBot) -> None:
    await bot.add_cog(Recommendations(bot))
