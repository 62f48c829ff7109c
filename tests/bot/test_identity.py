"""Identity: every film its own row, and an unchanged file imported again changes nothing."""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.formats.export import export_csv, export_json
from bot.importers import parse_reviews
from bot.models import Review, ReviewDraft
from bot.store import Store
from bot.validation import ValidationError, review_from_fields
from tests.bot.test_importers_properties import one_line, valid_raw_reviews, valid_reviews

IDENTITY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def counts(path: Path) -> tuple[int, int]:
    """(reviews, audit entries), read through a connection of its own."""
    with sqlite3.connect(path) as db:
        reviews = db.execute("SELECT COUNT(*) FROM reviews").fetchone()[0]
        audit = db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
    return int(reviews), int(audit)


def import_twice(reviews: list[Review]) -> tuple[Any, Any, tuple[int, int], tuple[int, int]]:
    async def go(path: Path) -> tuple[Any, Any, tuple[int, int], tuple[int, int]]:
        async with await Store.open(path) as store:
            first = await store.writes.import_reviews(reviews, actor_id=None)
            after_first = counts(path)
            second = await store.writes.import_reviews(reviews, actor_id=None)
            return first, second, after_first, counts(path)

    with tempfile.TemporaryDirectory() as folder:
        return asyncio.run(go(Path(folder) / "reviews.db"))


def review(title: str, year: int = 2000) -> ReviewDraft:
    try:
        return review_from_fields({"title": title, "year": year, "score": 7})
    except ValidationError:
        assume(False)
        raise


@IDENTITY_SETTINGS
@given(first=one_line, second=one_line, year=st.integers(1870, 2100))
def test_two_distinct_titles_never_merge(first: str, second: str, year: int) -> None:
    a, b = review(first, year), review(second, year)
    assume(a.title.casefold() != b.title.casefold())
    report, _, (rows, _), _ = import_twice([a, b])
    assert (report.added, report.updated, rows) == (2, 0, 2)


@IDENTITY_SETTINGS
@given(
    raws=st.lists(valid_raw_reviews, min_size=1, max_size=5),
    fmt=st.sampled_from(["json", "csv"]),
)
def test_any_file_imported_twice_is_a_no_op_the_second_time(
    raws: list[dict[str, Any]], fmt: str
) -> None:
    exported = {"json": export_json, "csv": export_csv}[fmt](valid_reviews(raws))
    reviews = parse_reviews(exported, filename=f"reviews.{fmt}")
    first, second, after_first, after_second = import_twice(reviews)
    assert first.added == len(reviews)
    assert (second.added, second.updated, second.unchanged) == (0, 0, len(reviews))
    assert after_second == after_first  # not one audit entry more


def test_the_pairs_ggplot2movies_used_to_collapse_are_all_kept() -> None:
    pairs = [
        ("Interview, L'", "Interview, The", 1998),
        ("...Lost", "Lost", 2000),
        ("Puzzle, El", "Puzzle, The", 2000),
        ("The Heat!", "Heat", 1995),
    ]
    films = [review(title, year) for a, b, year in pairs for title in (a, b)]
    first, second, (rows, audit), _ = import_twice(films)
    assert (first.added, rows, audit) == (8, 8, 8)
    assert (second.added, second.updated, second.unchanged) == (0, 0, 8)
