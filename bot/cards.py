"""Who sees a reply that can hold a review card, and which public controls go under it.

This is the one rule (the README's "Public or private" says it for members). Every
path that sends a card, or a reply standing in for one, builds it from a
:class:`CardReply`: /review, !review and mentions, /similar, /random, Find review,
a film picked from a did-you-mean menu, a card opened from a list, a card a member
shares, an announcement. The rule in one sentence: a reply is private when it shows
no card or a card one member asked for alone, and every private card can be posted
in the channel.

Public controls are drawn here and answered by the persistent items of
:mod:`bot.views`: they work for anyone, for as long as the message exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

import discord

from bot import custom_ids
from bot.labels import review_choice_label
from bot.models import Review

if TYPE_CHECKING:
    from bot.finder import Lookup

MAX_SELECT_OPTIONS = 25  # Discord's limit


class PublicButton(discord.ui.Button[Any]):
    """How a public control is drawn on a message; its presses go to a ``DynamicItem``.

    It is not dispatchable on purpose. discord.py forgets a DynamicItem's template
    when a view that holds one stops or times out (``ViewStore.remove_view``), which
    would silence the button on every card as soon as any invoker view ended. Drawn
    this way, the template registered at start-up stays, and a view holding only
    public controls is never stored, so it has no timer and is never edited.
    """

    def is_dispatchable(self) -> bool:
        return False


class PublicSelect(discord.ui.Select[Any]):
    """A public menu, drawn like :class:`PublicButton` and for the same reason."""

    def is_dispatchable(self) -> bool:
        return False


ButtonKind = type[discord.ui.Button[Any]]
SelectKind = type[discord.ui.Select[Any]]


def full_review_button(review_id: int, kind: ButtonKind = PublicButton) -> discord.ui.Button[Any]:
    return kind(
        label="Read full review",
        emoji="📖",
        style=discord.ButtonStyle.secondary,
        custom_id=custom_ids.full_review(review_id),
    )


def post_in_channel_button(
    review_id: int, kind: ButtonKind = PublicButton
) -> discord.ui.Button[Any]:
    return kind(
        label="Post in channel",
        emoji="📣",
        style=discord.ButtonStyle.primary,
        custom_id=custom_ids.post_in_channel(review_id),
    )


REQUEST_LABEL = "Tell me when it's reviewed"
# Last, below a card's buttons, a list's menu (row 0) and a did-you-mean menu (row 1).
REQUEST_ROW = 2


def request_button(title: str, kind: ButtonKind = PublicButton) -> discord.ui.Button[Any]:
    """Records a request for ``title`` for whoever presses it (bot.request_views)."""
    return kind(
        label=REQUEST_LABEL,
        emoji="🔔",
        style=discord.ButtonStyle.secondary,
        custom_id=custom_ids.request(title),
        row=REQUEST_ROW,
    )


def open_card_select(
    reviews: Sequence[Review], kind: SelectKind = PublicSelect
) -> discord.ui.Select[Any]:
    """A menu of ``reviews``; picking one opens its card for whoever picked it."""
    return kind(
        custom_id=custom_ids.OPEN_CARD,
        placeholder="Open a film's card…",
        options=[
            discord.SelectOption(label=review_choice_label(review), value=str(review.id))
            for review in reviews[:MAX_SELECT_OPTIONS]
        ],
    )


class Kind(Enum):
    """What a reply shows, as far as who should see it is concerned."""

    # A card for the channel: the film asked for, a card a member shared, an announcement.
    ANSWER = "answer"
    # The nearest film to what was typed, labelled "Closest match for …".
    CLOSEST_MATCH = "closest match"
    # Nothing sure enough for a card: a line, and at most a menu of the nearest titles.
    NO_CARD = "no card"
    # A card one member asked for alone: /random private:true, Find review, a card
    # opened from a list, a film picked from a private menu.
    FOR_YOU = "for you"


# Why these are private: a reply with no card tells the channel only that someone
# mistyped, and its menu belongs to them; Find review answers a question the channel
# never heard (it is asked about someone else's message), and a card opened from a
# list already in the channel would repeat it. Post in channel shares any of them.
PRIVATE_KINDS = frozenset({Kind.NO_CARD, Kind.FOR_YOU})
# Replies to a typed title that may not show the film meant: the catalog may lack it
# (a closest match can be another film: "Annette" answered with Nanette).
REQUESTABLE_KINDS = frozenset({Kind.NO_CARD, Kind.CLOSEST_MATCH})


@dataclass(frozen=True, slots=True)
class CardReply:
    """One reply's kind and whether only the member who asked sees it; ``asked`` is the
    title typed, when the reply answers one."""

    kind: Kind
    private: bool
    asked: str | None = None

    @classmethod
    def of(cls, kind: Kind, *, interaction: bool, asked: str | None = None) -> CardReply:
        """The reply of ``kind``; ``interaction`` says whether it answers an interaction.

        Only an interaction can be answered privately: a prefix command or a mention
        is answered in the channel, whatever it shows.
        """
        return cls(kind, kind in PRIVATE_KINDS and interaction, asked)

    @classmethod
    def to_lookup(cls, found: Lookup, *, interaction: bool) -> CardReply:
        """The reply to a typed title: the answer, the closest match, or no card."""
        if found.best is None:
            kind = Kind.NO_CARD
        elif found.exact:
            kind = Kind.ANSWER
        else:
            kind = Kind.CLOSEST_MATCH
        return cls.of(kind, interaction=interaction, asked=found.query)

    def deferred(self, *, privately: bool) -> CardReply:
        """This reply once its interaction was deferred while waiting its turn
        (:mod:`bot.pacing`): a private deferral makes even a card private, and that
        card, like every private one, can be posted in the channel."""
        return CardReply(self.kind, self.private or privately, self.asked)

    def picked(self) -> CardReply:
        """This reply once the member picked a film from its menu: the film they
        chose is the answer now, seen by the same people as before."""
        return CardReply(Kind.FOR_YOU if self.private else Kind.ANSWER, self.private, self.asked)

    def controls(
        self, *, card: Review | None = None, listed: Sequence[Review] = ()
    ) -> list[discord.ui.Item[Any]]:
        """Every public control under this reply, in order: the buttons of ``card``
        when it shows one, a request for the title typed when the reply may not show
        the film meant, and a menu opening the card of any ``listed`` film."""
        items: list[discord.ui.Item[Any]] = []
        if card is not None:
            items.append(full_review_button(card.id))
            if self.private:  # every private card can be shared
                items.append(post_in_channel_button(card.id))
        if self.asked is not None and self.kind in REQUESTABLE_KINDS:
            items.append(request_button(self.asked))
        if listed:
            items.append(open_card_select(listed))
        return items


# A card the bot posts on its own, for the channel: an announcement, requesters told.
POSTED = CardReply.of(Kind.ANSWER, interaction=False)


def public_view(controls: Sequence[discord.ui.Item[Any]]) -> discord.ui.View:
    """A view of public controls only: the persistent items answer them, so it has no
    timer and is never stored."""
    view = discord.ui.View(timeout=None)
    for item in controls:
        view.add_item(item)
    return view


def card_view(review: Review, reply: CardReply) -> discord.ui.View:
    """The controls under ``review``'s card in a reply with nothing else under it."""
    return public_view(reply.controls(card=review))
