"""The one rule for who sees a reply with a card, and which public controls go under it."""

from __future__ import annotations

import re
from typing import Any

import discord
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import custom_ids
from bot.cards import CardReply, Kind, card_view, open_card_select
from bot.finder import Lookup
from bot.models import Review

FILM = Review(title="Moonlight", year=2016, id=9)
OTHERS = [Review(title=f"Film {n}", year=2000 + n, id=100 + n) for n in range(30)]


def described(items: list[discord.ui.Item[Any]]) -> list[str]:
    return [
        f"{item.label}:{item.custom_id}"
        if isinstance(item, discord.ui.Button)
        else f"select:{item.custom_id}"  # type: ignore[attr-defined]
        for item in items
    ]


@pytest.mark.parametrize(
    ("kind", "interaction", "private"),
    [
        (Kind.ANSWER, True, False),
        (Kind.CLOSEST_MATCH, True, False),
        (Kind.NO_CARD, True, True),
        (Kind.FOR_YOU, True, True),
        # A prefix command or a mention cannot be answered privately.
        (Kind.ANSWER, False, False),
        (Kind.CLOSEST_MATCH, False, False),
        (Kind.NO_CARD, False, False),
        (Kind.FOR_YOU, False, False),
    ],
)
def test_who_sees_each_kind_of_reply(kind: Kind, interaction: bool, private: bool) -> None:
    assert CardReply.of(kind, interaction=interaction).private is private


@pytest.mark.parametrize("kind", list(Kind))
@pytest.mark.parametrize("interaction", [True, False])
def test_every_private_card_and_only_a_private_card_can_be_posted(
    kind: Kind, interaction: bool
) -> None:
    reply = CardReply.of(kind, interaction=interaction)

    shown = described(reply.controls(card=FILM))

    expected = ["Read full review:review:full:9"]
    if reply.private:
        expected.append("Post in channel:review:post:9")
    assert shown == expected
    assert described(list(card_view(FILM, reply).children)) == expected


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (CardReply.of(Kind.NO_CARD, interaction=True), CardReply(Kind.FOR_YOU, private=True)),
        (CardReply.of(Kind.NO_CARD, interaction=False), CardReply(Kind.ANSWER, private=False)),
        (CardReply.of(Kind.CLOSEST_MATCH, interaction=True), CardReply(Kind.ANSWER, False)),
        (CardReply.of(Kind.ANSWER, interaction=True), CardReply(Kind.ANSWER, private=False)),
    ],
)
def test_a_picked_film_is_the_answer_for_the_same_eyes(before: CardReply, after: CardReply) -> None:
    assert before.picked() == after


@pytest.mark.parametrize(
    ("found", "kind"),
    [
        (Lookup("moonlight", FILM), Kind.ANSWER),
        (Lookup("moonlihgt", FILM, exact=False), Kind.CLOSEST_MATCH),
        (Lookup("moonlit", None, OTHERS[:2]), Kind.NO_CARD),
        (Lookup("qwzx", None), Kind.NO_CARD),
    ],
)
def test_a_lookup_is_answered_by_what_it_found(found: Lookup, kind: Kind) -> None:
    assert CardReply.to_lookup(found, interaction=True).kind is kind


def test_a_reply_without_a_card_has_no_card_controls() -> None:
    assert CardReply.of(Kind.NO_CARD, interaction=True).controls() == []


def test_a_list_gets_a_menu_opening_each_listed_films_card() -> None:
    reply = CardReply.of(Kind.ANSWER, interaction=True)

    [menu] = reply.controls(listed=OTHERS[:3])

    assert isinstance(menu, discord.ui.Select)
    assert menu.custom_id == "review:open"
    assert [(o.label, o.value) for o in menu.options] == [
        ("Film 0 (2000)", "100"),
        ("Film 1 (2001)", "101"),
        ("Film 2 (2002)", "102"),
    ]
    assert not menu.is_dispatchable()  # answered by the persistent OpenCard item


def test_a_card_menu_offers_at_most_discords_25_options() -> None:
    assert len(open_card_select(OTHERS).options) == 25


@pytest.mark.parametrize(
    ("found", "offered"),
    [
        (Lookup("moonlight", FILM), False),  # the film asked for
        (Lookup("annette", FILM, exact=False), True),  # the closest may be another film
        (Lookup("moonlit", None, OTHERS[:2]), True),  # a did-you-mean menu, no card
        (Lookup("qwzx", None), True),
    ],
)
def test_a_reply_that_may_not_show_the_film_typed_offers_to_request_it(
    found: Lookup, offered: bool
) -> None:
    reply = CardReply.to_lookup(found, interaction=True)

    shown = described(reply.controls(card=found.best))

    wanted = f"Tell me when it's reviewed:review:request:{found.query}"
    assert (wanted in shown) is offered
    assert wanted not in described(reply.picked().controls(card=FILM))  # they chose a film


@given(st.text(min_size=1).filter(lambda text: bool(text.split())))
def test_a_request_button_carries_what_was_typed_within_discords_100_characters(
    typed: str,
) -> None:
    custom_id = custom_ids.request(typed)

    match = re.fullmatch(custom_ids.REQUEST_TEMPLATE, custom_id)
    assert len(custom_id) <= custom_ids.MAX_CUSTOM_ID
    assert match is not None
    assert " ".join(typed.split()).startswith(match["title"])
