"""Hostile import files and settings, straight into the parsers: thousands of examples each.

No Discord here, so these run far more examples than the command tests: every format
reader either returns reviews that respect every documented limit or refuses the file
with :class:`ImportFailed`; every setting either parses or stops start-up with a
one-line :class:`ConfigError` naming the variable.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from bot.config import LOG_LEVELS, ConfigError, load_settings, settings_from_mapping
from bot.importers import ImportFailed, parse_reviews, read_review_file
from bot.models import CONTENT_FIELDS, ReviewDraft
from bot.validation import (
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
from tests.reliability.checks import (
    FRAGMENTS,
    NUMERIC,
    any_text_up_to_100k,
    hostile_text,
    huge_text,
    numbers,
    weighted,
)
from tests.reliability.processes import SETTINGS_VARIABLES
from tests.text_checks import has_invisible

MANY = settings(
    max_examples=max_examples(3000),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

LIST_FIELDS = ("directors", "cast", "genres", "aliases")
TEXT_LIMITS = {
    "title": MAX_TITLE_LENGTH,
    "tagline": MAX_SHORT_TEXT * 10,
    "verdict": MAX_SHORT_TEXT,
    "verdict_text": MAX_VERDICT_TEXT,
    "body": MAX_BODY,
    "reviewer": MAX_SHORT_TEXT,
    "review_url": 2000,
    "poster_url": 2000,
}


def review_problems(review: ReviewDraft) -> list[str]:
    """Every documented limit an accepted review breaks (empty when it is valid)."""
    problems = []
    if not review.title or review.title != review.title.strip() or "\n" in review.title:
        problems.append(f"title {review.title!r} is blank, padded or several lines")
    if not (isinstance(review.year, int) and MIN_YEAR <= review.year <= MAX_YEAR):
        problems.append(f"year {review.year!r}")
    if review.score is not None and not (
        math.isfinite(review.score)
        and 0 <= review.score <= 10
        and round(review.score, 1) == review.score
    ):
        problems.append(f"score {review.score!r}")
    if review.runtime is not None and not 1 <= review.runtime <= MAX_RUNTIME_MINUTES:
        problems.append(f"runtime {review.runtime!r}")
    for name, limit in TEXT_LIMITS.items():
        text = getattr(review, name)
        if len(text) > limit or has_invisible(text):
            problems.append(f"{name} is too long or holds invisible characters")
    for name in ("review_url", "poster_url"):
        url = getattr(review, name)
        if url and (not url.startswith(("http://", "https://")) or any(c.isspace() for c in url)):
            problems.append(f"{name} {url[:60]!r} is not an http(s) link")
    for name in LIST_FIELDS:
        items = getattr(review, name)
        folded = [item.casefold() for item in items]
        if len(items) > MAX_LIST_ITEMS or len(set(folded)) != len(folded):
            problems.append(f"{name} has too many or repeated entries")
        if any(not item or item != item.strip() or "\n" in item for item in items):
            problems.append(f"{name} has a blank, padded or multi-line entry")
        if any(has_invisible(item) for item in items):
            problems.append(f"{name} has an entry with invisible characters")
    return problems


# -- hostile files -------------------------------------------------------------------------
# Files are mostly plausible (a title, a year) with hostile text in every other cell, so
# that both the accepting and the refusing paths run often.

cell = weighted(
    (3, hostile_text(max_parts=6)), (1, st.sampled_from(NUMERIC)), (1, huge_text(100, 2000))
)
title = weighted(
    (3, hostile_text().map(lambda text: "Film " + " ".join(text.split())[:150])), (1, cell)
)
year = weighted((3, st.integers(MIN_YEAR, MAX_YEAR).map(str)), (1, cell))
FREE_TEXT = [
    "tagline",
    "verdict",
    "verdict_text",
    "body",
    "reviewer",
    "director",
    "cast",
    "genres",
    "aliases",
]
column = weighted(
    (4, st.sampled_from(FREE_TEXT)),
    (1, st.sampled_from(CONTENT_FIELDS)),
    (1, hostile_text(max_parts=3)),
)
json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), numbers(), st.integers(), cell),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(cell, inner, max_size=4)),
    max_leaves=3,
)
records = st.lists(
    st.builds(
        lambda known, other: {**other, **known},
        st.fixed_dictionaries({"title": title, "year": year}),
        st.dictionaries(column, cell, max_size=4),
    ),
    min_size=1,
    max_size=5,
)
json_records = st.lists(
    st.builds(
        lambda known, other: {**other, **known},
        st.fixed_dictionaries({"title": title, "year": st.integers(1860, 2110) | year}),
        st.dictionaries(column, weighted((3, cell), (1, json_value)), max_size=4),
    ),
    min_size=1,
    max_size=5,
)


def csv_file(rows: list[dict[str, Any]], quoted: bool) -> str:
    header = list(dict.fromkeys(name for row in rows for name in row))
    if not quoted:  # a raw join: stray quotes, commas and newlines in cells break rows
        lines = [header, *([str(row.get(name, "")) for name in header] for row in rows)]
        return "\n".join(",".join(line) for line in lines)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, header, restval="")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


letterboxd_rows = st.lists(
    st.fixed_dictionaries(
        {
            "Date": st.just("2024-01-01"),
            "Name": title,
            "Year": year,
            "Letterboxd URI": weighted((3, st.just("https://boxd.it/abc")), (1, cell)),
            "Rating": weighted((3, st.sampled_from(["0.5", "2", "3.5", "5"])), (1, cell)),
            "Review": cell,
        }
    ),
    min_size=1,
    max_size=5,
)


def page(year: str, title: str, facts: list[str], body: list[str], verdict: list[str]) -> str:
    return "\n".join(["Skip to main content", year, title, *facts, *body, *verdict])


FACTS = [
    "“A tagline”",
    "• 170 minutes",
    "• Directed by Michael Mann and ||Someone||",
    "• Al Pacino, Robert De Niro",
    "⏱ 5-minute read",
    "Scene from Heat",
]
VERDICT = ["9.5 /10", "7 /10", "11 /10", "Masterpiece", "Keep Exploring...", ""]
pages = st.builds(
    page,
    year,
    title,
    st.lists(weighted((3, st.sampled_from(FACTS)), (1, cell)), max_size=5),
    st.lists(weighted((3, cell), (1, st.just(""))), max_size=8),
    st.lists(weighted((2, st.sampled_from(VERDICT)), (1, cell)), max_size=5),
)
files = st.one_of(
    st.tuples(
        json_records.map(lambda rows: json.dumps(rows, ensure_ascii=False)),
        st.just("reviews.json"),
        st.sampled_from([None, "json"]),
    ),
    st.tuples(
        st.builds(csv_file, records, st.booleans()),
        st.just("reviews.csv"),
        st.sampled_from([None, "csv"]),
    ),
    st.tuples(
        st.builds(csv_file, letterboxd_rows, st.booleans()),
        st.just("reviews.csv"),
        st.sampled_from([None, "letterboxd"]),
    ),
    st.lists(pages, min_size=1, max_size=3)
    .map("\n".join)
    .map(lambda text: (text, "page.txt", None)),
    st.tuples(
        any_text_up_to_100k(),
        st.sampled_from(["reviews.json", "reviews.csv", "page.txt", "notes", "x.exe"]),
        st.sampled_from([None, "json", "csv", "letterboxd", "page"]),
    ),
)


@settings(MANY, max_examples=max_examples(1500))
@given(file=files)
def test_any_file_in_any_format_gives_valid_reviews_or_import_failed(
    file: tuple[str, str, str | None],
) -> None:
    text, filename, fmt = file
    try:
        reviews = parse_reviews(text, filename=filename, fmt=fmt)
    except ImportFailed as refusal:
        event("refused")
        assert str(refusal).startswith(f"{filename}: nothing imported: ")
        return
    event("accepted")
    assert reviews
    for review in reviews:
        assert not review_problems(review), review_problems(review)


@MANY
@given(
    data=st.binary(max_size=2000) | st.text().map(lambda t: t.encode("utf-16")),
    suffix=st.sampled_from([".json", ".csv", ".txt"]),
)
def test_any_bytes_read_from_disk_give_reviews_or_import_failed(
    tmp_path: Path, data: bytes, suffix: str
) -> None:
    path = tmp_path / f"upload{suffix}"
    path.write_bytes(data)
    try:
        reviews = read_review_file(path)
    except ImportFailed:
        return
    for review in reviews:
        assert not review_problems(review), review_problems(review)


ONE_LINE_FIELDS = ["title", *LIST_FIELDS]  # the fields the model says "must be one line"


@MANY
@given(field=st.sampled_from(ONE_LINE_FIELDS), text=hostile_text())
@example(field="title", text="Heat\u2028@everyone")
@example(field="cast", text="Al Pacino\u2029Robert De Niro")
def test_a_one_line_field_is_one_line_by_unicodes_rules_or_refused(field: str, text: str) -> None:
    raw: dict[str, Any] = {"title": "Heat", "year": 1995, field: text}
    try:
        review = review_from_fields(raw)
    except ValidationError:
        return
    values = [review.title] if field == "title" else list(getattr(review, field))
    assert all(len(value.splitlines()) == 1 for value in values), values


# -- hostile settings ----------------------------------------------------------------------

VARIABLES = list(SETTINGS_VARIABLES)
setting_value = weighted(
    (3, hostile_text()),
    (1, huge_text(1000, 100_000)),
    (1, st.sampled_from([*NUMERIC, *LOG_LEVELS, "debug", "1234567890123456789"])),
    (
        1,
        st.lists(st.integers(-5, 2**70).map(str) | st.sampled_from(FRAGMENTS), max_size=5).map(
            ",".join
        ),
    ),
)
setting_values = st.dictionaries(st.sampled_from(VARIABLES), setting_value | st.none(), max_size=6)


@MANY
@given(values=setting_values)
def test_any_setting_values_give_settings_or_a_one_line_error_naming_the_variable(
    values: dict[str, str | None],
) -> None:
    try:
        loaded = settings_from_mapping(values)
    except ConfigError as error:
        message = str(error)
        assert "\n" not in message and "\r" not in message
        assert message.split(" ", 1)[0] in VARIABLES, message[:200]
        return
    assert loaded.log_level in LOG_LEVELS
    assert (
        len(loaded.command_prefix) <= 5 and loaded.command_prefix == loaded.command_prefix.strip()
    )
    assert loaded.discord_token is None or (
        len(loaded.discord_token) >= 20 and " " not in loaded.discord_token
    )


SNOWFLAKE_LIMIT = 2**64  # Discord ids are unsigned 64-bit integers


@MANY
@given(
    name=st.sampled_from(["OWNER_IDS", "DEV_GUILD_ID"]),
    number=st.integers(0, 10**21) | st.sampled_from([2**64 - 1, 2**64, 10**20 - 1]),
)
@example(name="OWNER_IDS", number=99_999_999_999_999_999_999)
@example(name="DEV_GUILD_ID", number=2**64)
def test_an_accepted_id_is_a_discord_snowflake(name: str, number: int) -> None:
    try:
        loaded = settings_from_mapping({name: str(number)})
    except ConfigError:
        return
    ids = loaded.owner_ids if name == "OWNER_IDS" else {loaded.dev_guild_id}
    assert all(0 < value < SNOWFLAKE_LIMIT for value in ids if value is not None), ids


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


@settings(MANY, max_examples=max_examples(600))
@given(
    lines=st.lists(
        st.builds(lambda name, value: f"{name}={value}", st.sampled_from(VARIABLES), setting_value)
        | hostile_text(),
        max_size=8,
    )
)
def test_any_env_file_gives_settings_or_config_error(
    tmp_path: Path, clean_environment: None, lines: list[str]
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("\n".join(lines), encoding="utf-8")
    try:
        load_settings(env_file)
    except ConfigError as error:
        assert "\n" not in str(error)
