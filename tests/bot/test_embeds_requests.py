"""Layout of requests: /wanted pages and /requests stay within Discord's limits and
show untrusted text literally."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.embeds_requests import WANTED_PER_PAGE, request_text, requests_embed, wanted_pages
from bot.models import MemberRequest, Review
from bot.services.requests import RequestOutcome, WantedFilm
from tests.embed_checks import assert_within_discord_limits

NOW = "2026-12-07T22:00:00.000000+00:00"


def film(title: str, *, requesters: int = 1, claimed_by: str | None = None) -> WantedFilm:
    return WantedFilm(None, title, requesters, 2, (title,) * 5, NOW, NOW, claimed_by)


@given(st.text(min_size=1, max_size=300), st.text(max_size=300))
def test_wanted_pages_fit_whatever_members_typed(title: str, moderator: str) -> None:
    films = [film(title, claimed_by=moderator or None) for _ in range(WANTED_PER_PAGE * 2 + 1)]
    pages = wanted_pages(films)
    assert len(pages) == 3
    for page in pages:
        assert_within_discord_limits(page)


def test_a_wanted_row_says_who_asked_how_it_was_typed_and_who_claimed_it() -> None:
    [page] = wanted_pages([film("The_Zone", requesters=3, claimed_by="Sam")])
    [field] = page.fields
    assert field.name == "1. The\\_Zone"
    assert field.value is not None
    assert field.value.splitlines() == [
        "**3** member(s) asked · **2** failed lookup(s)",
        "Typed as " + ", ".join(["“The\\_Zone”"] * 5),
        "First asked <t:1796680800:R>, last <t:1796680800:R>",
        "🎬 Sam is reviewing this",
    ]


@given(st.lists(st.text(alphabet="ab *_|", min_size=1, max_size=200), max_size=50))
def test_fifty_requests_fit_one_embed(queries: list[str]) -> None:
    requests = [MemberRequest(n, query, NOW, "open") for n, query in enumerate(queries)]
    assert_within_discord_limits(requests_embed(requests, {}))


def test_requests_past_the_room_are_counted() -> None:
    requests = [MemberRequest(n, "word " * 40, NOW, "open") for n in range(50)]
    description = requests_embed(requests, {}).description or ""
    assert len(description) <= 4096
    assert description.endswith("more.")


def test_an_untold_answer_names_the_review() -> None:
    answered = MemberRequest(1, "moonlite", NOW, "answered", review_id=9)
    embed = requests_embed([answered], {9: Review(title="Moonlight", year=2016, id=9)})
    assert embed.description == (
        "✅ moonlite (asked <t:1796680800:R>): reviewed as **Moonlight (2016)**"
    )


def test_an_answer_not_told_yet_is_marked_apart_from_one_that_could_not_be_told() -> None:
    moonlight = Review(title="Moonlight", year=2016, id=9)
    untold = MemberRequest(1, "moonlite", NOW, "answered", review_id=9, delivery="undeliverable")
    pending = MemberRequest(2, "moonlight", NOW, "answered", review_id=9, delivery="pending")
    waiting = MemberRequest(3, "zerkalo", NOW, "open")
    embed = requests_embed([untold, pending, waiting], {9: moonlight})
    assert embed.description == (
        "✅ moonlite (asked <t:1796680800:R>): reviewed as **Moonlight (2016)**\n"
        "⏳ moonlight (asked <t:1796680800:R>): reviewed as **Moonlight (2016)**\n"
        "🔔 zerkalo (asked <t:1796680800:R>)"
    )
    assert embed.footer.text == (
        "✅ Reviewed, but my message could not reach you (are your DMs closed?).\n"
        "⏳ Reviewed; the message telling you has not been sent yet."
    )
    assert requests_embed([pending], {9: moonlight}).footer.text == (
        "⏳ Reviewed; the message telling you has not been sent yet."
    )
    assert requests_embed([waiting], {}).footer.text is None  # nothing to explain


def test_the_request_answer_names_the_title_and_where_to_see_it() -> None:
    assert request_text(RequestOutcome("recorded", "*moonlite*")) == (
        "I'll tell you when **\\*moonlite\\*** is reviewed. `/requests` lists yours."
    )
