"""The review card, its full-review pages and every other embed the bot lays out."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import discord
import pytest

from bot.cards import Kind
from bot.embeds import (
    CAST_SHOWN,
    CHART_FILE,
    EXCERPT_LIMIT,
    describe_filters,
    describe_options,
    format_names,
    format_runtime,
    format_score,
    full_review_pages,
    history_pages,
    lookup_text,
    no_match_text,
    only_film_text,
    paginate_text,
    plain,
    ranked_list_embed,
    review_embed,
    safe_text,
    score_bar,
    score_colour,
    shared_text,
    similar_embed,
    stats_embed,
)
from bot.labels import review_choice_label
from bot.models import AuditEntry, CatalogStats, Review, ReviewDraft, ReviewFilters
from tests.embed_checks import assert_within_discord_limits, split_spoilers

STRANGERS = Review(
    title="All of Us Strangers",
    year=2023,
    tagline="A love story haunted by the past.",
    directors=("Andrew Haigh",),
    cast=(
        "Andrew Scott",
        "Paul Mescal",
        "Jamie Bell",
        "Claire Foy",
        "Carter John Grout",
        "Ami Tredrea",
        "Peter McDonald",
    ),
    runtime=105,
    score=9.5,
    verdict="Masterpiece",
    verdict_text="A tender ghost story about grief and the parents we never got to know.",
    body="Adam visits the house he grew up in.\n\nHis parents are there, exactly as they were.",
    reviewer="Mina Okafor",
    review_url="https://reviews.example/all-of-us-strangers",
    poster_url="https://img.example/strangers.jpg",
    genres=("Drama", "Romance"),
    id=42,
    created_at="2024-01-31T20:15:00+00:00",
)

# A paragraph of distinct words, so order and completeness can be checked word by word.
NUMBERED_WORDS = [f"w{n:04d}" for n in range(1800)]


# -- helpers ------------------------------------------------------------------------


def field_value(embed: discord.Embed, name: str) -> str:
    values = [field.value for field in embed.fields if field.name == name]
    assert len(values) == 1, f"expected one {name!r} field in {[f.name for f in embed.fields]}"
    return str(values[0])


def unescape(text: str) -> str:
    """Undo markdown escaping: a backslash makes the next character literal."""
    return re.sub(r"\\(.)", r"\1", text, flags=re.DOTALL)


# -- title, description, facts ----------------------------------------------------


def test_title_is_film_and_year_linking_to_review_url() -> None:
    embed = review_embed(STRANGERS)
    assert embed.title == "All of Us Strangers (2023)"
    assert embed.url == "https://reviews.example/all-of-us-strangers"


def test_tagline_is_italic_description() -> None:
    assert review_embed(STRANGERS).description == "*A love story haunted by the past.*"


def test_review_without_tagline_has_no_description() -> None:
    assert review_embed(replace(STRANGERS, tagline="")).description is None


@pytest.mark.parametrize(
    ("directors", "label", "value"),
    [
        (("Andrew Haigh",), "Director", "Andrew Haigh"),
        (("Joel Coen", "Ethan Coen"), "Directors", "Joel Coen, Ethan Coen"),
    ],
)
def test_director_field_names_each_director(
    directors: tuple[str, ...], label: str, value: str
) -> None:
    embed = review_embed(replace(STRANGERS, directors=directors))
    assert field_value(embed, label) == value


def field_names(embed: discord.Embed) -> list[str]:
    return [str(field.name) for field in embed.fields]


@pytest.mark.parametrize(
    ("missing", "field"),
    [
        ({"directors": ()}, "Director"),
        ({"runtime": None}, "Runtime"),
        ({"runtime": 0}, "Runtime"),
        ({"cast": ()}, "Cast"),
        ({"genres": ()}, "Genre"),
        ({"verdict": "", "verdict_text": ""}, "Verdict"),
    ],
)
def test_a_fact_the_review_lacks_has_no_field(missing: dict[str, Any], field: str) -> None:
    embed = review_embed(replace(STRANGERS, **missing))
    assert not {field, field + "s"} & set(field_names(embed))
    assert all("—" not in str(f.value) for f in embed.fields)


def test_a_title_year_and_score_make_a_clean_card() -> None:
    embed = review_embed(Review(title="Aftersun", year=2022, score=8.0, id=7))
    assert embed.title == "Aftersun (2022)"
    assert embed.description is None
    assert [(f.name, f.value) for f in embed.fields] == [("Score", format_score(8.0))]
    assert embed.footer.text == "#7"
    assert "—" not in str(embed.to_dict())


@pytest.mark.parametrize(
    ("genres", "label", "value"),
    [
        (("Drama",), "Genre", "Drama"),
        (("Drama", "Romance", "Fantasy"), "Genres", "Drama · Romance · Fantasy"),
        (("Drama", " ", "Romance"), "Genres", "Drama · Romance"),
        (tuple(f"G{n}" for n in range(8)), "Genres", "G0 · G1 · G2 · G3 · G4 · G5 and 2 more"),
        (("Sci_Fi",), "Genre", r"Sci\_Fi"),
    ],
)
def test_genres_show_on_the_card(genres: tuple[str, ...], label: str, value: str) -> None:
    assert field_value(review_embed(replace(STRANGERS, genres=genres)), label) == value


def test_genres_come_after_the_facts_and_before_the_cast() -> None:
    assert field_names(review_embed(STRANGERS)) == [
        "Director",
        "Runtime",
        "Score",
        "Genres",
        "Cast",
        "Verdict",
    ]


@pytest.mark.parametrize(
    ("size", "expected_tail"),
    [
        (0, None),
        (1, None),
        (5, None),
        (6, " and 1 more"),
        (7, " and 2 more"),
        (200, " and 195 more"),
    ],
)
def test_cast_shows_first_five_then_how_many_more(size: int, expected_tail: str | None) -> None:
    cast = tuple(f"Actor {n}" for n in range(size))
    embed = review_embed(replace(STRANGERS, cast=cast))
    if size == 0:
        assert "Cast" not in field_names(embed)
        return
    value = field_value(embed, "Cast")
    shown = ", ".join(cast[:CAST_SHOWN])
    assert value == shown + (expected_tail or "")


def test_cast_more_count_covers_every_name_cut_for_length() -> None:
    """ "and N more" must count every actor the reader cannot see, not just those past five."""
    # Eight names of about 300 characters each: only three fit in a 1024-character field.
    cast = tuple(" ".join([f"Actor{n}", *["Longname"] * 32]) for n in range(8))
    value = field_value(review_embed(replace(STRANGERS, cast=cast)), "Cast")
    assert len(value) <= 1024
    shown_in_full = sum(1 for name in cast if name in value)
    more = int(re.search(r"and (\d+) more$", value).group(1))  # type: ignore[union-attr]
    assert shown_in_full + more == len(cast)


@pytest.mark.parametrize(
    ("minutes", "shown"),
    [(105, "1h 45m"), (120, "2h"), (45, "45m"), (60, "1h"), (170, "2h 50m")],
)
def test_runtime_reads_as_hours_and_minutes(minutes: int | None, shown: str) -> None:
    assert format_runtime(minutes) == shown
    assert field_value(review_embed(replace(STRANGERS, runtime=minutes)), "Runtime") == shown


@pytest.mark.parametrize("minutes", [None, 0])
def test_unknown_runtime_reads_as_nothing(minutes: int | None) -> None:
    assert format_runtime(minutes) == ""


@pytest.mark.parametrize(
    ("score", "text", "filled"),
    [
        (9.5, "9.5/10", 10),
        (10.0, "10/10", 10),
        (7.0, "7/10", 7),
        (3.2, "3.2/10", 3),
        (0.0, "0/10", 0),
    ],
)
def test_score_field_shows_score_with_compact_bar(score: float, text: str, filled: int) -> None:
    value = field_value(review_embed(replace(STRANGERS, score=score)), "Score")
    assert text in value
    bar = score_bar(score)
    assert bar in value
    assert len(bar) == 10
    assert bar == "▰" * filled + "▱" * (10 - filled)


def test_unscored_review_says_so() -> None:
    assert format_score(None) == "not scored"
    assert field_value(review_embed(replace(STRANGERS, score=None)), "Score") == "not scored"


@pytest.mark.parametrize(
    ("score", "colour"),
    [
        (10.0, discord.Colour.gold()),
        (9.0, discord.Colour.gold()),
        (8.9, discord.Colour.green()),
        (7.5, discord.Colour.green()),
        (7.4, discord.Colour.teal()),
        (6.0, discord.Colour.teal()),
        (5.9, discord.Colour.orange()),
        (4.0, discord.Colour.orange()),
        (3.9, discord.Colour.red()),
        (0.0, discord.Colour.red()),
        (None, discord.Colour.light_grey()),
    ],
)
def test_colour_follows_score_band(score: float | None, colour: discord.Colour) -> None:
    assert score_colour(score) == colour
    assert review_embed(replace(STRANGERS, score=score)).colour == colour


def test_footer_credits_the_reviewer_and_the_embed_carries_the_date() -> None:
    embed = review_embed(STRANGERS)
    assert embed.footer.text == "Reviewed by Mina Okafor · #42"
    # Discord shows the embed timestamp beside the footer, in each reader's time zone.
    assert embed.timestamp == datetime(2024, 1, 31, 20, 15, tzinfo=UTC)
    assert embed.to_dict()["timestamp"] == "2024-01-31T20:15:00+00:00"


def test_footer_without_a_reviewer_names_only_the_review() -> None:
    assert review_embed(replace(STRANGERS, reviewer=" ")).footer.text == "#42"


@pytest.mark.parametrize("created_at", ["", "yesterday", "2024-13-45", "2024-01-31" * 300])
def test_a_stored_time_that_is_not_a_time_gives_no_timestamp(created_at: str) -> None:
    assert review_embed(replace(STRANGERS, created_at=created_at)).timestamp is None


def test_a_time_without_a_zone_is_taken_as_utc() -> None:
    embed = review_embed(replace(STRANGERS, created_at="2024-01-31T20:15:00"))
    assert embed.timestamp == datetime(2024, 1, 31, 20, 15, tzinfo=UTC)


def test_footer_of_unsaved_review_says_preview() -> None:
    embed = review_embed(ReviewDraft(title=STRANGERS.title, year=STRANGERS.year))
    assert embed.footer.text == "preview"
    assert embed.timestamp is None


def test_preview_credits_its_reviewer() -> None:
    draft = ReviewDraft(title="Heat", year=1995, reviewer="moderator")
    assert review_embed(draft).footer.text == "Reviewed by moderator · preview"


def test_footer_keeps_reviewer_name_literally_because_footers_ignore_markdown() -> None:
    footer = review_embed(replace(STRANGERS, reviewer="DJ_Cool **Reviews**")).footer.text
    assert footer is not None
    assert "DJ_Cool **Reviews**" in footer


# -- verdict ---------------------------------------------------------------------


def test_verdict_field_is_bold_label_then_short_text_in_full() -> None:
    value = field_value(review_embed(STRANGERS), "Verdict")
    assert value == f"**Masterpiece**\n{STRANGERS.verdict_text}"


@pytest.mark.parametrize(
    ("verdict", "verdict_text", "expected"),
    [
        ("", "Just the text.", "Just the text."),
        ("Skip", "", "**Skip**"),
    ],
)
def test_verdict_field_with_only_label_or_only_text(
    verdict: str, verdict_text: str, expected: str
) -> None:
    embed = review_embed(replace(STRANGERS, verdict=verdict, verdict_text=verdict_text))
    assert field_value(embed, "Verdict") == expected


def test_no_verdict_field_without_label_or_text() -> None:
    embed = review_embed(replace(STRANGERS, verdict="", verdict_text=""))
    assert "Verdict" not in [field.name for field in embed.fields]


def _excerpt(verdict_text: str) -> str:
    value = field_value(review_embed(replace(STRANGERS, verdict_text=verdict_text)), "Verdict")
    label, _, excerpt = value.partition("\n")
    assert label == "**Masterpiece**"
    return excerpt


@pytest.mark.parametrize(
    "verdict_text",
    [
        " ".join(NUMBERED_WORDS),
        ", ".join(NUMBERED_WORDS),
        " ".join(f"*{word}*" for word in NUMBERED_WORDS),
        "word " * 20_000,  # 100 kB
    ],
    ids=["plain-words", "comma-list", "markdown-words", "100kB"],
)
def test_long_verdict_is_cut_between_words_with_ellipsis(verdict_text: str) -> None:
    excerpt = _excerpt(verdict_text)
    assert len(excerpt) <= EXCERPT_LIMIT
    assert excerpt.endswith("…")
    kept = unescape(excerpt[:-1]).split()
    source = verdict_text.split()
    assert kept == source[: len(kept)]  # whole words only, in order, none cut in half
    assert len(kept) > 10


def test_verdict_cut_at_sentence_end_still_ends_with_ellipsis() -> None:
    sentence = "Every frame of this film aches with a quiet kind of longing."
    excerpt = _excerpt(" ".join([sentence] * 20))
    assert len(excerpt) <= EXCERPT_LIMIT
    assert excerpt.endswith("longing.…"), "a cut excerpt must say it was cut"
    assert (
        unescape(excerpt[:-1]).split()
        == " ".join([sentence] * 20).split()[: len(excerpt[:-1].split())]
    )


def test_verdict_cut_prefers_a_sentence_end_over_a_mid_sentence_word() -> None:
    sentence = "Every frame of this film aches with a quiet kind of longing."
    excerpt = _excerpt(" ".join([sentence] * 20))
    assert excerpt.rstrip("…").endswith("longing.")


# -- links and poster ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://img.example/p.jpg", True),
        ("http://img.example/p.jpg", True),
        ("", False),
        ("ftp://img.example/p.jpg", False),
        ("javascript:alert(1)", False),
        ("data:image/png;base64,iVBORw0KGgo=", False),
        ("/posters/p.jpg", False),
        ("img.example/p.jpg", False),
        ("https://img.example/" + "p" * 2100, False),
    ],
)
def test_poster_is_thumbnail_only_for_http_urls(url: str, shown: bool) -> None:
    embed = review_embed(replace(STRANGERS, poster_url=url))
    assert embed.thumbnail.url == (url if shown else None)


@pytest.mark.parametrize(
    "url", ["ftp://reviews.example/x", "javascript:alert(1)", "reviews.example/x", ""]
)
def test_title_links_only_to_http_review_urls(url: str) -> None:
    assert review_embed(replace(STRANGERS, review_url=url)).url is None


@pytest.mark.parametrize(
    "url", ["https://", "http://", "https:// img.example/p.jpg", "https://img .example/p.jpg"]
)
def test_malformed_http_urls_are_neither_linked_nor_shown(url: str) -> None:
    """Discord rejects the whole message (400 "Not a well formed URL") for such links."""
    embed = review_embed(replace(STRANGERS, poster_url=url, review_url=url))
    assert embed.thumbnail.url is None
    assert embed.url is None


# -- spoilers ---------------------------------------------------------------------


def test_spoiler_in_tagline_stays_behind_spoiler_tags() -> None:
    embed = review_embed(replace(STRANGERS, tagline="Grief, and ||they were ghosts|| all along."))
    outside, inside, balanced = split_spoilers(embed.description or "")
    assert balanced
    assert "ghosts" in inside
    assert "ghosts" not in outside


def test_excerpt_cut_inside_spoiler_keeps_spoiler_closed() -> None:
    text = "The setup is gentle. ||" + " ".join(f"twist{n}" for n in range(300)) + "|| Fine."
    excerpt = _excerpt(text)
    outside, inside, balanced = split_spoilers(excerpt)
    assert balanced
    assert "twist0" in inside
    assert "twist" not in outside
    assert excerpt.endswith("…||")


def test_page_boundary_inside_spoiler_keeps_every_page_balanced() -> None:
    body = (
        " ".join(f"intro{n}" for n in range(500))
        + " ||"
        + " ".join(f"secret{n}" for n in range(1500))
        + "|| "
        + " ".join(f"outro{n}" for n in range(50))
    )
    pages = full_review_pages(replace(STRANGERS, body=body))
    assert len(pages) >= 2
    hidden_words: list[str] = []
    for page in pages:
        outside, inside, balanced = split_spoilers(page.description or "")
        assert balanced
        assert "secret" not in outside
        hidden_words += inside.split()
    assert hidden_words == [f"secret{n}" for n in range(1500)]


def test_spoiler_spanning_paragraphs_stays_hidden() -> None:
    body = "Intro.\n\n||The twist: he was dead all along.\n\nAnd the ending breaks you.||\n\nGo."
    for text in [
        page.description or "" for page in full_review_pages(replace(STRANGERS, body=body))
    ]:
        outside, _, balanced = split_spoilers(text)
        assert balanced
        assert "dead" not in outside
        assert "ending" not in outside


def test_unpaired_pipes_are_escaped_not_spoiler_markers() -> None:
    text = safe_text("a | b || c | d", 100)
    _, inside, balanced = split_spoilers(text)
    assert balanced
    assert inside == ""


# -- Discord limits for any input ----------------------------------------------------

MARKDOWN_SOUP = "**bold** __x__ `code` > quote # heading [link](http://x) ||sp|| ~~s~~ "

EXTREME_REVIEWS = {
    "3000-char tagline": replace(STRANGERS, tagline="Haunting " * 333 + "xyz"),
    "3000-char markdown tagline": replace(STRANGERS, tagline="*_" * 1500),
    "cast of 200": replace(STRANGERS, cast=tuple(f"Actor Number {n}" for n in range(200))),
    "cast of 200 long names": replace(STRANGERS, cast=tuple("N" * 300 for _ in range(200))),
    "100 kB verdict text": replace(STRANGERS, verdict_text="grief " * 17_000),
    "300-char verdict label": replace(STRANGERS, verdict="*" * 300),
    "200 emoji title": replace(STRANGERS, title="🎬" * 200),
    "200 family emoji title": replace(STRANGERS, title="👨‍👩‍👧" * 200),
    "combining marks": replace(STRANGERS, title="e\u0301" * 200, tagline="a\u0300" * 3000),
    "invisible characters": replace(
        STRANGERS, title="\u200b\u202e" * 100, verdict_text="\u200b" * 5000
    ),
    "markdown in every field": replace(
        STRANGERS,
        title=MARKDOWN_SOUP * 3,
        tagline=MARKDOWN_SOUP * 45,
        directors=(MARKDOWN_SOUP * 4,) * 3,
        cast=(MARKDOWN_SOUP * 4,) * 200,
        verdict=MARKDOWN_SOUP * 4,
        verdict_text=MARKDOWN_SOUP * 1500,
        reviewer=MARKDOWN_SOUP * 4,
        created_at=MARKDOWN_SOUP,
    ),
    "everything huge at once": replace(
        STRANGERS,
        title="🎬" * 200,
        tagline="\\|*_`~" * 500,
        directors=("D" * 300,) * 10,
        cast=("C" * 300,) * 300,
        verdict="V" * 300,
        verdict_text="word " * 20_000,
        body="word " * 20_000,
        reviewer="R" * 300,
        created_at="2024-01-31" * 300,
    ),
}


@pytest.mark.parametrize("review", EXTREME_REVIEWS.values(), ids=EXTREME_REVIEWS.keys())
def test_review_embed_respects_discord_limits(review: Review) -> None:
    assert_within_discord_limits(review_embed(review))


@pytest.mark.parametrize("review", EXTREME_REVIEWS.values(), ids=EXTREME_REVIEWS.keys())
def test_full_review_pages_respect_discord_limits(review: Review) -> None:
    for page in full_review_pages(review):
        assert_within_discord_limits(page)


# Long enough escaped tagline + long names push the card past Discord's 6000 total.
CROWDED = replace(
    STRANGERS,
    directors=("D" * 300,) * 4,
    cast=("C" * 300,) * 8,
    verdict="V" * 300,
    verdict_text="word " * 2000,
    reviewer="R" * 300,
)


def test_crowded_card_is_trimmed_to_total_but_tagline_stays_italic() -> None:
    embed = review_embed(replace(CROWDED, tagline="Quietly devastating_stuff " * 150))
    assert len(embed) <= 6000
    description = embed.description or ""
    assert description.startswith("*")
    assert description.endswith("*"), "trimming must not drop the closing italic marker"
    kept = unescape(description.strip("*").rstrip("…")).split()
    source = ("Quietly devastating_stuff " * 150).split()
    assert kept == source[: len(kept)], "trimming must cut between words"


def test_crowded_card_trim_keeps_tagline_spoiler_hidden() -> None:
    tagline = "Hidden: ||" + "se_cret " * 500 + "||"
    embed = review_embed(replace(CROWDED, tagline=tagline))
    assert len(embed) <= 6000
    outside, inside, balanced = split_spoilers(embed.description or "")
    assert balanced, "the closing || was trimmed away, so Discord shows the spoiler"
    assert "se_cret" not in outside
    assert "se_cret" in inside


@pytest.mark.parametrize(
    ("blank", "field", "expected"),
    [
        ({"cast": ("   ",)}, "Cast", None),
        ({"cast": ("\n", "\t")}, "Cast", None),
        ({"directors": (" ",)}, "Director", None),
        ({"verdict": "", "verdict_text": "   "}, "Verdict", None),
        ({"verdict": "  ", "verdict_text": ""}, "Verdict", None),
    ],
    ids=["cast-space", "cast-newline-tab", "director-space", "verdict-text-space", "label-space"],
)
def test_blank_names_or_verdict_read_as_missing(
    blank: dict[str, Any], field: str, expected: str | None
) -> None:
    """Blank text is no text: Discord rejects an empty field value ("This field is required")."""
    embed = review_embed(replace(STRANGERS, **blank))
    values = {str(f.name): str(f.value) for f in embed.fields}
    assert values.get(field) == expected
    assert all(value.strip() for value in values.values())


@pytest.mark.parametrize("limit", [0, 1, 2, 5])
def test_safe_text_never_exceeds_tiny_limits(limit: int) -> None:
    assert len(safe_text("A long sentence that cannot fit.", limit)) <= limit
    assert len(safe_text("||spoiler words here||", limit)) <= limit


# -- markdown and mentions are kept as literal text ---------------------------------

PLACES = {
    "title": (lambda text: replace(STRANGERS, title=text), lambda embed: embed.title),
    "tagline": (lambda text: replace(STRANGERS, tagline=text), lambda embed: embed.description),
    "director": (
        lambda text: replace(STRANGERS, directors=(text,)),
        lambda embed: field_value(embed, "Director"),
    ),
    "cast": (
        lambda text: replace(STRANGERS, cast=(text, "Paul Mescal")),
        lambda embed: field_value(embed, "Cast"),
    ),
    "verdict label": (
        lambda text: replace(STRANGERS, verdict=text),
        lambda embed: field_value(embed, "Verdict"),
    ),
    "verdict text": (
        lambda text: replace(STRANGERS, verdict_text=text),
        lambda embed: field_value(embed, "Verdict"),
    ),
    "full review": (lambda text: replace(STRANGERS, body=text), None),
}


def _shown_in(place: str, text: str) -> str:
    build, read = PLACES[place]
    review = build(text)
    if read is None:
        return "\n".join(page.description or "" for page in full_review_pages(review))
    return str(read(review_embed(review)))


MARKDOWN_ESCAPES = [
    ("**bold**", r"\*\*bold\*\*"),
    ("__x__", r"\_\_x\_\_"),
    ("`code`", r"\`code\`"),
    ("~~gone~~", r"\~\~gone\~\~"),
    ("# heading", r"\# heading"),
    ("- item", r"\- item"),
    ("[link](http://x)", r"\[link](http://x)"),
    ("> quote", r"\> quote"),
    (">>> quote", r"\>>> quote"),
    ("[two words](http://x)", r"\[two words](http://x)"),
]


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize(("markdown", "escaped"), MARKDOWN_ESCAPES)
def test_markdown_is_escaped_so_it_renders_literally(
    place: str, markdown: str, escaped: str
) -> None:
    assert escaped in _shown_in(place, markdown)


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("mention", ["@everyone", "@here", "<@123>", "<@!123>", "<@&5>", "<#7>"])
def test_mention_syntax_is_kept_as_text(place: str, mention: str) -> None:
    assert mention in _shown_in(place, f"ask {mention} now")


def test_plain_collapses_whitespace_to_one_line() -> None:
    assert plain("  Past\n\nLives \t ", 100) == "Past Lives"


# -- full review pages -----------------------------------------------------------------


def test_short_review_is_one_unnumbered_page() -> None:
    pages = full_review_pages(STRANGERS)
    assert len(pages) == 1
    assert pages[0].title == "All of Us Strangers (2023) — full review"
    assert pages[0].description == (
        "Adam visits the house he grew up in.\n\nHis parents are there, exactly as they were."
    )
    assert pages[0].colour == discord.Colour.gold()


@pytest.mark.parametrize(
    ("body", "verdict_text", "shown"),
    [
        (
            "",
            "Only the verdict.",
            "*Only a verdict was written for this film; there is no full review.*\n\n"
            "Only the verdict.",
        ),
        (" \n ", "", "*Nothing more was written about this film than its card shows.*"),
    ],
)
def test_full_review_says_plainly_when_there_is_only_the_verdict_or_nothing(
    body: str, verdict_text: str, shown: str
) -> None:
    pages = full_review_pages(replace(STRANGERS, body=body, verdict_text=verdict_text))
    assert [page.description for page in pages] == [shown]


def test_a_long_verdict_without_a_full_text_is_paged_with_the_note_first() -> None:
    review = replace(STRANGERS, body="", verdict_text=_long_body())
    pages = full_review_pages(review)
    assert len(pages) > 1
    assert (pages[0].description or "").startswith("*Only a verdict was written")
    assert not any("Only a verdict" in (page.description or "") for page in pages[1:])
    for page in pages:
        assert_within_discord_limits(page)
    words = re.findall(r"w\d{4}", "\n".join(page.description or "" for page in pages))
    assert words == NUMBERED_WORDS


def _long_body() -> str:
    paragraphs = [" ".join(NUMBERED_WORDS[i : i + 60]) for i in range(0, len(NUMBERED_WORDS), 60)]
    return "\n\n".join(paragraphs)


def test_long_review_pages_are_numbered_in_titles() -> None:
    pages = full_review_pages(replace(STRANGERS, body=_long_body()))
    assert [page.title for page in pages] == [
        f"All of Us Strangers (2023) — full review ({n}/3)" for n in (1, 2, 3)
    ]


def test_long_review_pages_fit_description_limit() -> None:
    for page in full_review_pages(replace(STRANGERS, body=_long_body())):
        assert 0 < len(page.description or "") <= 4096


def test_long_review_body_is_recoverable_in_order() -> None:
    pages = full_review_pages(replace(STRANGERS, body=_long_body()))
    words = re.findall(r"w\d{4}", "\n".join(page.description or "" for page in pages))
    assert words == NUMBERED_WORDS


def test_escaped_pages_recover_the_original_text() -> None:
    body = "\n\n".join(
        f"Para {n}: **bold** __under__ `code` \\ back|slash ~~x~~ # h > q " * 20 for n in range(12)
    )
    pages = full_review_pages(replace(STRANGERS, body=body))
    assert len(pages) > 1
    recovered = "".join(unescape(page.description or "") for page in pages)
    assert "".join(recovered.split()) == "".join(body.split())


def test_pages_break_at_paragraph_ends() -> None:
    pages = paginate_text(_long_body())
    for page in pages[:-1]:
        last_word = page.split()[-1]
        assert (NUMBERED_WORDS.index(last_word) + 1) % 60 == 0, "page ends mid-paragraph"


def test_page_never_starts_with_a_paragraph_gap() -> None:
    for page in paginate_text(_long_body(), limit=500):
        assert page == page.lstrip()


# -- select labels, filters, lists ---------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Heat", "Heat (1995)"),
        ("  Heat \n ", "Heat (1995)"),
        ("H" * 93, "H" * 93 + " (1995)"),
        ("H" * 94, "H" * 92 + "… (1995)"),
    ],
)
def test_choice_label_is_title_and_year_within_100(title: str, expected: str) -> None:
    label = review_choice_label(ReviewDraft(title=title, year=1995))
    assert label == expected
    assert len(label) <= 100


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (ReviewFilters(), ""),
        (ReviewFilters(min_score=8.0, genre="Drama"), "score ≥ 8 · genre: Drama"),
        (ReviewFilters(cast_member="Paul Mescal"), "cast: Paul Mescal"),
        (ReviewFilters(max_runtime=120), "≤ 120 min"),
        (ReviewFilters(year_from=1990, year_to=1999), "year_from: 1990 · year_to: 1999"),
        (ReviewFilters(director="  Andrew \n Haigh "), "director: Andrew Haigh"),
        (ReviewFilters(verdict="x" * 100), "verdict: " + "x" * 60),
    ],
)
def test_describe_filters_names_each_active_filter(filters: ReviewFilters, expected: str) -> None:
    assert describe_filters(filters) == expected


def test_format_names_escapes_and_counts_the_rest() -> None:
    assert format_names(("A_B", "C*D", "E"), 2) == r"A\_B, C\*D and 1 more"


def test_ranked_list_shows_rank_title_score_and_verdict() -> None:
    reviews = [
        replace(STRANGERS, id=1),
        Review(title="Heat", year=1995, score=None, id=2),
    ]
    embed = ranked_list_embed(
        "Top reviews", reviews, start_rank=11, page=2, pages=3, filters="score ≥ 8"
    )
    assert embed.description == (
        "**11.** All of Us Strangers (2023) — 9.5/10 · Masterpiece\n**12.** Heat (1995) — unscored"
    )
    assert embed.footer.text == "Page 2/3 · score ≥ 8"


def test_empty_ranked_list_says_nothing_here() -> None:
    embed = ranked_list_embed("Top", [], start_rank=1, page=1, pages=1, filters="")
    assert embed.description == "Nothing here."
    assert embed.footer.text == "Page 1/1"


def test_ranked_list_of_ten_extreme_reviews_fits() -> None:
    reviews = [replace(EXTREME_REVIEWS["markdown in every field"], id=n) for n in range(10)]
    assert_within_discord_limits(
        ranked_list_embed("Top", reviews, start_rank=1, page=1, pages=1, filters="x" * 3000)
    )


def test_similar_groups_reasons_by_kind() -> None:
    other = Review(title="Weekend", year=2011, score=8.0, id=7)
    reasons = [("director", "Andrew Haigh"), ("genre", "Drama"), ("genre", "Romance")]
    embed = similar_embed(STRANGERS, [(other, reasons)])
    assert embed.title == "Like All of Us Strangers (2023)"
    assert [(f.name, f.value) for f in embed.fields] == [
        ("Weekend (2011) — 8/10", "same director: Andrew Haigh; same genre: Drama, Romance")
    ]


def test_similar_without_relatives_says_so() -> None:
    embed = similar_embed(STRANGERS, [])
    assert embed.fields == []
    assert "No other review" in (embed.description or "")


def test_similar_with_ten_long_relatives_fits_total_limit() -> None:
    long_names = [("director", "D" * 300), ("cast", "C" * 300), ("cast", "E" * 300)]
    long_names += [("cast", "F" * 300), ("genre", "G" * 60)]
    related = [
        (Review(title="T" * 200, year=2000 + n, score=5.0, id=n), long_names) for n in range(10)
    ]
    assert_within_discord_limits(similar_embed(STRANGERS, related))


def test_stats_shows_counts_average_histogram_and_leaders() -> None:
    stats = CatalogStats(
        total=12,
        score_buckets={9: 4, 7: 2},
        verdicts={"Masterpiece": 4, "Skip": 1},
        top_directors=[("Andrew Haigh", 2)],
        average_score=7.8,
    )
    embed = stats_embed(stats)
    values = {field.name: field.value for field in embed.fields}
    assert values["Reviews"] == "12"
    assert values["Average score"] == "7.8/10"
    assert values["Scores"] == "` 9` " + "█" * 12 + " 4\n` 7` " + "█" * 6 + " 2"
    assert values["Verdicts"] == "Masterpiece (4), Skip (1)"
    assert values["Most-reviewed directors"] == "Andrew Haigh (2)"


def test_stats_of_a_slice_name_it_and_show_the_attached_chart() -> None:
    embed = stats_embed(
        CatalogStats(total=3, score_buckets={8: 3}, average_score=8.2),
        filters="genre: Drama · decade: 1990s",
        chart=True,
    )
    assert embed.description == "genre: Drama · decade: 1990s"
    assert embed.image.url == f"attachment://{CHART_FILE}"
    assert stats_embed(CatalogStats(total=3)).image.url is None


def test_empty_stats_show_dash_average_and_no_breakdowns() -> None:
    embed = stats_embed(CatalogStats(total=0))
    assert [(f.name, f.value) for f in embed.fields] == [("Reviews", "0"), ("Average score", "—")]


def test_stats_with_huge_breakdowns_fit() -> None:
    stats = CatalogStats(
        total=10**6,
        score_buckets={n: 10**5 for n in range(11)},
        verdicts={f"{'*' * 300}{n}": n for n in range(500)},
        top_directors=[("_" * 300, n) for n in range(500)],
        average_score=5.5,
    )
    assert_within_discord_limits(stats_embed(stats))


def _entry(
    n: int,
    action: str = "edit",
    actor: int | None = 99,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    return AuditEntry(
        id=n,
        review_id=42,
        scope=None,
        actor_id=actor,
        action=action,
        at=f"2024-02-{n % 28 + 1:02d}T10:30:00+00:00",
        before={"score": 8.0} if before is None else before,
        after={"score": 9.3} if after is None else after,
    )


def _at(n: int) -> str:
    """The Discord timestamp of _entry(n)."""
    moment = datetime(2024, 2, n % 28 + 1, 10, 30, tzinfo=UTC)
    return f"<t:{int(moment.timestamp())}:f>"


def test_history_shows_who_when_and_each_old_and_new_value_newest_first() -> None:
    added = _entry(1, "add", 99, before={}, after={"title": "All of Us Strangers"})
    added = replace(added, before=None)
    [page] = history_pages(STRANGERS, [added, _entry(2, "edit", 99)])
    assert page.title == "History of All of Us Strangers (2023)"
    assert page.description == (
        f"{_at(2)} · **edited** by <@99>\n• score: 8.0 → 9.3\n\n{_at(1)} · **added** by <@99>"
    )
    assert page.footer.text == "Page 1/1 · 2 changes, newest first"


def test_history_without_a_member_names_the_operator() -> None:
    [page] = history_pages(STRANGERS, [_entry(1, "delete", None, after={})])
    assert page.description == f"{_at(1)} · **deleted** by the operator"


def test_an_import_of_a_new_review_says_how_many_fields_it_brought() -> None:
    after = {"title": "Aftersun", "year": 2022, "score": 8.0, "cast": [], "tagline": ""}
    entry = replace(_entry(1, "import", None, after=after), before=None)
    [page] = history_pages(STRANGERS, [entry])
    assert page.description == f"{_at(1)} · **imported (3 fields)** by the operator"


def test_an_import_over_an_existing_review_lists_what_it_changed() -> None:
    before = {"title": "Heat", "year": 1995, "score": 8.0, "genres": ["Crime"], "runtime": None}
    after = {**before, "score": 9.0, "genres": ["Crime", "Drama"], "runtime": 170}
    [page] = history_pages(STRANGERS, [_entry(1, "import", 5, before=before, after=after)])
    assert (page.description or "").splitlines() == [
        f"{_at(1)} · **imported** by <@5>",
        "• runtime: (empty) → 170",
        "• score: 8.0 → 9.0",
        "• genres: Crime → Crime, Drama",
    ]


def test_long_text_in_history_is_shortened_with_its_length() -> None:
    old, new = "word " * 100, "Quiet_and sure. " * 40
    entry = _entry(1, before={"verdict_text": old}, after={"verdict_text": new})
    [page] = history_pages(STRANGERS, [entry])
    change = (page.description or "").splitlines()[1]
    assert change.startswith("• verdict_text: word word")
    assert "… (500 characters) → Quiet\\_and sure." in change
    assert change.endswith("… (640 characters)")
    assert len(change) < 200


def test_a_spoiler_in_a_changed_value_stays_hidden() -> None:
    entry = _entry(1, before={"tagline": ""}, after={"tagline": "He was ||a ghost|| all along"})
    [page] = history_pages(STRANGERS, [entry])
    outside, inside, balanced = split_spoilers(page.description or "")
    assert balanced
    assert "ghost" in inside
    assert "ghost" not in outside


def test_an_empty_history_says_so() -> None:
    [page] = history_pages(STRANGERS, [])
    assert page.description == "No changes recorded."


def test_a_long_history_is_paged_newest_first_and_every_page_fits() -> None:
    entries = [_entry(n) for n in range(50)]
    pages = history_pages(STRANGERS, entries)
    assert len(pages) == 7  # eight entries a page
    assert (pages[0].description or "").startswith(_at(49))
    assert (pages[-1].description or "").endswith("• score: 8.0 → 9.3")
    shown = "\n\n".join(page.description or "" for page in pages).count("**edited**")
    assert shown == 50
    assert [page.footer.text for page in pages][-1] == "Page 7/7 · 50 changes, newest first"
    for page in pages:
        assert_within_discord_limits(page)


HUGE_VALUES: dict[str, Any] = {
    "title": "🎬" * 200,
    "tagline": "\\|*_`~" * 500,
    "directors": ["D" * 300] * 10,
    "cast": ["C_" * 150] * 500,
    "verdict": "*" * 300,
    "verdict_text": "||word|| " * 2000,
    "body": "word " * 20_000,
    "reviewer": "R" * 300,
    "genres": ["G" * 300] * 50,
    "aliases": ["A" * 300] * 50,
}


def test_history_of_huge_changes_in_every_field_fits_discords_limits() -> None:
    emptied = {name: "" for name in HUGE_VALUES}
    entries = [_entry(n, before=emptied, after=HUGE_VALUES, actor=2**63 - 1) for n in range(40)]
    entries.append(_entry(41, action="*" * 500, after=HUGE_VALUES))
    entries.append(replace(_entry(42, after=HUGE_VALUES), at="not a time " * 50))
    pages = history_pages(STRANGERS, entries)
    for page in pages:
        assert_within_discord_limits(page)
    assert sum((page.description or "").count(" · **") for page in pages) == 42


def test_stats_with_hundreds_of_verdict_labels_lists_whole_labels_within_the_limit() -> None:
    labels = {f"Label*{n}*" + "x" * 40: n for n in range(300)}
    embed = stats_embed(CatalogStats(total=300, verdicts=labels))
    value = next(f.value for f in embed.fields if f.name == "Verdicts")
    assert value is not None and len(value) <= 1024
    assert value.endswith(", …")
    assert all(part.startswith("Label\\*") for part in value.split(", ")[:-1])
    assert_within_discord_limits(embed)


def test_no_card_reply_with_titles_to_offer_asks_did_you_mean() -> None:
    assert no_match_text("annette", offered=True) == "Nothing called “annette” — did you mean:"


def test_no_card_reply_with_nothing_to_offer_says_no_review_matches() -> None:
    text = no_match_text("**qwzx**", offered=False)
    assert text.startswith("No review matches “\\*\\*qwzx\\*\\*”.")


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (Kind.ANSWER, None),
        (Kind.CLOSEST_MATCH, "Closest match for “moonlihgt”:"),
        (Kind.NO_CARD, "Nothing called “moonlihgt” — did you mean:"),
    ],
)
def test_the_reply_to_a_typed_title_says_what_it_shows(kind: Kind, expected: str | None) -> None:
    assert lookup_text(kind, "moonlihgt", offered=True) == expected


def test_a_shared_card_names_the_sharer_with_their_markdown_shown_literally() -> None:
    assert shared_text("sam") == "sam shared this review."
    assert shared_text("**big**  _name_") == "\\*\\*big\\*\\* \\_name\\_ shared this review."


def test_the_only_film_names_the_filters_as_the_empty_pool_message_does() -> None:
    described = describe_options({"director": "nolan", "min_score": 8})
    assert only_film_text(described) == "That's the only film matching director: nolan · score ≥ 8."
    assert only_film_text("") == "That's the only film in the catalog."


# -- /config show ---------------------------------------------------------------------


def _settings(**announcing: Any) -> discord.Embed:
    from bot.embeds import server_config_embed
    from bot.models import Announcements, ServerConfig

    announcements = Announcements(1, 2001, **announcing) if announcing else None
    return server_config_embed(ServerConfig(1, 4001 if announcing else None, announcements))


def test_config_with_nothing_set_says_so_and_names_the_commands() -> None:
    embed = _settings()
    assert field_value(embed, "Moderator role").startswith(
        "None: only members with Manage Server can use /catalog."
    )
    assert "`/config modrole role:`" in field_value(embed, "Moderator role")
    assert field_value(embed, "Announcements") == "Off.\nTurn on: `/config announce channel:`"


def test_config_shows_the_role_and_channel_as_mentions_with_their_commands() -> None:
    embed = _settings(problem=None)
    assert field_value(embed, "Moderator role").startswith("<@&4001>, and members with Manage")
    announce = field_value(embed, "Announcements")
    assert announce.startswith("<#2001>: each newly published review is posted there.")
    assert "`/config announce channel:`" in announce


def test_config_says_announcements_are_paused_and_why() -> None:
    announce = field_value(_settings(problem="that channel no longer exists"), "Announcements")
    assert announce.startswith("<#2001>, **paused**: that channel no longer exists.")
    assert "Resume: `/config announce channel:`" in announce


def test_config_with_a_hostile_problem_text_fits() -> None:
    embed = _settings(problem="**x** @everyone " * 500)
    assert_within_discord_limits(embed)
    assert "@everyone" in field_value(embed, "Announcements")
