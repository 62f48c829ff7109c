"""The terminal shows a review card the way a member reads it in Discord."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from rich.console import Console

from bot.embeds import full_review_pages, review_embed
from bot.labels import review_choice_label
from bot.models import Review
from bot.render import render_message, unescape

STRANGERS = Review(
    title="All of Us Strangers",
    year=2023,
    tagline="A love story haunted by the past.",
    directors=("Andrew Haigh",),
    cast=("Andrew Scott", "Paul Mescal", "Jamie Bell", "Claire Foy", "Carter Grout", "Ami Tredrea"),
    runtime=105,
    score=9.5,
    verdict="Masterpiece",
    verdict_text="A tender ghost story about grief.",
    body="Adam visits the house he grew up in.\n\nHis parents are there.",
    reviewer="Mina Okafor",
    review_url="https://reviews.example/strangers",
    poster_url="https://img.example/strangers.jpg",
    id=42,
    created_at="2024-01-31T20:15:00+00:00",
)


def rendered(
    message: dict[str, Any], *, ephemeral: bool = False
) -> tuple[list[str], dict[int, str]]:
    """The printed lines (trailing spaces dropped) and the number → action map."""
    file = io.StringIO()
    console = Console(file=file, width=100, color_system=None)
    numbering: dict[int, str] = {}
    render_message(console, message, numbering=numbering, ephemeral=ephemeral)
    return [line.rstrip() for line in file.getvalue().splitlines()], numbering


def card(review: Review = STRANGERS) -> list[str]:
    lines, _ = rendered({"embeds": [review_embed(review).to_dict()]})
    return lines


# -- the review card ---------------------------------------------------------------------


def test_card_shows_title_then_review_link() -> None:
    lines = card()
    assert lines[0] == "▌ All of Us Strangers (2023)"
    assert lines[1] == "▌ https://reviews.example/strangers"


def test_card_shows_tagline_text() -> None:
    assert any("A love story haunted by the past." in line for line in card())


def test_card_shows_inline_facts_as_name_and_value() -> None:
    lines = card()
    assert "▌ Director: Andrew Haigh" in lines
    assert "▌ Runtime: 1h 45m" in lines
    assert "▌ Score: 9.5/10 ▰▰▰▰▰▰▰▰▰▰" in lines


def test_card_shows_block_fields_indented_under_their_names() -> None:
    lines = card()
    cast = lines.index("▌ Cast:")
    assert (
        lines[cast + 1]
        == "▌   Andrew Scott, Paul Mescal, Jamie Bell, Claire Foy, Carter Grout and 1 more"
    )
    verdict = lines.index("▌ Verdict:")
    assert lines[verdict + 1 : verdict + 3] == [
        "▌   Masterpiece",
        "▌   A tender ghost story about grief.",
    ]


@pytest.fixture
def in_tokyo(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process's local time zone is Tokyo's (UTC+9) for the test."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_card_shows_poster_and_footer_last_with_the_date_in_local_time(in_tokyo: None) -> None:
    lines = card()
    assert lines[-2:] == [
        "▌ poster: https://img.example/strangers.jpg",
        # Stored 2024-01-31 20:15 UTC: the next morning in Tokyo.
        "▌ Reviewed by Mina Okafor · #42 · 1 February 2024",
    ]


@pytest.mark.parametrize(
    ("style", "shown"),
    [
        ("D", "1 February 2024"),
        ("d", "01/02/2024"),
        ("f", "1 February 2024 05:15"),
        ("F", "Thursday, 1 February 2024 05:15"),
        ("t", "05:15"),
        ("T", "05:15:00"),
        ("R", "1 February 2024 05:15"),
    ],
)
def test_discord_timestamps_read_as_local_dates(in_tokyo: None, style: str, shown: str) -> None:
    lines, _ = rendered({"embeds": [{"description": f"edited <t:1706732100:{style}> by x"}]})
    assert lines == [f"▌ edited {shown} by x"]


def test_timestamps_in_content_and_field_values_read_as_dates(in_tokyo: None) -> None:
    embed = {"fields": [{"name": "When <t:1706732100>", "value": "<t:1706732100>"}]}
    lines, _ = rendered({"content": "at <t:1706732100:D>", "embeds": [embed]})
    # Discord renders tags in text and values only: a field name shows the tag as typed.
    assert lines == ["at 1 February 2024", "▌ When <t:1706732100>:", "▌   1 February 2024 05:15"]


@pytest.mark.parametrize("tag", ["<t:99999999999999:D>", "<t:abc:D>", "<t:1706732100:Q>"])
def test_a_timestamp_tag_that_is_no_time_stays_as_typed(tag: str) -> None:
    lines, _ = rendered({"embeds": [{"description": tag}]})
    assert lines == [f"▌ {tag}"]


@pytest.mark.parametrize(
    "text",
    [
        "**bold**",
        "__under__",
        "`code`",
        "~~gone~~",
        "# heading",
        "- item",
        "[link](http://x)",
        "Jamie_Bell",
        "back\\slash",
        "pipe | and || pipes",
        "@everyone <@123> <@&5>",
    ],
)
@pytest.mark.parametrize("where", ["title", "cast", "verdict", "verdict_text"])
def test_escaped_text_reads_as_written(where: str, text: str) -> None:
    value: Any = (text,) if where == "cast" else text
    shown = "\n".join(card(replace(STRANGERS, **{where: value})))
    assert text in shown


def test_unescape_undoes_escaping_and_drops_bold_markers() -> None:
    assert unescape(r"**Masterpiece** \*\*not bold\*\* \_x\_ \\ \# \> \[a](b)") == (
        r"Masterpiece **not bold** _x_ \ # > [a](b)"
    )


def test_full_review_page_shows_each_paragraph() -> None:
    page = full_review_pages(STRANGERS)[0]
    lines, _ = rendered({"embeds": [page.to_dict()]})
    assert lines == [
        "▌ All of Us Strangers (2023) — full review",
        "▌ Adam visits the house he grew up in.",
        "▌",
        "▌ His parents are there.",
    ]


def test_ephemeral_message_says_only_you_can_see_it() -> None:
    lines, _ = rendered({"content": "Saved \\*draft\\*."}, ephemeral=True)
    assert lines == ["(only you can see this)", "Saved *draft*."]


# -- buttons and select menus ------------------------------------------------------------

BUTTONS_AND_SELECT: dict[str, Any] = {
    "embeds": [review_embed(STRANGERS).to_dict()],
    "components": [
        {
            "type": 1,
            "components": [
                {"type": 2, "style": 2, "label": "Read full review", "custom_id": "full:ab12"},
                {"type": 2, "style": 1, "label": "Next", "custom_id": "next", "disabled": True},
            ],
        },
        {
            "type": 1,
            "components": [
                {
                    "type": 3,
                    "custom_id": "pick",
                    "placeholder": "Did you mean…",
                    "options": [
                        {"label": "All of Us Strangers (2023)", "value": "42"},
                        {"label": "Strangers (1991)", "value": "7"},
                    ],
                }
            ],
        },
    ],
}


def test_buttons_and_options_are_numbered_in_order() -> None:
    lines, numbering = rendered(BUTTONS_AND_SELECT)
    assert lines[-5:] == [
        "  [1] Read full review",
        "  [2] Next (disabled)",
        "  Did you mean…:",
        "  [3] All of Us Strangers (2023)",
        "  [4] Strangers (1991)",
    ]
    assert numbering == {
        1: "button:full:ab12",
        2: "button:next",
        3: "select:pick:42",
        4: "select:pick:7",
    }


def test_numbering_continues_across_messages() -> None:
    file = io.StringIO()
    console = Console(file=file, width=100, color_system=None)
    numbering: dict[int, str] = {}
    render_message(console, BUTTONS_AND_SELECT, numbering=numbering)
    render_message(console, BUTTONS_AND_SELECT, numbering=numbering)
    assert sorted(numbering) == list(range(1, 9))
    assert numbering[5] == "button:full:ab12"


def test_link_button_never_shares_a_number_with_another_control() -> None:
    message = {
        "components": [
            {
                "type": 1,
                "components": [
                    {"type": 2, "style": 5, "label": "Letterboxd", "url": "https://lb.example"},
                    {"type": 2, "style": 2, "label": "Read full review", "custom_id": "full:ab12"},
                ],
            }
        ]
    }
    lines, numbering = rendered(message)
    text = "\n".join(lines)
    shown = [int(n) for n in re.findall(r"\[(\d+)\]", text)]
    assert len(shown) == len(set(shown)), f"numbers shown twice: {lines}"
    assert "Letterboxd" in text
    full = re.search(r"\[(\d+)\] Read full review", text)
    assert full is not None
    assert numbering[int(full.group(1))] == "button:full:ab12"


def test_emoji_only_button_is_labelled_by_its_emoji() -> None:
    message = {
        "components": [
            {"type": 1, "components": [{"type": 2, "emoji": {"name": "🎲"}, "custom_id": "again"}]}
        ]
    }
    lines, numbering = rendered(message)
    assert lines == ["  [1] 🎲"]
    assert numbering == {1: "button:again"}


async def test_review_view_controls_render_numbered() -> None:
    from bot.views import ReviewView

    async def load(review_id: int) -> Review | None:
        return None

    other = Review(title="Strangers", year=1991, id=7)
    view = ReviewView(1, STRANGERS, load=load, alternatives=[other])
    lines, numbering = rendered(
        {"embeds": [review_embed(STRANGERS).to_dict()], "components": view.to_components()}
    )
    view.stop()
    assert "  [1] Read full review" in lines
    select_id = view.children[-1].custom_id  # type: ignore[attr-defined]
    assert select_id.startswith("own:")
    assert numbering == {
        1: "button:review:full:42",
        2: f"select:{select_id}:42",
        3: f"select:{select_id}:7",
    }
    assert f"  [2] {review_choice_label(STRANGERS)}" in lines
    assert f"  [3] {review_choice_label(other)}" in lines
