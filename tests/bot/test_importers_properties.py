"""Property tests: importers and validation hold up against arbitrary input."""

from __future__ import annotations

import csv
import io
import json
import math
import string
from typing import Any

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from bot.formats import json_reader
from bot.formats.export import export_csv, export_json
from bot.formats.spreadsheet import FORMULA_START, neutralise, unneutralise
from bot.importers import FORMATS, ImportFailed, parse_reviews
from bot.models import CONTENT_FIELDS, LIST_FIELDS, ReviewDraft
from bot.validation import (
    FIELD_ALIASES,
    MAX_BODY,
    MAX_LIST_ITEMS,
    MAX_RUNTIME_MINUTES,
    MAX_SHORT_TEXT,
    MAX_TITLE_LENGTH,
    MAX_VERDICT_TEXT,
    MAX_YEAR,
    MIN_YEAR,
    ValidationError,
    review_from_fields,
)
from tests.conftest import max_examples
from tests.text_checks import has_invisible

PROPERTY_SETTINGS = settings(
    max_examples=max_examples(300),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

NASTY_STRINGS = [
    "",
    " ",
    "\u200b",
    "\u202eevil\u202c",
    "\u2066x\u2069",
    "\ufeff",
    "🎬🍿",
    "👨\u200d👩\u200d👧",
    "'; DROP TABLE reviews; --",
    '" OR 1=1 --',
    "@everyone",
    "<@123456789012345678>",
    "**bold** __u__ `code` ||spoiler||",
    "[link](https://evil.example)",
    "\x00\x01\x1f",
    "\r\n",
    "a\nb",
    "9.5 /10",
    "11 /10",
    "NaN",
    "inf",
    "-0",
    "1e309",
    "Jr.",
    ", Jr.",
    "a;b|c,d",
    "x" * 5000,
]

nasty_text = st.one_of(
    st.sampled_from(NASTY_STRINGS),
    st.text(max_size=60),
    st.text(alphabet=st.sampled_from(list("abc ,;|\n\r\"'\u200b\u202e0123456789./-")), max_size=40),
)
numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -0.0, 10, 10.04, 10.05, 1869, 1870, 2100, 2101, 1000, 1001]),
)
raw_values = st.one_of(
    st.none(),
    st.booleans(),
    nasty_text,
    numbers,
    st.lists(st.one_of(nasty_text, st.none(), st.integers()), max_size=8),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
)
field_names = st.one_of(
    st.sampled_from(CONTENT_FIELDS),
    st.sampled_from(sorted(FIELD_ALIASES)),
    st.sampled_from(["id", "scope", "created_at", "Title", " YEAR ", "Directed By"]),
    st.text(max_size=12),
)


def assert_respects_limits(review: ReviewDraft) -> None:
    text_limits = {
        "title": MAX_TITLE_LENGTH,
        "tagline": MAX_SHORT_TEXT * 10,
        "verdict": MAX_SHORT_TEXT,
        "verdict_text": MAX_VERDICT_TEXT,
        "body": MAX_BODY,
        "reviewer": MAX_SHORT_TEXT,
        "review_url": 2000,
        "poster_url": 2000,
    }
    for name, limit in text_limits.items():
        value = getattr(review, name)
        assert isinstance(value, str)
        assert len(value) <= limit
        assert value == value.strip()
        assert not has_invisible(value), (name, value)
        assert "\r" not in value
    assert review.title
    assert "\n" not in review.title
    assert type(review.year) is int and MIN_YEAR <= review.year <= MAX_YEAR
    assert review.runtime is None or (
        type(review.runtime) is int and 1 <= review.runtime <= MAX_RUNTIME_MINUTES
    )
    if review.score is not None:
        assert isinstance(review.score, float)
        assert math.isfinite(review.score)
        assert 0 <= review.score <= 10
        assert round(review.score, 1) == review.score
    for url in (review.review_url, review.poster_url):
        assert url == "" or url.startswith(("http://", "https://"))
    item_limits = {"directors": 300, "cast": 300, "genres": 60, "aliases": MAX_TITLE_LENGTH}
    for name in LIST_FIELDS:
        items = getattr(review, name)
        assert isinstance(items, tuple)
        assert len(items) <= MAX_LIST_ITEMS
        folded = [item.casefold() for item in items]
        assert len(set(folded)) == len(folded)
        for item in items:
            assert isinstance(item, str)
            assert item and item == item.strip()
            assert len(item) <= item_limits[name]
            assert not has_invisible(item)


# -- review_from_fields ------------------------------------------------------------


@PROPERTY_SETTINGS
@given(raw=st.dictionaries(field_names, raw_values, max_size=10))
def test_review_from_fields_either_rejects_or_respects_every_limit(raw: dict[Any, Any]) -> None:
    try:
        review = review_from_fields(raw, ignore_unknown=True)
    except ValidationError as error:
        assert error.problems
        assert all(isinstance(text, str) and text for text in error.problems.values())
        return
    assert_respects_limits(review)


@PROPERTY_SETTINGS
@given(
    title=nasty_text,
    year=st.one_of(numbers, nasty_text),
    extra=st.dictionaries(st.sampled_from(CONTENT_FIELDS), raw_values, max_size=6),
)
def test_review_from_fields_with_a_title_and_year_never_crashes(
    title: Any, year: Any, extra: dict[str, Any]
) -> None:
    try:
        review = review_from_fields({**extra, "title": title, "year": year})
    except ValidationError as error:
        assert set(error.problems) <= set(CONTENT_FIELDS)
        return
    assert_respects_limits(review)


# -- parse_reviews on arbitrary text -----------------------------------------------

PAGE_LINES = [
    "Skip to main content",
    "",
    "2023",
    "1870",
    "2100",
    "1869",
    "A Title",
    '"A tagline."',
    "“Curly tagline”",
    '"',
    "A Title poster",
    "  • 105 minutes",
    "  • 1h 45m",
    "  • 0 minutes",
    "  • 99999 minutes",
    "  • Directed by A and B",
    "  • Directed by",
    "  • One, Two, Three",
    "•",
    "⏱ 5-minute read",
    "Scene from A Title",
    "Scene from ",
    "9.5 /10",
    "11 /10",
    "99 /10",
    "0,5 /10",
    "Masterpiece",
    "Keep Exploring...",
]
page_text = st.lists(st.one_of(st.sampled_from(PAGE_LINES), st.text(max_size=30)), max_size=40).map(
    "\n".join
)

CSV_TOKENS = [
    ",",
    '"',
    '""',
    "\n",
    "\r\n",
    "title",
    "year",
    "score",
    "Name",
    "Year",
    "Rating",
    "Letterboxd URI",
    "1995",
    "4.5",
    "0.4",
    "nan",
    "11",
    "Heat",
    "Jr.",
    ";",
    "|",
]
csv_text = st.one_of(
    st.lists(st.one_of(st.sampled_from(CSV_TOKENS), st.text(max_size=10)), max_size=60).map(
        "".join
    ),
    st.lists(
        st.lists(st.one_of(st.sampled_from(CSV_TOKENS), st.text(max_size=8)), max_size=6).map(
            ",".join
        ),
        max_size=8,
    ).map(lambda rows: "\n".join(["title,year,score,cast", *rows])),
    st.lists(
        st.lists(st.one_of(st.sampled_from(CSV_TOKENS), st.text(max_size=8)), max_size=6).map(
            ",".join
        ),
        max_size=8,
    ).map(lambda rows: "\n".join(["Date,Name,Year,Letterboxd URI,Rating,Review", *rows])),
)

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20))
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(st.sampled_from(CONTENT_FIELDS), st.text(max_size=6)), children, max_size=5
        ),
    ),
    max_leaves=20,
)
json_text = st.one_of(
    json_values.map(json.dumps),
    st.lists(
        st.dictionaries(st.sampled_from(CONTENT_FIELDS), json_scalars, max_size=8), max_size=4
    ).map(json.dumps),
    st.builds(lambda text, cut: text[:cut], json_values.map(json.dumps), st.integers(0, 200)),
)
any_text = st.one_of(st.text(), page_text, csv_text, json_text)


def assert_only_import_failed(text: str, *, filename: str, fmt: str | None) -> None:
    try:
        reviews = parse_reviews(text, filename=filename, fmt=fmt)
    except ImportFailed as error:
        assert error.problems
        assert str(error).startswith(f"{filename}: nothing imported: ")
        return
    assert reviews
    for review in reviews:
        assert_respects_limits(review)


@PROPERTY_SETTINGS
@given(text=any_text, fmt=st.sampled_from(FORMATS))
def test_parse_reviews_raises_only_import_failed_for_each_format(text: str, fmt: str) -> None:
    assert_only_import_failed(text, filename="upload.dat", fmt=fmt)


@PROPERTY_SETTINGS
@given(text=page_text)
def test_page_parser_raises_only_import_failed_on_page_like_text(text: str) -> None:
    assert_only_import_failed(text, filename="page.txt", fmt=None)


@PROPERTY_SETTINGS
@given(text=csv_text)
@example(text="title,year\rHeat,1995\r")  # regression: bare "\r" made detect_format raise
def test_csv_and_letterboxd_detection_raise_only_import_failed(text: str) -> None:
    assert_only_import_failed(text, filename="upload.csv", fmt=None)


@PROPERTY_SETTINGS
@given(text=json_text)
def test_json_parser_raises_only_import_failed(text: str) -> None:
    assert_only_import_failed(text, filename="upload.json", fmt=None)


# -- export then parse gives the same reviews ---------------------------------------

# List items must not contain the list separators; a lone name with a comma is
# covered by test_csv_round_trip_keeps_a_single_name_that_contains_a_comma.
name_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters=";|,\n\r"),
    min_size=1,
    max_size=30,
)
alias_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters=";|\n\r"),
    min_size=1,
    max_size=40,
)
one_line = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"),
    min_size=1,
    max_size=80,
)
long_text = st.text(max_size=300)
links = st.one_of(
    st.just(""),
    st.builds(
        lambda host, path: f"https://{host}.example/{path}",
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12),
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_/?=&%.", max_size=30),
    ),
)
valid_raw_reviews = st.fixed_dictionaries(
    {
        "title": one_line,
        "year": st.integers(MIN_YEAR, MAX_YEAR),
    },
    optional={
        "tagline": long_text,
        "directors": st.lists(name_text, max_size=4),
        "cast": st.lists(name_text, max_size=6),
        "runtime": st.one_of(st.none(), st.integers(1, 1000)),
        "score": st.one_of(st.none(), st.floats(0, 10)),
        "verdict": one_line,
        "verdict_text": long_text,
        "body": long_text,
        "reviewer": one_line,
        "review_url": links,
        "poster_url": links,
        "genres": st.lists(name_text.map(lambda name: name[:60]), max_size=4),
        "aliases": st.lists(alias_text, max_size=4),
    },
)


def valid_reviews(raws: list[dict[str, Any]]) -> list[ReviewDraft]:
    reviews = []
    for raw in raws:
        try:
            reviews.append(review_from_fields(raw))
        except ValidationError:
            assume(False)
    # One export holds one scope, where no two reviews share an identity.
    assume(len({review.identity for review in reviews}) == len(reviews))
    return reviews


@PROPERTY_SETTINGS
@given(raws=st.lists(valid_raw_reviews, min_size=1, max_size=4))
def test_json_export_then_parse_gives_equal_content(raws: list[dict[str, Any]]) -> None:
    reviews = valid_reviews(raws)
    again = parse_reviews(export_json(reviews), filename="export.json")
    assert [review.content() for review in again] == [review.content() for review in reviews]


@PROPERTY_SETTINGS
@given(raws=st.lists(valid_raw_reviews, min_size=1, max_size=4))
def test_csv_export_then_parse_gives_equal_content(raws: list[dict[str, Any]]) -> None:
    reviews = valid_reviews(raws)
    again = parse_reviews(export_csv(reviews), filename="export.csv")
    assert [review.content() for review in again] == [review.content() for review in reviews]


@PROPERTY_SETTINGS
@given(cell=st.text())
def test_a_neutralised_cell_never_starts_a_formula_and_comes_back_unchanged(cell: str) -> None:
    written = neutralise(cell)
    assert not written.startswith(tuple(FORMULA_START))
    assert unneutralise(written) == cell


@PROPERTY_SETTINGS
@given(
    start=st.sampled_from([*FORMULA_START, "'", "'=", "''+"]),
    rest=st.text(alphabet=string.ascii_letters + string.digits + "=+-@'|()!;", max_size=20),
)
def test_csv_export_of_formula_like_text_round_trips_and_runs_nothing(
    start: str, rest: str
) -> None:
    [review] = valid_reviews(
        [{"title": f"x{start}{rest}", "year": 2000, "tagline": start + rest, "cast": start + "y"}]
    )
    text = export_csv([review])
    for row in csv.reader(io.StringIO(text, newline="")):
        assert not any(cell.startswith(tuple(FORMULA_START)) for cell in row)
    [again] = parse_reviews(text, filename="export.csv")
    assert again.tagline == review.tagline and again.cast == review.cast


# -- the JSON reader reads a window of the file at a time ------------------------------


@PROPERTY_SETTINGS
@given(
    raws=st.lists(valid_raw_reviews, min_size=1, max_size=6),
    indent=st.sampled_from([None, 0, 2, "\t"]),
    window=st.integers(min_value=1, max_value=40),
)
def test_the_json_reader_gives_the_same_reviews_whatever_its_window(
    raws: list[dict[str, Any]], indent: int | str | None, window: int
) -> None:
    """Items, strings and numbers cut at any point by the reader's window come out whole."""
    text = json.dumps(raws, indent=indent, ensure_ascii=False)
    whole = _outcome(text)
    original = json_reader.JSON_READ_CHARS
    json_reader.JSON_READ_CHARS = window
    try:
        assert _outcome(text) == whole
    finally:
        json_reader.JSON_READ_CHARS = original


def _outcome(text: str) -> list[ReviewDraft] | list[str]:
    """The reviews of a JSON text, or the problems it was refused for."""
    try:
        return parse_reviews(text, filename="films.json")
    except ImportFailed as failed:
        return failed.problems
