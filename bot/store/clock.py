"""Timestamps as the store writes them: UTC, ISO 8601 text, on either engine."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def precise_now() -> str:
    """To the microsecond, where rows are ordered by when they were written."""
    return datetime.now(UTC).isoformat(timespec="microseconds")
