"""Lint, formatting and strict types are part of the suite, so CI cannot skip them.

Each tool runs from this interpreter's environment (the ``test`` extra pins their
versions, so a new release cannot change the verdict on unchanged code) over the
whole project, or for mypy over ``bot/``, ``cogs/`` and ``standin/``. A failure shows
the tool's own report.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

CHECKS = {
    "ruff check": ("ruff", "check", "."),
    "ruff format": ("ruff", "format", "--check", "."),
    "mypy --strict": ("mypy", "--strict", "bot", "cogs", "standin"),
}


@pytest.mark.parametrize("command", CHECKS.values(), ids=CHECKS.keys())
def test_tool_reports_nothing(command: tuple[str, ...]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", *command],
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )

    if result.returncode != 0:
        pytest.fail(
            f"`{' '.join(command)}` exited {result.returncode}:\n{result.stdout}{result.stderr}",
            pytrace=False,
        )
