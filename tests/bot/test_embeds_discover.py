"""The layout of /discover: result lines, snippets made safe, the line saying a correction."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.embeds_discover import (
    NO_TEXT,
    corrections_text,
    discover_embed,
    no_discoveries_text,
    snippet_line,
)
from bot.models import Review
from bot.search_results import (
    MATCH_END,
    MATCH_START,
    Correction,
    SearchHit,
    SearchPage,
    snippet_of,
)
from tests.bot.test_search_results import MARKED
from tests.conftest import max_examples
from tests.embed_checks import assert_within_discord_limits, split_spoilers
from tests.reliability.checks import hostile_text


def mark(word: str) -> str:
    return f"{MATCH_START}{word}{MATCH_END}"


def line_of(marked: str, limit: int = 1024) -> str:
    return snippet_line(snippet_of("body", marked), limit)


def test_matched_words_are_bold_and_the_reviews_own_markdown_is_not() -> None:
    line = line_of(f"**Loud** {mark('ghost')} story, _in_ `{mark('London')}` @everyone")

    assert line == ("\\*\\*Loud\\*\\* **ghost** story, \\_in\\_ \\`**London**\\` @\u200beveryone")


def test_a_matched_phrase_is_bold_once_and_a_hidden_word_stays_a_spoiler() -> None:
    line = line_of(f"a {mark('ghost story')} where ||the {mark('ferry')} sinks|| at dawn")

    assert line == "a **ghost story** where ||the **ferry** sinks|| at dawn"


def test_a_snippet_cut_from_longer_text_says_so_at_both_ends() -> None:
    words = " ".join(f"w{n}" for n in range(30))
    line = line_of(f"{words} {mark('ghost')} {words}")

    assert line.startswith("…w26 w27 w28 w29 **ghost** w0") and line.endswith("…")


def test_words_are_dropped_from_the_end_when_escapes_overflow_the_limit() -> None:
    line = line_of(f"{mark('ghost')} " + " ".join(["*_*"] * 15), limit=40)

    assert len(line) <= 40 and line.startswith("**ghost** \\*\\_\\*") and line.endswith("…")


def test_a_review_with_no_text_to_quote_says_so() -> None:
    assert snippet_line(None) == NO_TEXT


@settings(max_examples=max_examples(500))
@given(marked=MARKED, limit=st.integers(20, 1024))
def test_any_snippet_is_one_safe_line_within_its_limit(marked: str, limit: int) -> None:
    line = snippet_line(snippet_of("body", marked), limit)

    assert len(line) <= limit and "\n" not in line
    assert split_spoilers(line)[2]  # every spoiler opened is closed
    assert "@everyone" not in line and "@here" not in line


def test_the_correction_is_said_word_for_word() -> None:
    assert corrections_text([]) is None
    assert corrections_text([Correction("greif", "grief")]) == (
        "Showing results for *grief* (you typed *greif*)"
    )
    assert corrections_text([Correction("greif", "grief"), Correction("gost", "ghost")]) == (
        "Showing results for *grief* and *ghost* (you typed *greif* and *gost*)"
    )


def test_no_match_is_one_line_naming_the_query_escaped() -> None:
    assert no_discoveries_text("*ghost*\n  @here") == (
        "No review says anything matching “\\*ghost\\* @\u200bhere”."
    )
    assert no_discoveries_text("ghost", filters="genre: Drama") == (
        "No review says anything matching “ghost” among the films matching genre: Drama."
    )


def test_a_page_lists_rank_title_score_verdict_and_snippet() -> None:
    hits = (
        SearchHit(
            Review(title="Heat", year=1995, score=9.0, verdict="Masterpiece", id=1),
            snippet_of("body", f"a {mark('heist')} film"),
        ),
        SearchHit(Review(title="Blank", year=2001, score=None, id=2), None),
    )
    page = SearchPage(hits, total=12, page=1, page_size=10)

    embed = discover_embed(page, "heist", filters="decade: 1990s")

    assert embed.title == "Reviews about “heist”"
    assert [(field.name, field.value) for field in embed.fields] == [
        ("11. Heat (1995) — 9/10 · Masterpiece", "a **heist** film"),
        ("12. Blank (2001) — unscored", NO_TEXT),
    ]
    assert embed.footer.text == "Page 2/2 · 12 reviews · decade: 1990s"
    capped = SearchPage(hits, total=1000, page=0, page_size=10, counted_to_cap=True)
    assert discover_embed(capped, "heist").footer.text == "Page 1/100 · 1,000 or more reviews"


@settings(max_examples=max_examples(100))
@given(
    title=hostile_text(),
    verdict=hostile_text(max_parts=4),
    query=hostile_text(),
    text=st.text(min_size=400, max_size=2000),
)
def test_a_page_of_ten_long_hostile_results_stays_within_discords_limits(
    title: str, verdict: str, query: str, text: str
) -> None:
    review = Review(title=title * 20 or "x", year=2000, score=5.0, verdict=verdict * 10, id=1)
    hits = tuple(SearchHit(review, snippet_of("body", mark(text))) for _ in range(10))

    embed = discover_embed(SearchPage(hits, 10, 0, 10, relaxed=True), query * 50)

    assert_within_discord_limits(embed)
