"""The interactive pieces every cog shares: public card controls, invoker-only views,
paging, confirmation, and the reply to a typed title.

Public controls (Read full review, Post in channel, a list's card menu) are
``DynamicItem``s registered once at start-up: they work for anyone, with no timeout,
across restarts; which of them go under a reply is decided in :mod:`bot.cards`.
Invoker views have a timeout and, when it ends, disable their own components; a
press that still reaches an ended view (after a restart, say) gets one private line.
"""

from __future__ import annotations

import logging
import re
import secrets
import weakref
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, cast

import discord
from discord.ext import commands
from discord.utils import MISSING

from bot import custom_ids
from bot.cards import (
    MAX_SELECT_OPTIONS,
    CardReply,
    Kind,
    card_view,
    full_review_button,
    open_card_select,
    post_in_channel_button,
)
from bot.embeds import (
    SIMILAR_SHOWN,
    full_review_pages,
    lookup_text,
    review_embed,
    shared_text,
    similar_embed,
)
from bot.labels import review_choice_label
from bot.models import Review
from bot.replies import Where, explain, send_ephemeral

if TYPE_CHECKING:
    from bot.catalog import Catalog
    from bot.finder import Lookup

log = logging.getLogger(__name__)

VIEW_TIMEOUT = 180.0
NOT_YOURS = (
    "Those controls belong to the member who asked; run the command yourself to get your own."
)
ENDED = "Those controls have expired: run the command again."
STILL_WRITING = "Still saving your last press; its answer replaces this form."
TRY_AGAIN = "Try again"
DROPPED = "Dropped: nothing was changed."
REVIEW_REMOVED = "That review was removed."
CANNOT_POST = "You can't send messages in this channel, so I won't post it for you."

Refusal = Callable[[discord.Interaction], Awaitable[str | None]]


class _CatalogClient(Protocol):
    @property
    def catalog(self) -> Catalog: ...


def catalog_of(interaction: discord.Interaction) -> Catalog:
    """The catalog of the bot ``interaction`` reached."""
    return cast(_CatalogClient, interaction.client).catalog


async def send_full_review(interaction: discord.Interaction, review: Review) -> None:
    """The full text, privately; long reviews get pages."""
    await send_private_pages(interaction, full_review_pages(review))


async def send_private_pages(
    interaction: discord.Interaction, pages: Sequence[discord.Embed]
) -> None:
    """One private embed, or the first of several with Previous / Next for the asker."""
    if len(pages) == 1:
        await interaction.response.send_message(embed=pages[0], ephemeral=True)
        return
    pager = PaginatorView(interaction.user.id, pages)
    await interaction.response.send_message(embed=pages[0], view=pager, ephemeral=True)
    pager.message = await interaction.original_response()


class ReadFullReview(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=custom_ids.FULL_REVIEW_TEMPLATE
):
    """Read full review, on any card, by anyone, forever."""

    def __init__(self, review_id: int) -> None:
        # The DynamicItem needs a dispatchable button; messages show a PublicButton.
        super().__init__(full_review_button(review_id, discord.ui.Button))
        self.review_id = review_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ReadFullReview:
        return cls(int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        review = await catalog_of(interaction).finder.get(self.review_id, interaction.guild_id)
        if review is None:
            await send_ephemeral(interaction, REVIEW_REMOVED)
            return
        await send_full_review(interaction, review)


class PostInChannel(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=custom_ids.POST_IN_CHANNEL_TEMPLATE
):
    """On a private result: post the card in the channel for everyone."""

    def __init__(self, review_id: int) -> None:
        super().__init__(post_in_channel_button(review_id, discord.ui.Button))
        self.review_id = review_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PostInChannel:
        return cls(int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        if not interaction.permissions.send_messages:
            # The bot would post for them: only where they may post themselves.
            await send_ephemeral(interaction, CANNOT_POST)
            return
        review = await catalog_of(interaction).finder.get(self.review_id, interaction.guild_id)
        if review is None:
            await send_ephemeral(interaction, REVIEW_REMOVED)
            return
        # A new public message in answer to the press: it needs no channel permission
        # of the bot's, and Discord shows who shared it.
        public = CardReply.of(Kind.ANSWER, interaction=True)
        await interaction.response.send_message(
            shared_text(interaction.user.display_name),
            embed=review_embed(review),
            view=card_view(review, public),
            ephemeral=public.private,
        )


class OpenCard(
    discord.ui.DynamicItem[discord.ui.Select[Any]], template=custom_ids.OPEN_CARD_TEMPLATE
):
    """A list's menu of films: picking one opens its card, for whoever picked it."""

    def __init__(self) -> None:
        super().__init__(open_card_select((), discord.ui.Select))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> OpenCard:
        return cls()

    async def callback(self, interaction: discord.Interaction) -> None:
        review = await catalog_of(interaction).finder.get(
            int(self.item.values[0]), interaction.guild_id
        )
        if review is None:
            await send_ephemeral(interaction, REVIEW_REMOVED)
            return
        opened = CardReply.of(Kind.FOR_YOU, interaction=True)
        await interaction.response.send_message(
            embed=review_embed(review), view=card_view(review, opened), ephemeral=opened.private
        )


class EndedControl(
    discord.ui.DynamicItem[discord.ui.Item[Any]], template=custom_ids.ENDED_CONTROL_TEMPLATE
):
    """Answers a press on an invoker's control whose view has ended, instead of silence.

    Every press on an invoker control also reaches this item; it stands aside while
    the view is still listening, since the view answers then.
    """

    def __init__(self, item: discord.ui.Item[Any], token: str | None) -> None:
        super().__init__(item)
        self.token = token

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> EndedControl:
        return cls(item, match["token"])

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        return self.token is None or not OwnedView.is_listening(self.token)

    async def callback(self, interaction: discord.Interaction) -> None:
        await send_ephemeral(interaction, ENDED)


PERSISTENT_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    ReadFullReview,
    PostInChannel,
    OpenCard,
    EndedControl,
)


class OwnedView(discord.ui.View):
    """Only the member who asked may use this view; public buttons are for anyone.

    Its own controls get custom ids naming the view (``own:<token>:<n>``), so
    :class:`EndedControl` can tell a press on an ended view from one on a live view.
    """

    timeout_seconds: ClassVar[float] = VIEW_TIMEOUT
    # Views still listening, by token; weak, so a view that was never sent goes away.
    _listening: ClassVar[weakref.WeakValueDictionary[str, OwnedView]] = (
        weakref.WeakValueDictionary()
    )

    def __init__(self, owner_id: int) -> None:
        super().__init__(timeout=self.timeout_seconds)
        self.owner_id = owner_id
        self.message: discord.Message | discord.InteractionMessage | None = None
        self.token = secrets.token_hex(6)
        self._numbered = 0
        self._listening[self.token] = self
        for item in self.children:
            self._name(item)

    @classmethod
    def is_listening(cls, token: str) -> bool:
        return token in cls._listening

    @classmethod
    def stop_all(cls) -> None:
        """End every view (the bot is closing; their presses then get :data:`ENDED`)."""
        for view in list(cls._listening.values()):
            view.stop()

    def _name(self, item: discord.ui.Item[Any]) -> None:
        if item.is_dispatchable() and isinstance(item, discord.ui.Button | discord.ui.Select):
            self._numbered += 1
            item.custom_id = custom_ids.owned(self.token, self._numbered)

    def add_item(self, item: discord.ui.Item[Any]) -> OwnedView:
        self._name(item)
        super().add_item(item)
        return self

    def stop(self) -> None:
        super().stop()
        self._listening.pop(self.token, None)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await send_ephemeral(interaction, NOT_YOURS)
        return False

    def disable_all(self) -> None:
        """Disable this view's own controls; public ones keep working for anyone."""
        for item in self.children:
            if item.is_dispatchable() and isinstance(item, discord.ui.Button | discord.ui.Select):
                item.disabled = True

    async def on_timeout(self) -> None:
        self._listening.pop(self.token, None)
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
        await send_ephemeral(
            interaction, explain(error, f"component {item!r}", Where.of(interaction))
        )

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


@dataclass(frozen=True)
class Confirmed:
    """What a confirmed write leaves in its prompt's place.

    A write that must ask first instead (an edit over a review someone changed since
    it began) writes nothing and leaves ``question``: its buttons go under ``content``
    and ``embed``, in the prompt's place (or as the answer, for a command's first try).
    """

    content: str
    embed: discord.Embed | None = None  # replaces the prompt's card, if it had one
    question: ConfirmView | None = None


KEPT = "Nothing was changed, and nothing you wrote is lost"


def kept_for_another_try(reason: str, press: str) -> str:
    """What a moderator reads when a write failed and its form stays for another try."""
    return f"{reason}\n{KEPT}: press {press}."


class ConfirmView(OwnedView):
    """Confirm / Cancel under a private prompt (:meth:`ask`); Confirm runs ``write``.

    ``write`` runs only after ``refuse`` (if given) lets the presser through: the
    refusal hook re-checks permissions at press time, because a role can be taken
    away between the command and the click.

    A write that fails (the catalog busy behind an import, say) leaves the prompt, what
    it carries (a draft of up to 8,000 typed characters) and both buttons as they were,
    and says why privately: pressing Confirm again tries again. The buttons end only
    when a write succeeds, Cancel is pressed, or the view times out.
    """

    def __init__(
        self,
        owner_id: int,
        *,
        confirm_label: str,
        write: Callable[[discord.Interaction], Awaitable[Confirmed]],
        cancel_text: str,
        refuse: Refusal | None = None,
        danger: bool = False,
        cancel_label: str = "Cancel",
        cancel_keeps_card: bool = False,
    ) -> None:
        super().__init__(owner_id)
        self._write = write
        self._cancel_text = cancel_text
        self._refuse = refuse
        self._has_card = False
        # The card stays after Cancel when it holds what the member typed, to copy.
        self._cancel_keeps_card = cancel_keeps_card
        self._writing = False  # a press is saving: another press waits for its answer
        self.confirm.label = confirm_label
        self.confirm.style = discord.ButtonStyle.danger if danger else discord.ButtonStyle.success
        self.cancel.label = cancel_label

    async def ask(
        self, interaction: discord.Interaction, prompt: str, *, embed: discord.Embed | None = None
    ) -> None:
        """Send ``prompt`` (and its card, if any) privately, with these buttons under it:
        as the answer, or as a follow-up to an interaction already answered (deferred)."""
        self._has_card = embed is not None
        # MISSING, not None: None would send an empty embed list with a plain prompt.
        card = embed if embed is not None else MISSING
        if interaction.response.is_done():
            self.message = await interaction.followup.send(
                prompt, embed=card, view=self, ephemeral=True, wait=True
            )
            return
        await interaction.response.send_message(prompt, embed=card, view=self, ephemeral=True)
        self.message = await interaction.original_response()

    async def replace(
        self, interaction: discord.Interaction, prompt: str, *, embed: discord.Embed | None
    ) -> None:
        """Ask in place of the prompt ``interaction`` (a press, deferred) came from."""
        self._has_card = embed is not None
        self.message = await interaction.edit_original_response(
            content=prompt, embed=embed, view=self
        )

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if self._refuse is not None:
            reason = await self._refuse(interaction)
            if reason is not None:
                await send_ephemeral(interaction, reason)
                return False
        return await super().interaction_check(interaction)

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.success)
    async def confirm(
        self, interaction: discord.Interaction, button: discord.ui.Button[ConfirmView]
    ) -> None:
        if self._writing:
            await send_ephemeral(interaction, STILL_WRITING)
            return
        self._writing = True
        await interaction.response.defer()  # a write: may wait behind an import
        try:
            done = await self._write(interaction)
        except Exception as error:
            self._writing = False
            reason = explain(error, f"{button.label} by {interaction.user.id}")
            await send_ephemeral(
                interaction, kept_for_another_try(reason, f"**{button.label}** again")
            )
            return
        self.disable_all()
        self.stop()
        if done.question is not None:
            await done.question.replace(interaction, done.content, embed=done.embed)
            return
        # A card is replaced (or removed); a plain prompt gains one only if the write has one.
        card = done.embed if self._has_card or done.embed is not None else MISSING
        await interaction.edit_original_response(content=done.content, embed=card, view=self)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(
        self, interaction: discord.Interaction, _: discord.ui.Button[ConfirmView]
    ) -> None:
        if self._writing:
            await send_ephemeral(interaction, STILL_WRITING)
            return
        if self._cancel_keeps_card:
            await self.finish(interaction, content=self._cancel_text)
            return
        await self.finish(interaction, content=self._cancel_text, embeds=[])


async def write_or_offer_again(
    interaction: discord.Interaction,
    write: Callable[[discord.Interaction], Awaitable[Confirmed]],
    *,
    refuse: Refusal | None = None,
) -> None:
    """Run a deferred command's ``write`` and answer privately with what it did.

    If it fails, the answer says why, under **Try again** (which runs the same write
    with the same values) and Cancel: the command and whatever was typed into it are
    kept, not lost to a busy catalog.
    """
    try:
        done = await write(interaction)
    except Exception as error:
        reason = explain(error, f"a write by {interaction.user.id}")
        view = ConfirmView(
            interaction.user.id,
            confirm_label=TRY_AGAIN,
            write=write,
            cancel_text=DROPPED,
            refuse=refuse,
        )
        await view.ask(interaction, kept_for_another_try(reason, f"**{TRY_AGAIN}**"))
        return
    if done.question is not None:
        await done.question.ask(interaction, done.content, embed=done.embed)
        return
    card = done.embed if done.embed is not None else MISSING
    await interaction.followup.send(done.content, embed=card, ephemeral=True)


@dataclass(frozen=True)
class Shown:
    """What a reply shows for one film (its card, or a list about it), and the
    public controls under that."""

    review: Review
    embed: discord.Embed
    controls: Sequence[discord.ui.Item[Any]]


ShowFilm = Callable[[Review, CardReply], Awaitable[Shown]]


async def show_card(review: Review, reply: CardReply) -> Shown:
    """The film's card: what /review, /random and a did-you-mean pick show."""
    return Shown(review, review_embed(review), reply.controls(card=review))


def similar_list(catalog: Catalog, guild_id: int | None) -> ShowFilm:
    """What /similar shows for a film: the films like it, each one's card a pick away."""

    async def show(review: Review, reply: CardReply) -> Shown:
        related = await catalog.insights.related(review, guild_id=guild_id)
        shown = related[:SIMILAR_SHOWN]
        listed = [other for other, _ in shown]
        return Shown(review, similar_embed(review, shown), reply.controls(listed=listed))

    return show


class ReviewView(OwnedView):
    """Under a reply about one film (its card, or its /similar list): public controls
    for anyone, "Did you mean…" for the asker.

    Without a film it is the menu of a reply that had no card to show ("Nothing
    called …"): picking a film turns the reply into what ``show`` shows for it,
    controls and all.
    """

    def __init__(
        self,
        owner_id: int,
        reply: CardReply,
        shown: Shown | None,
        *,
        load: Callable[[int], Awaitable[Review | None]],
        show: ShowFilm = show_card,
        alternatives: Sequence[Review] = (),
    ) -> None:
        super().__init__(owner_id)
        self.reply = reply
        self.review: Review | None = None
        self._load = load
        self._show = show
        self._public: list[discord.ui.Item[Any]] = []
        self.point_at(shown)
        if alternatives:
            self.add_item(_DidYouMean(self.review, alternatives))

    async def show(self, interaction: discord.Interaction, review_id: int) -> None:
        review = await self._load(review_id)
        if review is None:
            await send_ephemeral(interaction, "That review is no longer in the catalog.")
            return
        self.reply = self.reply.picked()
        shown = await self._show(review, self.reply)
        self.point_at(shown)
        for item in self.children:
            if isinstance(item, _DidYouMean):
                item.mark_current(review)
        # The member chose this film: it is the answer now, not a closest match.
        await interaction.response.edit_message(content=None, embed=shown.embed, view=self)

    def point_at(self, shown: Shown | None) -> None:
        """Show ``shown``: its public controls must name its film, not the previous one."""
        for item in self._public:
            self.remove_item(item)
        self._public = list(shown.controls if shown is not None else self.reply.controls())
        for item in self._public:
            self.add_item(item)
        self.review = shown.review if shown is not None else None


async def answer_lookup(
    ctx: commands.Context[Any],
    found: Lookup,
    show: ShowFilm = show_card,
    *,
    deferred_privately: bool = False,
) -> None:
    """Reply to a typed title, the same way for /review, !review, mentions and /similar:
    what ``show`` shows for the film found (labelled when it is only the closest
    match, with the other close titles as a menu), or a line and the nearest titles
    when nothing is sure enough for a card. :class:`CardReply` decides who sees it,
    unless a private deferral already did (``deferred_privately``)."""
    reply = CardReply.to_lookup(found, interaction=ctx.interaction is not None)
    reply = reply.deferred(privately=deferred_privately)
    guild_id = ctx.guild.id if ctx.guild else None
    finder = cast(_CatalogClient, ctx.bot).catalog.finder

    async def load(review_id: int) -> Review | None:
        return await finder.get(review_id, guild_id)

    shown = None if found.best is None else await show(found.best, reply)
    view = ReviewView(ctx.author.id, reply, shown, load=load, show=show, alternatives=found.menu)
    message: dict[str, Any] = {"ephemeral": reply.private}
    if shown is not None:
        message["embed"] = shown.embed
    if view.children:
        message["view"] = view
    content = lookup_text(reply.kind, found.query, offered=bool(found.menu))
    view.message = await ctx.send(content, **message)


class _DidYouMean(discord.ui.Select[ReviewView]):
    def __init__(self, best: Review | None, alternatives: Sequence[Review]) -> None:
        shown = [best, *alternatives] if best is not None else list(alternatives)
        self._reviews = shown[:MAX_SELECT_OPTIONS]
        # Below the card's buttons, even when they are added after it.
        super().__init__(placeholder="Did you mean…", min_values=1, max_values=1, row=1)
        self.mark_current(best)

    def mark_current(self, current: Review | None) -> None:
        self.options = [
            discord.SelectOption(
                label=review_choice_label(review),
                value=str(review.id),
                default=current is not None and review.id == current.id,
            )
            for review in self._reviews
        ]

    async def callback(self, interaction: discord.Interaction) -> None:
        assert self.view is not None
        await self.view.show(interaction, int(self.values[0]))
