"""The error policy: which exceptions a member reads, and which are bugs."""

from __future__ import annotations

import pytest

from bot.errors import user_message
from bot.exceptions import UserError
from bot.importers import ImportFailed
from bot.models import Review
from bot.store import DuplicateReview, ReviewNotFound, StoreError
from bot.validation import ValidationError


@pytest.mark.parametrize(
    "error",
    [
        UserError("year_from (2000) is after year_to (1990)."),
        ValidationError({"year": "year is required"}),
        ImportFailed("reviews.csv", ["row 2: title must not be empty"]),
        StoreError("Heat (1995) is already deleted"),
        ReviewNotFound(7),
        DuplicateReview(Review(title="Heat", year=1995, id=3)),
    ],
    ids=lambda error: type(error).__name__,
)
def test_errors_raised_for_a_member_are_shown_to_them_as_written(error: Exception) -> None:
    assert user_message(error) == str(error)


def test_an_unexpected_error_is_not_shown_to_the_member() -> None:
    assert user_message(RuntimeError("database is locked")) is None
