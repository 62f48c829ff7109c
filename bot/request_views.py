"""The controls of review requests: the public "Tell me when it's reviewed" button, a
member's /requests (with a menu to cancel any), and the moderators' /wanted queue
(paged, with Claim and Dismiss).

The request button is a persistent ``DynamicItem``, like the card controls of
:mod:`bot.views`: it carries the title typed in its ``custom_id``, so it works for
anyone, on any process, after a restart. :mod:`bot.cards` decides where it goes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot import custom_ids
from bot.cards import MAX_SELECT_OPTIONS, CardReply, Kind, card_view, request_button
from bot.embeds import review_embed
from bot.embeds_requests import (
    WANTED_PER_PAGE,
    claimed_text,
    request_text,
    requests_embed,
    wanted_choice_label,
    wanted_pages,
)
from bot.models import MemberRequest, Moderator, Review
from bot.replies import Where, explain, send_ephemeral
from bot.services.requests import RequestBook, WantedFilm
from bot.views import OwnedView, PaginatorView, Refusal, catalog_of

if TYPE_CHECKING:
    from bot.catalog import Catalog

NOT_IN_A_SERVER = "Requests are kept per server: ask in one of its channels."
MAX_REASON_CHARS = 200


class TellMeWhenReviewed(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=custom_ids.REQUEST_TEMPLATE
):
    """Records a request for the title typed, for whoever presses it, and says so privately."""

    def __init__(self, title: str) -> None:
        super().__init__(request_button(title, discord.ui.Button))
        self.title = title

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> TellMeWhenReviewed:
        return cls(match["title"])

    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.guild_id is None:
            await send_ephemeral(interaction, NOT_IN_A_SERVER)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)  # a write
        try:
            outcome = await catalog_of(interaction).requests.request(
                interaction.guild_id, interaction.user.id, self.title
            )
        except Exception as error:
            context = f"request for {self.title!r} by {interaction.user.id}"
            await send_ephemeral(interaction, explain(error, context, Where.of(interaction)))
            return
        if outcome.review is None:
            await interaction.followup.send(request_text(outcome), ephemeral=True)
            return
        reply = CardReply.of(Kind.FOR_YOU, interaction=True)
        await interaction.followup.send(
            request_text(outcome),
            embed=review_embed(outcome.review),
            view=card_view(outcome.review, reply),
            ephemeral=True,
        )


async def member_requests(
    catalog: Catalog, guild_id: int, member_id: int
) -> tuple[discord.Embed, RequestsView | None]:
    """A member's requests, and the menu to cancel the open ones (``None`` when none is)."""
    requests = await catalog.requests.open_for(guild_id, member_id)
    answers: dict[int, Review] = {}
    for request in requests:
        if request.review_id is not None and request.review_id not in answers:
            review = await catalog.finder.get(request.review_id, guild_id)
            if review is not None:
                answers[request.review_id] = review
    open_requests = [request for request in requests if request.state == "open"]
    view = RequestsView(member_id, catalog, guild_id, open_requests) if open_requests else None
    return requests_embed(requests, answers), view


class RequestsView(OwnedView):
    """Under a member's /requests: a menu cancelling any of their open requests."""

    def __init__(
        self,
        owner_id: int,
        catalog: Catalog,
        guild_id: int,
        requests: Sequence[MemberRequest],
    ) -> None:
        super().__init__(owner_id)
        self._catalog = catalog
        self._guild_id = guild_id
        self.add_item(_CancelRequest(requests))

    async def cancel(self, interaction: discord.Interaction, request_id: int) -> None:
        await self._catalog.requests.cancel(self._guild_id, self.owner_id, request_id)
        embed, view = await member_requests(self._catalog, self._guild_id, self.owner_id)
        self.stop()
        if view is not None:
            view.message = self.message
        await interaction.response.edit_message(content="Cancelled.", embed=embed, view=view)


class _CancelRequest(discord.ui.Select[RequestsView]):
    def __init__(self, requests: Sequence[MemberRequest]) -> None:
        super().__init__(
            placeholder="Cancel a request…",
            options=[
                discord.SelectOption(label=request.query[:100], value=str(request.id))
                for request in requests[:MAX_SELECT_OPTIONS]
            ],
        )

    async def callback(self, interaction: discord.Interaction) -> None:
        assert self.view is not None
        await self.view.cancel(interaction, int(self.values[0]))


class WantedView(PaginatorView):
    """/wanted: the queue a page at a time; pick a film on the page, then Claim it
    (other moderators see who is reviewing it) or Dismiss it with a reason."""

    def __init__(
        self,
        owner_id: int,
        films: Sequence[WantedFilm],
        *,
        book: RequestBook,
        guild_id: int,
        refuse: Refusal,
    ) -> None:
        self.films = list(films)
        self.chosen: WantedFilm | None = None
        self._picker = _PickWanted()
        self._book = book
        self._guild_id = guild_id
        self._refuse = refuse
        super().__init__(owner_id, wanted_pages(self.films))
        if self.films:
            self.add_item(self._picker)
        else:
            self.remove_item(self.claim)
            self.remove_item(self.dismiss)

    def _page_films(self) -> list[WantedFilm]:
        start = self.index * WANTED_PER_PAGE
        return self.films[start : start + WANTED_PER_PAGE]

    def _sync_buttons(self) -> None:
        super()._sync_buttons()
        shown = self._page_films()
        if self.chosen not in shown:
            self.chosen = None
        self._picker.options = [
            discord.SelectOption(
                label=wanted_choice_label(film),
                value=str(position),
                default=film == self.chosen,
            )
            for position, film in enumerate(shown)
        ] or [discord.SelectOption(label="-", value="-")]
        self.claim.disabled = self.dismiss.disabled = self.chosen is None

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        reason = await self._refuse(interaction)
        if reason is not None:
            await send_ephemeral(interaction, reason)
            return False
        return await super().interaction_check(interaction)

    async def choose(self, interaction: discord.Interaction, position: int) -> None:
        self.chosen = self._page_films()[position]
        self._sync_buttons()
        await interaction.response.edit_message(view=self)

    @discord.ui.button(label="Claim", style=discord.ButtonStyle.success, row=2)
    async def claim(
        self, interaction: discord.Interaction, _: discord.ui.Button[WantedView]
    ) -> None:
        film = self.chosen
        if film is None:
            await interaction.response.defer()
            return
        await interaction.response.defer()
        try:
            await self._book.claim(self._guild_id, film, _moderator(interaction))
        except Exception as error:
            await send_ephemeral(interaction, explain(error, "claim", Where.of(interaction)))
            return
        await self.reload(
            f"✅ {claimed_text(interaction.user.display_name)}: {film.title}", interaction
        )

    @discord.ui.button(label="Dismiss", style=discord.ButtonStyle.danger, row=2)
    async def dismiss(
        self, interaction: discord.Interaction, _: discord.ui.Button[WantedView]
    ) -> None:
        if self.chosen is None:
            await interaction.response.defer()
            return
        await interaction.response.send_modal(_DismissForm(self, self.chosen))

    async def dismissed(
        self, interaction: discord.Interaction, film: WantedFilm, reason: str
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            await self._book.dismiss(self._guild_id, film, _moderator(interaction), reason)
        except Exception as error:
            await send_ephemeral(interaction, explain(error, "dismiss", Where.of(interaction)))
            return
        await interaction.followup.send(f"Dismissed {film.title}.", ephemeral=True)
        await self.reload(f"Dismissed {film.title}.")

    async def reload(self, status: str, pressed: discord.Interaction | None = None) -> None:
        """Read the queue again (another moderator may have acted too) and show it: as
        the answer to the deferred press on it, else by editing the message."""
        self.films = await self._book.queue(self._guild_id)
        self.pages = wanted_pages(self.films)
        self.index = min(self.index, len(self.pages) - 1)
        self.chosen = None
        self._sync_buttons()
        if pressed is not None:
            await pressed.edit_original_response(content=status, embed=self.current, view=self)
        elif self.message is not None:
            await self.message.edit(content=status, embed=self.current, view=self)


class _PickWanted(discord.ui.Select[WantedView]):
    def __init__(self) -> None:
        super().__init__(placeholder="Pick a film to claim or dismiss…", row=1)

    async def callback(self, interaction: discord.Interaction) -> None:
        assert self.view is not None
        await self.view.choose(interaction, int(self.values[0]))


class _DismissForm(discord.ui.Modal, title="Dismiss a wanted film"):
    reason: discord.ui.TextInput[_DismissForm] = discord.ui.TextInput(
        label="Reason (requesters are not told)",
        custom_id="reason",
        max_length=MAX_REASON_CHARS,
    )

    def __init__(self, view: WantedView, film: WantedFilm) -> None:
        super().__init__()
        self._view = view
        self._film = film

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await self._view.interaction_check(interaction)  # a role may be gone by now

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self._view.dismissed(interaction, self._film, self.reason.value)


def _moderator(interaction: discord.Interaction) -> Moderator:
    return Moderator(interaction.user.id, interaction.user.display_name)


REQUEST_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (TellMeWhenReviewed,)
