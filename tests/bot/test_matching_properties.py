"""Property tests: matching never breaks on whatever text members paste."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.matching import (
    LATEST_YEAR,
    MAX_YEAR,
    MIN_YEAR,
    ScopedTitleIndex,
    TitleIndex,
    normalize_title,
    split_year,
)
from bot.matching.index import bulk_gram_pairs, gram_codes
from bot.matching.normalize import numbers
from bot.matching.scoring import WordCounts, words_agree
from tests.conftest import max_examples

# Characters that have broken text handling before: zero-width and joiner
# characters, direction overrides, combining marks, emoji sequences, a BOM,
# ligatures and compatibility forms that expand under NFKD, dotted capital I.
TRICKY = [
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\u202e",
    "\u202d",
    "\u2066",
    "\u0301",
    "\u0308",
    "\u0336",
    "\u20dd",
    "😀",
    "👨‍👩‍👧",
    "🇫🇷",
    "\ufeff",
    "ﷺ",
    "Ⅻ",
    "ß",
    "İ",
    "ﬃ",
    "Ａ",
    "\x00",
    "\t",
    "\n",
    "&",
    "'",
    "’",
    ",",
    " ",
    "The ",
    ", The",
    " II",
    " (1995)",
]
messy_text = st.lists(st.one_of(st.characters(), st.sampled_from(TRICKY)), max_size=60).map("".join)
# 100 kB and more, built by repetition: generating it character by character
# would be far too slow.
huge_text = st.tuples(messy_text.filter(bool), st.integers(100_000, 120_000)).map(
    lambda pair: (pair[0] * (pair[1] // len(pair[0]) + 1))[: pair[1]]
)
any_text = st.one_of(messy_text, huge_text)
invisible = st.sampled_from(["\u200b", "\u200d", "\u2060", "\u202e", "\u202c", "\ufeff", "\u00ad"])
plain_title = st.text(string.ascii_letters + string.digits + " '&:-,.!", min_size=1, max_size=40)

CATALOG = [
    (1, "Dark Knight, The", 2008),
    (2, "Amélie", 2001),
    (3, "Heat", 1995),
    (4, "Heat", 1986),
    (5, "The Godfather Part II", 1974),
    (6, "WALL·E", 2008),
    (7, "Eternal Sunshine of the Spotless Mind", 2004),
    (8, "$", 1971),
]


@pytest.fixture(scope="module")
def index() -> TitleIndex:
    built = TitleIndex()
    built.add_many(CATALOG)
    return built


@given(any_text)
@settings(max_examples=max_examples(150))
def test_normalize_never_raises_and_leaves_single_spaces(text: str) -> None:
    key = normalize_title(text)
    assert key == " ".join(key.split())


@given(plain_title, st.lists(st.tuples(st.integers(0, 40), invisible), max_size=6))
@settings(max_examples=max_examples(200))
def test_invisible_characters_never_change_a_key(
    title: str, insertions: list[tuple[int, str]]
) -> None:
    disguised = title
    for position, char in insertions:
        disguised = disguised[:position] + char + disguised[position:]
    assert normalize_title(disguised) == normalize_title(title)


@given(plain_title)
@settings(max_examples=max_examples(200))
def test_case_never_changes_a_key(title: str) -> None:
    assert normalize_title(title.upper()) == normalize_title(title.lower())


@given(any_text)
@settings(max_examples=max_examples(150))
def test_split_year_never_raises_and_only_returns_plausible_years(text: str) -> None:
    title, year = split_year(text)
    if year is not None:
        assert MIN_YEAR <= year <= MAX_YEAR
        assert title
        assert text.strip().startswith(title)
        assert str(year) in text


letters_title = st.text(string.ascii_letters + " ", min_size=1, max_size=30).filter(str.strip)
year_shapes = st.sampled_from(["{} ({})", "{} {}", "{} [{}]", "{}, {}", "{} - {}", "{}({}) "])


@given(letters_title, st.integers(MIN_YEAR, LATEST_YEAR), year_shapes)
@settings(max_examples=max_examples(150))
def test_split_year_recovers_a_plausible_year_appended_to_a_title(
    title: str, year: int, shape: str
) -> None:
    assert split_year(shape.format(title, year)) == (title.strip(), year)


@given(letters_title, st.integers(LATEST_YEAR + 1, 9999), year_shapes)
@settings(max_examples=max_examples(100))
def test_split_year_reads_a_number_no_film_can_have_yet_as_part_of_the_title(
    title: str, number: int, shape: str
) -> None:
    text = shape.format(title, number)
    assert split_year(text) == (text.strip(), None)


@given(st.text(string.digits + " ()[],-", max_size=40), st.integers(MIN_YEAR, LATEST_YEAR))
@settings(max_examples=max_examples(100))
def test_split_year_never_takes_digits_of_a_longer_number(prefix: str, year: int) -> None:
    text = f"{prefix}{year}"
    _, found = split_year(text)
    if prefix[-1:].isdigit():
        assert found is None


@given(st.text(st.characters(), max_size=50), st.integers(1, 99), st.integers(1, 99))
@settings(max_examples=max_examples(100))
def test_titles_that_differ_only_in_a_number_never_agree(title: str, n: int, m: int) -> None:
    key = normalize_title(f"Film {title}")
    if n == m or not key:
        return
    assert numbers(f"{key} {n}") != numbers(f"{key} {m}")
    assert not words_agree(f"{key} {n}", f"{key} {m}", WordCounts())


@given(st.integers(1, 999), st.integers(1, 999))
@settings(max_examples=max_examples(60))
def test_a_sequel_number_the_catalog_lacks_is_never_an_exact_card(held: int, asked: int) -> None:
    index = TitleIndex()
    index.add(1, f"Rocky Road {held}", 1990)
    found = index.search(f"rocky road {asked}")
    if held != asked:
        assert found == [] or not found[0].exact
    else:
        assert found[0].exact


@given(any_text, st.integers(0, 30))
@settings(
    max_examples=max_examples(150), suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_search_never_raises_and_respects_limit_and_score_range(
    index: TitleIndex, text: str, limit: int
) -> None:
    found = index.search(text, limit=limit)
    assert len(found) <= limit
    assert len({match.review_id for match in found}) == len(found)
    assert all(0.0 <= match.score <= 100.0 for match in found)
    assert [m.score for m in found] == sorted((m.score for m in found), reverse=True)


@given(any_text, st.integers(0, 30))
@settings(
    max_examples=max_examples(150), suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_complete_never_raises_and_respects_limit_and_score_range(
    index: TitleIndex, text: str, limit: int
) -> None:
    found = index.complete(text, limit=limit)
    assert len(found) <= limit
    assert len({match.review_id for match in found}) == len(found)
    assert all(0.0 <= match.score <= 100.0 for match in found)


@given(messy_text.filter(lambda text: normalize_title(text) != ""))
@settings(max_examples=max_examples(200))
def test_any_title_finds_itself(title: str) -> None:
    index = TitleIndex()
    index.add(1, "Heat", 1995)
    index.add(2, title, 2000)
    assert 2 in [match.review_id for match in index.search(title)]


@given(st.lists(st.tuples(messy_text, st.booleans()), max_size=25))
@settings(max_examples=max_examples(60))
def test_removed_titles_never_come_back(entries: list[tuple[str, bool]]) -> None:
    scoped = ScopedTitleIndex()
    for review_id, (title, in_guild) in enumerate(entries):
        scoped.add(review_id, title, 2000, scope=7 if in_guild else None)
    removed = set(range(0, len(entries), 2))
    for review_id in removed:
        scoped.remove(review_id)
    assert len(scoped) == len(entries) - len(removed)
    for title, _ in entries:
        found = scoped.search(title, 7, limit=50) + scoped.complete(title, 7, limit=50)
        assert not removed & {match.review_id for match in found}


@given(messy_text)
@settings(max_examples=max_examples(200))
def test_query_trigrams_are_exactly_the_indexed_trigrams(text: str) -> None:
    # Removal and lookup depend on the two trigram paths agreeing.
    key = normalize_title(text)
    codes, owners = bulk_gram_pairs([key], [0])
    assert set(codes.tolist()) == gram_codes(key)
    assert set(owners.tolist()) <= {0}


@pytest.mark.parametrize(
    "unit", ["a", "\u200b", "\u202e", "\u0301", "😀", "ﷺ", "The ", "heat 1995 ", "é\u200d"]
)
def test_a_100_kb_query_is_answered_without_error(index: TitleIndex, unit: str) -> None:
    text = unit * (100_000 // len(unit))
    for found in (index.search(text), index.complete(text)):
        assert all(0.0 <= match.score <= 100.0 for match in found)
    assert isinstance(normalize_title(text), str)
    assert split_year(text)[1] in (None, 1995)
