"""The interactive pieces every cog shares: invoker-only views, paging, confirmation.

Each view has a timeout and, when it ends, disables its components on the
message instead of leaving buttons that do nothing when pressed.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, ClassVar

import discord

from bot.embeds import full_review_pages, review_embed
from bot.errors import explain, send_ephemeral
from bot.labels import review_choice_label
from bot.models import Review

log = logging.getLogger(__name__)

VIEW_TIMEOUT = 180.0
MAX_SELECT_OPTIONS = 25
NOT_YOURS = (
    "Those controls belong to the member who asked; run the command yourself to get your own."
)

Refusal = Callable[[discord.Interaction], Awaitable[str | None]]


class OwnedView(discord.ui.View):
    """Only the member who asked may use this view, apart from items marked public."""

    timeout_seconds: ClassVar[float] = VIEW_TIMEOUT

    def __init__(self, owner_id: int) -> None:
        super().__init__(timeout=self.timeout_seconds)
        self.owner_id = owner_id
        self.message: discord.Message | discord.InteractionMessage | None = None
        self.public_custom_ids: set[str] = set()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        data: Mapping[str, Any] = interaction.data or {}
        custom_id = data.get("custom_id")
        if interaction.user.id == self.owner_id or custom_id in self.public_custom_ids:
            return True
        await send_ephemeral(interaction, NOT_YOURS)
        return False

    def disable_all(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button | discord.ui.Select):
                item.disabled = True

    async def on_timeout(self) -> None:
        self.disable_all()
        if self.message is not None:
            try:
                await self.message.edit(view=self)
            except discord.HTTPException:
                log.debug("could not disable an expired view", exc_info=True)

    async def on_error(
        self,
        interaction: discord.Interaction,
        error: Exception,
        item: discord.ui.Item[discord.ui.View],
    ) -> None:
        await send_ephemeral(interaction, explain(error, f"component {item!r}"))

    async def finish(self, interaction: discord.Interaction, **edit: object) -> None:
        """Stop listening and disable the controls in the same edit."""
        self.disable_all()
        self.stop()
        await interaction.response.edit_message(view=self, **edit)  # type: ignore[arg-type]


class PaginatorView(OwnedView):
    """Previous / Next through a list of embeds."""

    def __init__(self, owner_id: int, pages: Sequence[discord.Embed]) -> None:
        super().__init__(owner_id)
        self.pages = list(pages)
        self.index = 0
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        self.previous_page.disabled = self.index == 0
        self.next_page.disabled = self.index >= len(self.pages) - 1
        self.position.label = f"{self.index + 1}/{len(self.pages)}"

    @property
    def current(self) -> discord.Embed:
        return self.pages[self.index]

    async def _show(self, interaction: discord.Interaction, step: int) -> None:
        self.index = max(0, min(len(self.pages) - 1, self.index + step))
        self._sync_buttons()
        await interaction.response.edit_message(embed=self.current, view=self)

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary)
    async def previous_page(
        self, interaction: discord.Interaction, _: discord.ui.Button[PaginatorView]
    ) -> None:
        await self._show(interaction, -1)

    @discord.ui.button(label="1/1", style=discord.ButtonStyle.secondary, disabled=True)
    async def position(
        self, interaction: discord.Interaction, _: discord.ui.Button[PaginatorView]
    ) -> None:
        await interaction.response.defer()

    @discord.ui.button(label="Next", style=discord.ButtonStyle.primary)
    async def next_page(
        self, interaction: discord.Interaction, _: discord.ui.Button[PaginatorView]
    ) -> None:
        await self._show(interaction, 1)


class ConfirmView(OwnedView):
    """Two buttons; ``on_confirm`` runs only after ``refuse`` (if given) lets the presser through.

    The refusal hook re-checks permissions at press time, because a role can be
    taken away between the command and the click.
    """

    def __init__(
        self,
        owner_id: int,
        *,
        confirm_label: str,
        on_confirm: Callable[[discord.Interaction], Awaitable[None]],
        cancel_text: str,
        refuse: Refusal | None = None,
        danger: bool = False,
    ) -> None:
        super().__init__(owner_id)
        self._on_confirm = on_confirm
        self._cancel_text = cancel_text
        self._refuse = refuse
        self.confirm.label = confirm_label
        self.confirm.style = discord.ButtonStyle.danger if danger else discord.ButtonStyle.success

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if self._refuse is not None:
            reason = await self._refuse(interaction)
            if reason is not None:
                await send_ephemeral(interaction, reason)
                return False
        return await super().interaction_check(interaction)

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.success)
    async def confirm(
        self, interaction: discord.Interaction, _: discord.ui.Button[ConfirmView]
    ) -> None:
        self.disable_all()
        self.stop()
        await self._on_confirm(interaction)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(
        self, interaction: discord.Interaction, _: discord.ui.Button[ConfirmView]
    ) -> None:
        await self.finish(interaction, content=self._cancel_text, embeds=[])


class ReviewView(OwnedView):
    """Under a review card: "Read full review" for anyone, "Did you mean…" for the asker."""

    def __init__(
        self,
        owner_id: int,
        review: Review,
        *,
        load: Callable[[int], Awaitable[Review | None]],
        alternatives: Sequence[Review] = (),
    ) -> None:
        super().__init__(owner_id)
        self.review = review
        self._load = load
        self.read_full.custom_id = f"full:{secrets.token_hex(6)}"
        self.public_custom_ids.add(self.read_full.custom_id)
        if alternatives:
            self.add_item(_DidYouMean(review, alternatives))

    @discord.ui.button(label="Read full review", style=discord.ButtonStyle.secondary, emoji="📖")
    async def read_full(
        self, interaction: discord.Interaction, _: discord.ui.Button[ReviewView]
    ) -> None:
        pages = full_review_pages(self.review)
        if len(pages) == 1:
            await interaction.response.send_message(embed=pages[0], ephemeral=True)
            return
        pager = PaginatorView(interaction.user.id, pages)
        await interaction.response.send_message(embed=pages[0], view=pager, ephemeral=True)
        pager.message = await interaction.original_response()

    async def show(self, interaction: discord.Interaction, review_id: int) -> None:
        review = await self._load(review_id)
        if review is None:
            await send_ephemeral(interaction, "That review is no longer in the catalog.")
            return
        self.review = review
        for item in self.children:
            if isinstance(item, _DidYouMean):
                item.mark_current(review)
        await interaction.response.edit_message(embed=review_embed(review), view=self)


class _DidYouMean(discord.ui.Select[ReviewView]):
    def __init__(self, best: Review, alternatives: Sequence[Review]) -> None:
        self._reviews = [best, *alternatives][:MAX_SELECT_OPTIONS]
        super().__init__(placeholder="Did you mean…", min_values=1, max_values=1)
        self.mark_current(best)

    def mark_current(self, current: Review) -> None:
        self.options = [
            discord.SelectOption(
                label=review_choice_label(review),
                value=str(review.id),
                default=review.id == current.id,
            )
            for review in self._reviews
        ]

    async def callback(self, interaction: discord.Interaction) -> None:
        assert self.view is not None
        await self.view.show(interaction, int(self.values[0]))
