"""`reviewbot history TITLE|ID`: what /catalog history shows, in a terminal."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import VARIABLES
from bot.render import show_time
from bot.store import Store

FIRST = "title,year,score\nQuiet Hours,2021,7.5\n1917,2019,9\n"
SECOND = "title,year,score,genres\nQuiet Hours,2021,8.5,Drama;Romance\n"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def database(tmp_path: Path) -> Path:
    """Quiet Hours imported, then imported again with another score and genres."""
    db = tmp_path / "reviews.db"
    for number, text in enumerate((FIRST, SECOND)):
        file = tmp_path / f"import{number}.csv"
        file.write_text(text, encoding="utf-8")
        assert main(["--database", str(db), "import", str(file)]) == 0
    return db


def history(database: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["--database", str(database), "history", *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


async def _entry_times(database: Path, title: str, year: int) -> list[str]:
    async with await Store.open(database) as store:
        [review] = await store.reviews.find_by_title(title, year, scope=None)
        return [entry.at for entry in await store.reviews.history(review.id)]


def test_history_by_title_shows_each_change_newest_first_with_local_times(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = history(database, capsys, "quiet", "hours")

    assert code == 0
    imported, updated = asyncio.run(_entry_times(database, "Quiet Hours", 2021))
    when = [
        show_time(datetime.fromisoformat(at).astimezone(UTC), "f") for at in (updated, imported)
    ]
    lines = [line.removeprefix("▌ ") for line in out.splitlines()]
    assert lines == [
        "History of Quiet Hours (2021)",
        f"{when[0]} · imported by the operator",
        "• score: 7.5 → 8.5",
        "• genres: (empty) → Drama, Romance",
        "",
        f"{when[1]} · imported (3 fields) by the operator",
        "Page 1/1 · 2 changes, newest first",
    ]
    assert "<t:" not in out


@pytest.mark.parametrize(
    ("typed", "heading"),
    [("1", "History of Quiet Hours (2021)"), ("1917", "History of 1917 (2019)")],
    ids=["a review's id", "digits that are no review's id: a title"],
)
def test_history_by_id_or_by_a_title_of_digits(
    database: Path, capsys: pytest.CaptureFixture[str], typed: str, heading: str
) -> None:
    code, out = history(database, capsys, typed)

    assert code == 0
    assert heading in out


def test_history_of_an_unknown_title_is_one_line(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = history(database, capsys, "zzzz qqqq")

    assert code == 2
    assert re.fullmatch(r"reviewbot: no review matches 'zzzz qqqq'\.[^\n]*\n", out)


def test_history_never_creates_a_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "typo.db"

    code, out = history(missing, capsys, "heat")

    assert code == 2
    assert "no such database" in out
    assert not missing.exists()
