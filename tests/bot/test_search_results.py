"""Snippets cut from an engine's marked text, and the nearest vocabulary word for a typo."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.matching.spelling import closest_word, max_edits, nearest_stems
from bot.search_results import (
    MATCH_END,
    MATCH_START,
    SNIPPET_CHARS,
    SNIPPET_WORDS,
    SearchPage,
    best_snippet,
    snippet_of,
)
from tests.conftest import max_examples
from tests.reliability.checks import hostile_text


def mark(word: str) -> str:
    return f"{MATCH_START}{word}{MATCH_END}"


# -- snippets ----------------------------------------------------------------------------------


def test_the_window_holds_the_most_distinct_matched_words_with_context_before() -> None:
    filler = " ".join(f"w{n}" for n in range(60))
    text = f"{mark('grief')} {filler} and then a {mark('ghost')} in {mark('London')} {filler}"
    snippet = snippet_of("body", text)
    assert snippet is not None
    assert snippet.matched_words == ["ghost", "London"]
    assert snippet.text.startswith("w59 and then a ghost in London")  # CONTEXT_WORDS before
    assert len(snippet.text.split()) == SNIPPET_WORDS
    assert snippet.cut_before and snippet.cut_after


def test_a_short_field_is_shown_whole_on_one_line() -> None:
    snippet = snippet_of("verdict_text", f"A {mark('quiet')}\n\nfilm  about\tloss.")
    assert snippet is not None
    assert snippet.text == "A quiet film about loss."
    assert [(part.text, part.matched) for part in snippet.parts] == [
        ("A ", False),
        ("quiet", True),
        (" film about loss.", False),
    ]
    assert not snippet.cut_before and not snippet.cut_after


def test_a_phrase_is_marked_as_one_stretch_and_a_long_word_is_cut() -> None:
    snippet = snippet_of("body", f"{mark('andrew scott')} is {'x' * 300}")
    assert snippet is not None
    assert snippet.parts[0].text == "andrew scott" and snippet.parts[0].matched
    assert len(snippet.text) == SNIPPET_CHARS and snippet.cut_after


def test_spoiler_delimiters_go_and_their_words_are_flagged() -> None:
    snippet = snippet_of("body", f"Fine. ||The {mark('ghost')} was\nhim.|| The end.")
    assert snippet is not None
    assert snippet.text == "Fine. The ghost was him. The end."
    assert [(part.text, part.matched, part.spoiler) for part in snippet.parts] == [
        ("Fine. ", False, False),
        ("The ", False, True),
        ("ghost", True, True),
        (" was him.", False, True),
        (" The end.", False, False),
    ]


def test_the_field_matching_most_distinct_words_gives_the_snippet() -> None:
    fields = {
        "verdict_text": f"A {mark('ghost')} story, a {mark('ghost')} again.",
        "body": f"The {mark('ghost')} of {mark('London')}.",
        "tagline": "",
    }
    snippet = best_snippet(fields)
    assert snippet is not None and snippet.field == "body"
    fields["body"] = "Nothing."
    snippet = best_snippet(fields)
    assert snippet is not None and snippet.field == "verdict_text"
    unmatched = best_snippet({"verdict_text": "", "body": "Plain text.", "tagline": "Tag."})
    assert unmatched is not None and unmatched.field == "body" and not unmatched.matched_words
    assert best_snippet({"verdict_text": " ", "body": "", "tagline": ""}) is None


def test_a_page_counts_its_pages() -> None:
    assert [SearchPage((), total, 0, 10).pages for total in (0, 1, 10, 11, 1000)] == [
        1,
        1,
        1,
        2,
        100,
    ]


MARKED = st.lists(
    st.one_of(hostile_text(max_parts=4), st.sampled_from(["||", "\n\n", " ", "word"])).map(
        lambda part: part.replace(MATCH_START, "").replace(MATCH_END, "")
    )
    | st.text(min_size=1, max_size=12).map(mark),
    max_size=40,
).map("".join)


def squashed(text: str) -> str:
    return re.sub(r"[\s|]", "", text)


@settings(max_examples=max_examples(1000))
@given(marked=MARKED)
def test_any_marked_text_gives_one_bounded_line_of_its_own_words(marked: str) -> None:
    snippet = snippet_of("body", marked)
    plain = re.sub(f"[{MATCH_START}{MATCH_END}]", "", marked)
    if snippet is None:
        assert not squashed(plain)
        return
    assert "\n" not in snippet.text and len(snippet.text) <= SNIPPET_CHARS
    assert len(snippet.text.split()) <= SNIPPET_WORDS
    assert squashed(snippet.text) in squashed(plain)  # its own words, in order
    assert all(part.text for part in snippet.parts)


# -- typos -------------------------------------------------------------------------------------

VOCABULARY = [
    ("grief", 40),
    ("haunt", 12),
    ("stori", 90),
    ("happi", 30),
    ("ghost", 70),
    ("host", 200),
    ("london", 25),
    ("lonely", 5),
]


@pytest.mark.parametrize(
    ("typed", "stem"),
    [
        ("greif", "grief"),  # two letters swapped: one slip
        ("hauntng", "haunt"),  # haunt + ing, a letter left out
        ("storeis", "stori"),  # stories, its i read back from the stem
        ("hapyness", "happi"),  # happiness
        ("londn", "london"),
        ("Lóndon", "london"),  # accents fold away first
    ],
)
def test_a_typo_is_matched_to_the_stem_of_the_word_meant(typed: str, stem: str) -> None:
    assert nearest_stems(typed, VOCABULARY)[0][0] == stem


def test_equally_near_stems_go_by_how_many_reviews_hold_them() -> None:
    assert nearest_stems("gost", VOCABULARY) == [("host", 1), ("ghost", 1)]


def test_short_words_numbers_and_far_words_are_not_corrected() -> None:
    assert [max_edits(word) for word in ("cat", "2049", "gost", "grief", "haunted")] == [
        0,
        0,
        1,
        1,
        2,
    ]
    assert nearest_stems("cat", VOCABULARY) == []
    assert nearest_stems("xylophone", VOCABULARY) == []


def test_the_word_shown_is_the_written_form_nearest_what_was_typed() -> None:
    assert closest_word("storeis", ["story", "Stories", "stories", "storied"]) == "stories"
    assert closest_word("hauntng", ["haunted", "Haunting"]) == "haunting"
    assert closest_word("x", []) is None


@given(typed=st.text(max_size=30))
def test_any_typed_word_gets_at_most_a_few_candidates_within_its_budget(typed: str) -> None:
    found = nearest_stems(typed, VOCABULARY)
    assert len(found) <= 3 and all(edits <= max(1, max_edits(typed)) for _, edits in found)
