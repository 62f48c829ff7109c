"""LOG_FORMAT=json: every record is one line of JSON with its context."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from bot.json_log import JsonLogFormatter


@pytest.fixture
def logged() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLogFormatter())
    logger = logging.getLogger("tests.json_log")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_plain_record_has_time_level_logger_and_message(
    logged: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = logged
    logger.info("connected to %d server(s) on shard(s) %s", 812, "0,1")
    [line] = lines(stream)
    assert set(line) == {"time", "level", "logger", "message"}
    assert line["level"] == "INFO"
    assert line["logger"] == "tests.json_log"
    assert line["message"] == "connected to 812 server(s) on shard(s) 0,1"
    assert line["time"].endswith("Z")
    assert datetime.fromisoformat(line["time"]).utcoffset() is not None


def test_error_id_shard_and_guild_come_from_extra_and_the_traceback_stays_in_one_line(
    logged: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = logged
    try:
        raise ValueError("bad row\nsecond line")
    except ValueError:
        logger.exception(
            "unexpected error %s in /review",
            "3fa2c1d0",
            extra={"error_id": "3fa2c1d0", "shard": 1, "guild": 123456789012345678},
        )
    assert len(stream.getvalue().splitlines()) == 1
    [line] = lines(stream)
    assert line["error_id"] == "3fa2c1d0"
    assert line["shard"] == 1
    assert line["guild"] == 123456789012345678
    assert line["level"] == "ERROR"
    assert "ValueError: bad row\nsecond line" in line["exception"]
    assert line["exception"].startswith("Traceback")


def test_text_the_json_cannot_hold_as_is_is_written_safely(
    logged: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = logged
    logger.warning('a "quoted" title, Amélie, tab\there', extra={"guild": object()})
    [line] = lines(stream)
    assert line["message"] == 'a "quoted" title, Amélie, tab\there'
    assert line["guild"].startswith("<object object")
