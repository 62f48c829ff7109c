"""The error policy: which exceptions a member reads, and which are bugs."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from unittest.mock import MagicMock

import pytest
from discord import app_commands
from discord.ext import commands

from bot.faults import DatabaseReadOnly
from bot.importers import ImportFailed
from bot.member_errors import UserError
from bot.models import Review
from bot.replies import explain, user_message
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


def test_an_operator_fault_is_not_shown_to_the_member_as_written(tmp_path: Path) -> None:
    assert user_message(DatabaseReadOnly(tmp_path / "reviews.db")) is None


def test_an_operator_fault_inside_a_command_is_logged_once_with_the_id_the_member_reads(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fault = DatabaseReadOnly(tmp_path / "reviews.db")
    wrapped = commands.HybridCommandError(app_commands.CommandInvokeError(MagicMock(), fault))
    with caplog.at_level(logging.ERROR, logger="bot"):
        reply = explain(wrapped, "!catalog alias")
    found = re.search(r"\(error id `([0-9a-f]{8})`\)", reply)
    assert found is not None, reply
    assert str(tmp_path) not in reply
    [record] = caplog.records
    assert found.group(1) in record.getMessage()
    assert str(fault) in record.getMessage() and "!catalog alias" in record.getMessage()
