"""Child processes for the crash and data-safety tests: started, read, always reaped.

Each child is a real ``python`` process on the same database file; tests read its
output as it goes (the only event a separate process offers) and SIGKILL it at a
chosen point. ``child`` kills and waits for it on the way out, whatever happened, so
no test leaves a process behind.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.config import VARIABLES

REPO = Path(__file__).resolve().parents[2]
SETTINGS_VARIABLES = VARIABLES
WAIT_LIMIT = 60.0  # seconds any one read from a child may take before the test fails


def child_environment(**extra: str) -> dict[str, str]:
    """This environment without the bot's settings (a developer's .env must not leak in)."""
    environment = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    environment["PYTHONPATH"] = str(REPO)
    return {**environment, **extra}


@asynccontextmanager
async def child(
    *args: str, cwd: Path, **extra_env: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    """``python *args`` with piped stdout/stderr; SIGKILLed and reaped on exit."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        cwd=cwd,
        env=child_environment(**extra_env),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
        await process.communicate()  # reaps it and drains the pipes


def reviewbot(database: Path, *args: str) -> tuple[str, ...]:
    """The arguments for ``python -m bot --database DATABASE *args``."""
    return ("-m", "bot", "--database", str(database), *args)


async def kill(process: asyncio.subprocess.Process) -> int:
    """SIGKILL: no handler, no cleanup, no COMMIT; returns the exit status."""
    process.send_signal(signal.SIGKILL)
    return await asyncio.wait_for(process.wait(), WAIT_LIMIT)


async def read_lines(process: asyncio.subprocess.Process, count: int) -> list[str]:
    """The child's next ``count`` stdout lines (each printed after a commit it made)."""
    assert process.stdout is not None
    lines = []
    for _ in range(count):
        line = await asyncio.wait_for(process.stdout.readline(), WAIT_LIMIT)
        if not line:
            _, stderr = await process.communicate()
            raise AssertionError(f"child exited early: {stderr.decode()[-2000:]}")
        lines.append(line.decode().rstrip("\n"))
    return lines


PERCENT = re.compile(rb"(\d+)%")


async def wait_for_progress(process: asyncio.subprocess.Process, percent: int) -> int:
    """Read the CLI's progress bar from stderr until it shows at least ``percent``."""
    assert process.stderr is not None
    seen = b""
    while True:
        chunk = await asyncio.wait_for(process.stderr.read(4096), WAIT_LIMIT)
        if not chunk:
            raise AssertionError(f"the import ended before {percent}%: {seen[-2000:]!r}")
        seen = (seen + chunk)[-4096:]
        shown = [int(found) for found in PERCENT.findall(seen)]
        if shown and max(shown) >= percent:
            return max(shown)


def film_records(count: int, *, prefix: str = "Crash Film") -> list[dict[str, Any]]:
    """``count`` valid, distinct reviews as import JSON records."""
    return [
        {
            "title": f"{prefix} {n}",
            "year": 1950 + n % 70,
            "directors": [f"Director {n % 300}"],
            "cast": [f"Actor {n % 500}", f"Actor {(n * 7) % 500 + 500}"],
            "genres": ["Drama", f"Genre {n % 40}"],
            "score": (n % 101) / 10,
            "runtime": 80 + n % 100,
            "verdict": "Recommended",
            "verdict_text": f"Review number {n}, written for the crash tests.",
        }
        for n in range(count)
    ]


def write_json(path: Path, records: Iterable[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(list(records)), encoding="utf-8")
    return path


def query(database: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Read committed state through a fresh connection, as the next process would."""
    db = sqlite3.connect(database)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def integrity(database: Path) -> str:
    return str(query(database, "PRAGMA integrity_check")[0][0])


def counts(database: Path) -> tuple[int, int]:
    """(reviews, audit rows)."""
    [(reviews,)] = query(database, "SELECT COUNT(*) FROM reviews")
    [(audits,)] = query(database, "SELECT COUNT(*) FROM audit_log")
    return reviews, audits


async def run_to_end(*args: str, cwd: Path) -> str:
    """Run a child to completion; returns its stdout (fails the test on a non-zero exit)."""
    async with child(*args, cwd=cwd) as process:
        stdout, stderr = await asyncio.wait_for(process.communicate(), WAIT_LIMIT)
    assert process.returncode == 0, stderr.decode()[-2000:]
    return stdout.decode()
