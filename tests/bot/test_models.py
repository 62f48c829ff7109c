"""The review record: field validation, list splitting, filters and reports."""

from __future__ import annotations

import math
import time
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.models import (
    CONTENT_FIELDS,
    AuditEntry,
    FieldChange,
    ImportReport,
    ReviewDraft,
    ReviewFilters,
)
from bot.validation import (
    MAX_LIST_ITEMS,
    NO_SUBSTANCE,
    ValidationError,
    canonical_field_name,
    review_from_fields,
    validate_field,
)

BASE = {"title": "Heat", "year": 1995}


def build(**changes: Any) -> ReviewDraft:
    return review_from_fields({**BASE, **changes})


def problems_for(**changes: Any) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        review_from_fields({**BASE, **changes})
    return caught.value.problems


# -- score -----------------------------------------------------------------------


def test_score_above_ten_is_rejected_with_the_value() -> None:
    assert problems_for(score=11) == {"score": "score must be between 0 and 10, got 11"}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("11", "score must be between 0 and 10, got 11"),
        (10.5, "score must be between 0 and 10, got 10.5"),
        ("12/10", "score must be between 0 and 10, got 12"),
        (-1, "score must be between 0 and 10, got -1"),
        ("-0.5", "score must be between 0 and 10, got -0.5"),
        (1e300, "score must be between 0 and 10, got 1e+300"),
        (float("nan"), "score must be a number between 0 and 10, got 'nan'"),
        (float("inf"), "score must be a number between 0 and 10, got 'inf'"),
        ("-inf", "score must be a number between 0 and 10, got '-inf'"),
        ("NaN", "score must be a number between 0 and 10, got 'NaN'"),
        ("1" * 400, "score must be a number between 0 and 10, got '" + "1" * 59 + "…'"),
        ("nine", "score must be a number between 0 and 10, got 'nine'"),
        ("9.5 stars", "score must be a number between 0 and 10, got '9.5 stars'"),
        (True, "score must be a number, got True"),
        ([9], "expected text, got list"),
    ],
)
def test_invalid_score_is_rejected_with_a_message_naming_it(value: Any, message: str) -> None:
    assert problems_for(score=value) == {"score": message}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("9.5", 9.5),
        ("9.5/10", 9.5),
        ("9.5 / 10", 9.5),
        ("9,5", 9.5),
        (7, 7.0),
        ("0", 0.0),
        (10, 10.0),
        (8.26, 8.3),
        ("  6.0  ", 6.0),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_score_accepts_common_spellings_and_rounds_to_one_decimal(
    value: Any, expected: float | None
) -> None:
    assert build(score=value).score == expected


def test_negative_zero_score_is_stored_as_plain_zero() -> None:
    # Regression: round(-0.0, 1) keeps the sign, so the bot would show "-0.0/10".
    score = build(score="-0").score
    assert score == 0
    assert math.copysign(1.0, score) == 1.0


# -- year and runtime ------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1869, "year must be between 1870 and 2100, got 1869"),
        (2101, "year must be between 1870 and 2100, got 2101"),
        ("1700", "year must be between 1870 and 2100, got 1700"),
        (-2000, "year must be between 1870 and 2100, got -2000"),
        (1995.5, "year must be a whole number, got '1995.5'"),
        ("nineteen", "year must be a whole number, got 'nineteen'"),
        (float("nan"), "year must be a whole number, got 'nan'"),
        (float("inf"), "year must be a whole number, got 'inf'"),
        (True, "year must be a whole number, got True"),
        ("", "year is required"),
        (None, "year is required"),
    ],
)
def test_invalid_year_is_rejected_with_the_reason(value: Any, message: str) -> None:
    assert problems_for(year=value) == {"year": message}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1870, 1870),
        (2100, 2100),
        ("1995", 1995),
        (" 2001 ", 2001),
        (2016.0, 2016),
        ("2016.0", 2016),
    ],
)
def test_year_bounds_are_inclusive_and_text_is_accepted(value: Any, expected: int) -> None:
    assert build(year=value).year == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "runtime must be between 1 and 100000, got 0"),
        (-90, "runtime must be between 1 and 100000, got -90"),
        (100001, "runtime must be between 1 and 100000, got 100001"),
        ("90 minutes", "runtime must be a whole number, got '90 minutes'"),
        (90.5, "runtime must be a whole number, got '90.5'"),
    ],
)
def test_invalid_runtime_is_rejected_with_the_reason(value: Any, message: str) -> None:
    assert problems_for(runtime=value) == {"runtime": message}


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", None), (None, None), ("90", 90), (1, 1), (1000, 1000), (5220, 5220), (100000, 100000)],
)
def test_runtime_is_optional_and_bounded(value: Any, expected: int | None) -> None:
    assert build(runtime=value).runtime == expected


def outcome(name: str, value: Any) -> Any:
    """The value a field is stored as, or the message it is refused with."""
    try:
        return validate_field(name, value)
    except ValidationError as error:
        return error.problems


@given(
    name=st.sampled_from(["year", "runtime", "score"]),
    number=st.one_of(
        st.integers(min_value=-(10**30), max_value=10**30),
        st.integers(min_value=-20, max_value=120_000),
        st.floats(allow_nan=True, allow_infinity=True),
        st.floats(min_value=-1, max_value=11),
    ),
)
def test_a_number_is_read_as_its_text_is(name: str, number: float) -> None:
    """JSON numbers take a shorter path than text; it must end the same way."""
    assert outcome(name, number) == outcome(name, str(number))


# -- title and text fields -------------------------------------------------------


def test_missing_title_and_year_are_both_reported() -> None:
    with pytest.raises(ValidationError) as caught:
        review_from_fields({"score": 5})
    assert caught.value.problems == {"title": "title is required", "year": "year is required"}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "title must not be empty"),
        ("   ", "title must not be empty"),
        ("\u200b\u200b", "title must not be empty"),
        (None, "title must not be empty"),
        ("Two\nLines", "title must be one line"),
        ("x" * 201, "title must be at most 200 characters, got 201"),
        ({"a": 1}, "expected text, got dict"),
    ],
)
def test_invalid_title_is_rejected_with_the_reason(value: Any, message: str) -> None:
    assert problems_for(title=value) == {"title": message}


def test_title_at_the_limit_is_accepted_and_trimmed() -> None:
    assert build(title="  " + "x" * 200 + "  ").title == "x" * 200


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("He\u200bat", "Heat"),
        ("\ufeffHeat", "Heat"),
        ("Heat\u200d", "Heat"),
        ("\u202eHeat\u202c", "Heat"),
        ("\u2066Heat\u2069", "Heat"),
        ("He\u0000at\u0007", "Heat"),
        ("\u200e\u200fHeat", "Heat"),
    ],
)
def test_zero_width_and_bidi_control_characters_are_stripped(raw: str, clean: str) -> None:
    assert build(title=raw).title == clean


@pytest.mark.parametrize("invisible", ["\u2060", "\u2063", "\u061c", "\u00ad"])
def test_other_invisible_format_characters_are_stripped_from_titles(invisible: str) -> None:
    # Regression: WORD JOINER, INVISIBLE SEPARATOR, ARABIC LETTER MARK (a bidi
    # control) and SOFT HYPHEN must be stripped, or "He\u2060at" is stored as a
    # different title that looks identical to "Heat".
    assert build(title=f"He{invisible}at").title == "Heat"


def test_line_endings_are_normalised_in_long_text() -> None:
    # Regression: clean_text must turn "\r" into "\n" before stripping control
    # characters, or a bare carriage return glues two lines together ("twothree").
    assert build(body="one\r\ntwo\rthree\n").body == "one\ntwo\nthree"


def test_markdown_mentions_and_sql_are_kept_as_plain_text() -> None:
    text = "**bold** @everyone <@123> '; DROP TABLE reviews; --"
    review = build(verdict_text=text, tagline=text)
    assert review.verdict_text == text
    assert review.tagline == text


@pytest.mark.parametrize(
    ("name", "limit"),
    [
        ("verdict", 300),
        ("reviewer", 300),
        ("tagline", 3000),
        ("verdict_text", 4000),
        ("body", 100_000),
    ],
)
def test_text_fields_have_length_limits_named_in_the_message(name: str, limit: int) -> None:
    assert build(**{name: "x" * limit}).content()[name] == "x" * limit
    assert problems_for(**{name: "x" * (limit + 1)}) == {
        name: f"{name} must be at most {limit} characters, got {limit + 1}"
    }


def test_numbers_given_for_text_fields_become_text() -> None:
    review = build(title=1917, verdict=10)
    assert (review.title, review.verdict) == ("1917", "10")


# -- URLs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "ftp://example.com/review",
        "javascript:alert(1)",
        "https://",
        "example.com/review",
        "http://exa mple.com",
        "file:///etc/passwd",
    ],
)
@pytest.mark.parametrize("name", ["review_url", "poster_url"])
def test_links_that_are_not_http_are_rejected(name: str, value: str) -> None:
    problems = problems_for(**{name: value})
    assert list(problems) == [name]
    assert problems[name].startswith(f"{name} must be an http(s) link")


@pytest.mark.parametrize("value", ["https://example.com/a\nb", "https://example.com/a\tb"])
def test_links_with_whitespace_inside_are_rejected(value: str) -> None:
    # Regression: only " " was checked, but urlparse silently drops tabs/newlines,
    # so the raw text with the control character was stored and broke Discord embeds.
    assert list(problems_for(review_url=value)) == ["review_url"]


def test_malformed_ipv6_link_is_a_problem_for_that_field_not_a_crash() -> None:
    assert list(problems_for(poster_url="http://[::1/poster.jpg")) == ["poster_url"]


def test_overlong_link_is_rejected() -> None:
    url = "https://example.com/" + "a" * 2000
    assert problems_for(review_url=url) == {
        "review_url": "review_url must be at most 2000 characters"
    }


@pytest.mark.parametrize(
    "value", ["https://example.com/review", "http://example.com/r?id=1&x=%20", "  https://e.x/a  "]
)
def test_http_links_are_accepted(value: str) -> None:
    assert build(review_url=value).review_url == value.strip()


def test_empty_link_is_allowed() -> None:
    assert build(review_url="", poster_url=None).poster_url == ""


# -- lists -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field_name", "value", "expected"),
    [
        (
            "cast",
            "Al Pacino, Robert De Niro, Val Kilmer",
            ("Al Pacino", "Robert De Niro", "Val Kilmer"),
        ),
        ("cast", "Al Pacino; Robert De Niro", ("Al Pacino", "Robert De Niro")),
        ("cast", "Al Pacino | Robert De Niro", ("Al Pacino", "Robert De Niro")),
        ("cast", "Al Pacino\nRobert De Niro", ("Al Pacino", "Robert De Niro")),
        ("cast", "Pacino, Al; De Niro, Robert", ("Pacino, Al", "De Niro, Robert")),
        ("cast", "Sammy Davis Jr., Frank Sinatra", ("Sammy Davis Jr.", "Frank Sinatra")),
        (
            "cast",
            "Sammy Davis, Jr., Frank Sinatra, Dean Martin",
            ("Sammy Davis, Jr.", "Frank Sinatra", "Dean Martin"),
        ),
        ("cast", "Robert Downey, Jr", ("Robert Downey, Jr",)),
        ("cast", "Louis Gossett, JR., Ann Doe", ("Louis Gossett, JR.", "Ann Doe")),
        ("cast", "Ken Griffey, Sr., Ann Doe", ("Ken Griffey, Sr.", "Ann Doe")),
        ("cast", "Ann Doe, Srinivas Rao", ("Ann Doe", "Srinivas Rao")),
        ("cast", "Al Pacino, al pacino, AL PACINO", ("Al Pacino",)),
        ("cast", "Al Pacino;; ;Val Kilmer;", ("Al Pacino", "Val Kilmer")),
        ("cast", " , , Al Pacino , ", ("Al Pacino",)),
        ("cast", ["Al Pacino", "", None, "  Val Kilmer  "], ("Al Pacino", "Val Kilmer")),
        ("cast", ("A, B",), ("A, B",)),
        ("genres", "Crime, Drama", ("Crime", "Drama")),
        ("directors", "Joel Coen; Ethan Coen", ("Joel Coen", "Ethan Coen")),
        ("aliases", "Dark Knight, The", ("Dark Knight, The",)),
        ("aliases", "Dark Knight, The; TDK", ("Dark Knight, The", "TDK")),
        ("aliases", "Godfather 2 | Godfather, Part II", ("Godfather 2", "Godfather, Part II")),
        ("aliases", "", ()),
        ("aliases", None, ()),
    ],
)
def test_lists_split_on_semicolons_before_commas(
    field_name: str, value: Any, expected: tuple[str, ...]
) -> None:
    assert getattr(build(**{field_name: value}), field_name) == expected


@pytest.mark.parametrize(
    ("field_name", "value", "message"),
    [
        ("cast", 5, "cast must be a list of names, got int"),
        ("cast", {"a": 1}, "cast must be a list of names, got dict"),
        ("cast", [["nested"]], "expected text, got list"),
        ("cast", ["x" * 301], "each of cast must be at most 300 characters"),
        ("genres", ["x" * 61], "each of genres must be at most 60 characters"),
        ("aliases", ["x" * 201], "each of aliases must be at most 200 characters"),
    ],
)
def test_invalid_lists_are_rejected_with_the_reason(
    field_name: str, value: Any, message: str
) -> None:
    assert problems_for(**{field_name: value}) == {field_name: message}


def test_a_list_over_the_item_limit_is_rejected_naming_the_limit() -> None:
    names = [f"Actor {n}" for n in range(MAX_LIST_ITEMS + 1)]
    problems = problems_for(cast=names)
    assert problems["cast"].startswith(f"cast may hold at most {MAX_LIST_ITEMS} entries")


def test_a_list_at_the_item_limit_is_accepted() -> None:
    names = [f"Actor {n}" for n in range(MAX_LIST_ITEMS)]
    assert build(cast=names).cast == tuple(names)


def test_a_name_spanning_two_lines_is_rejected() -> None:
    # Regression: list items given as a JSON array could keep embedded newlines;
    # the CSV exporter then wrote a cell that the reader split into two names.
    assert list(problems_for(cast=["Al\nPacino"])) == ["cast"]


def test_a_huge_cast_list_is_rejected_quickly() -> None:
    # Regression: de-duplication rebuilt a set per item (quadratic) and the
    # 500-entry limit was only checked after the whole list, so one hostile
    # import blocked the event loop for seconds to minutes.
    names = [f"Actor {n}" for n in range(10_000)]
    started = time.perf_counter()
    assert list(problems_for(cast=names)) == ["cast"]
    assert time.perf_counter() - started < 1.0


# -- field names -----------------------------------------------------------------


def test_unknown_field_is_named_in_the_problem() -> None:
    assert problems_for(colour="red") == {"colour": "unknown field 'colour'"}


def test_unknown_field_may_be_ignored_on_request() -> None:
    review = review_from_fields({**BASE, "colour": "red"}, ignore_unknown=True)
    assert review.title == "Heat"


def test_bookkeeping_fields_are_ignored_not_rejected() -> None:
    review = review_from_fields({**BASE, "id": 7, "scope": 99, "created_at": "then"}, scope=5)
    # A draft has no id or created_at at all (only the store gives them): read as unset.
    unset = (getattr(review, "id", None), review.scope, getattr(review, "created_at", ""))
    assert unset == (None, 5, "")


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("Director", "directors"),
        ("Directed By", "directors"),
        ("directed-by", "directors"),
        ("  Rating ", "score"),
        ("Runtime Minutes", "runtime"),
        ("Also Known As", "aliases"),
        ("Verdict Label", "verdict"),
        ("Summary", "verdict_text"),
        ("Review", "body"),
        ("Critic", "reviewer"),
        ("Link", "review_url"),
        ("Image", "poster_url"),
        ("TITLE", "title"),
        ("colour", "colour"),
    ],
)
def test_friendly_field_names_map_to_ours(raw: str, canonical: str) -> None:
    assert canonical_field_name(raw) == canonical


def test_every_bad_field_is_reported_at_once() -> None:
    with pytest.raises(ValidationError) as caught:
        review_from_fields({"title": "", "year": "x", "score": 11, "review_url": "ftp://a"})
    assert set(caught.value.problems) == {"title", "year", "score", "review_url"}
    assert str(caught.value).startswith("title: title must not be empty; year: ")


def test_validate_field_uses_the_same_rules_and_names_the_field() -> None:
    assert validate_field("Rating", "9/10") == 9.0
    assert validate_field("cast", "A; B") == ("A", "B")
    with pytest.raises(ValidationError) as caught:
        validate_field("score", "11")
    assert caught.value.problems == {"score": "score must be between 0 and 10, got 11"}
    with pytest.raises(ValidationError) as caught:
        validate_field("Colour", "red")
    assert caught.value.problems == {"colour": "unknown field 'Colour'"}


# -- the record ------------------------------------------------------------------


def test_content_holds_only_written_fields_as_json_values() -> None:
    review = review_from_fields({**BASE, "cast": "A, B"}, scope=3)
    content = review.content()
    assert tuple(content) == CONTENT_FIELDS
    assert content["cast"] == ["A", "B"]
    assert "scope" not in content and "id" not in content


def test_display_title_and_replacing_a_field_leaves_the_original() -> None:
    review = build()
    assert review.display_title == "Heat (1995)"
    changed = replace(review, score=9.0)
    assert (changed.score, review.score) == (9.0, None)


def test_audit_entry_lists_changed_content_fields_in_order() -> None:
    before = build(score=8).content()
    after = build(score=9, verdict="Essential").content()
    entry = AuditEntry(1, 2, None, 3, "edit", "now", before, after)
    assert entry.changed_fields() == ["score", "verdict"]
    created = AuditEntry(1, 2, None, 3, "create", "now", None, after)
    assert "title" in created.changed_fields()


# -- filters and reports ---------------------------------------------------------


def test_filters_with_nothing_set_are_inactive() -> None:
    assert ReviewFilters().active() == {}


def test_active_filters_keep_declaration_order_and_count_zero_as_set() -> None:
    filters = ReviewFilters(max_runtime=120, min_score=0.0, genre="Drama", year_from=1990)
    assert list(filters.active().items()) == [
        ("min_score", 0.0),
        ("year_from", 1990),
        ("genre", "Drama"),
        ("max_runtime", 120),
    ]


@pytest.mark.parametrize(
    ("report", "summary"),
    [
        (
            ImportReport(added=2, updated=1, unchanged=4),
            "Imported 7 review(s): 2 added, 1 updated, 4 unchanged.",
        ),
        (
            ImportReport(added=3, dry_run=True),
            "Dry run: would import 3 review(s): 3 added, 0 updated, 0 unchanged.",
        ),
        (ImportReport(), "Imported 0 review(s): 0 added, 0 updated, 0 unchanged."),
    ],
)
def test_import_report_summary(report: ImportReport, summary: str) -> None:
    assert report.summary() == summary
    assert report.total == report.added + report.updated + report.unchanged


@pytest.mark.parametrize("title", ["\u0301\u0302", "\u200b\u0301", " \u034f ", "\u20dd"])
def test_a_title_of_only_invisible_or_combining_characters_is_refused(title: str) -> None:
    assert problems_for(title=title)["title"] in {
        "title must hold a visible character (letter, digit or sign)",
        "title must not be empty",
    }


def test_a_title_with_combining_marks_on_letters_is_kept() -> None:
    assert review_from_fields({"title": "Ame\u0301lie", "year": 2001}).title == "Ame\u0301lie"


def test_every_ggplot2movies_runtime_is_valid() -> None:
    for minutes in (1100, 2880, 5220):
        assert review_from_fields({"title": "Long", "year": 1999, "runtime": minutes}).runtime


def test_numbers_are_echoed_as_typed_and_long_ones_elided() -> None:
    assert problems_for(year="1e5")["year"] == "year must be between 1870 and 2100, got 1e5"
    assert "9…" in problems_for(year="9" * 5000)["year"]
    assert len(problems_for(year="9" * 5000)["year"]) < 120


def test_a_complete_review_needs_a_score_a_verdict_or_verdict_text() -> None:
    with pytest.raises(ValidationError) as refused:
        review_from_fields({"title": "Heat", "year": 1995}, complete=True)
    assert refused.value.problems == {"verdict": NO_SUBSTANCE}
    for field, value in (("score", 7), ("verdict", "Good"), ("verdict_text", "Fine.")):
        assert review_from_fields({"title": "Heat", "year": 1995, field: value}, complete=True)


def test_identity_is_the_title_as_written_not_its_normalised_key() -> None:
    def identity(title: str, url: str = "") -> str:
        return review_from_fields({"title": title, "year": 2000, "review_url": url}).identity

    assert identity("Puzzle, El") != identity("Puzzle, The")
    assert identity("The Heat!") != identity("Heat")
    assert identity("HEAT ") == identity("heat")
    assert identity("Heat", "https://a.example/1") != identity("Heat", "https://a.example/2")


def test_audit_entry_lists_each_change_with_its_old_and_new_value() -> None:
    before = {"title": "Heat", "score": 8.0, "genres": ["Crime"]}
    after = {"title": "Heat", "score": 9.3, "genres": ["Crime", "Drama"]}
    entry = AuditEntry(1, 2, None, 3, "edit", "now", before, after)
    assert entry.changes() == [
        FieldChange("score", 8.0, 9.3),
        FieldChange("genres", ["Crime"], ["Crime", "Drama"]),
    ]


def test_audit_entry_counts_the_fields_a_new_review_brought() -> None:
    after = {
        "title": "Heat",
        "year": 1995,
        "score": 8.0,
        "cast": [],
        "tagline": "",
        "runtime": None,
    }
    assert AuditEntry(1, 2, None, None, "import", "now", None, after).filled_fields() == 3
