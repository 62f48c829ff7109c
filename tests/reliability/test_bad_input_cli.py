"""Every bad input to the `reviewbot` command: one line on stderr, a non-zero exit,
promptly, and the database exactly as it was.

Each case runs the real CLI (``python -m bot``) in a child process with a timeout,
so a hang fails the test instead of stalling the suite.
"""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from bot.cli import MAX_ERROR_LINE, main
from tests.conftest import make_read_only
from tests.reliability.processes import REPO, child_environment

FIXTURES = REPO / "tests" / "fixtures"
TIMEOUT = 60  # seconds; every case answers in about one, a hang must still end the test
TOKEN = "x" * 24 + ".abcdef." + "y" * 27  # shaped like a token; never sent anywhere real


def run_cli(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd or tempfile.gettempdir(),  # not the repository: its .env must not apply
        env=child_environment(**env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def snapshot(path: Path) -> list[str]:
    """The whole database as SQL, read through a connection of its own."""
    with sqlite3.connect(path) as db:
        return list(db.iterdump())


def assert_one_line(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    assert result.returncode != 0
    line = result.stderr.rstrip("\n")
    assert "\n" not in line, result.stderr
    assert line.startswith("reviewbot"), line
    assert "Traceback" not in line and len(line) <= MAX_ERROR_LINE + 60
    for part in expected:
        assert part in line
    return line


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "reviews.db"
    assert main(["--database", str(path), "import", str(FIXTURES / "reviews.json")]) == 0
    return path


# -- the database file itself -------------------------------------------------------------


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not a database\n" * 200)
    before = path.read_bytes()
    result = run_cli("--database", str(path), "stats", cwd=tmp_path)
    assert_one_line(result, str(path), "not a reviewbot database")
    assert path.read_bytes() == before


def test_a_truncated_database(database: Path, tmp_path: Path) -> None:
    truncated = tmp_path / "truncated.db"
    truncated.write_bytes(database.read_bytes()[:5000])
    before = truncated.read_bytes()
    for command in (["stats"], ["import", str(FIXTURES / "reviews.csv")]):
        result = run_cli("--database", str(truncated), *command, cwd=tmp_path)
        assert_one_line(result, str(truncated), "damaged")
    assert truncated.read_bytes() == before


@pytest.mark.parametrize("command", [["stats"], ["import", str(FIXTURES / "reviews.json")]])
def test_a_directory(tmp_path: Path, command: list[str]) -> None:
    folder = tmp_path / "folder.db"
    folder.mkdir()
    result = run_cli("--database", str(folder), *command, cwd=tmp_path)
    assert_one_line(result, str(folder), "is a directory")
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("command", [["stats"], ["import", str(FIXTURES / "reviews.json")]])
def test_a_path_under_proc(tmp_path: Path, command: list[str]) -> None:
    result = run_cli("--database", "/proc/x.db", *command, cwd=tmp_path)
    assert_one_line(result, "/proc/x.db")


def test_a_read_only_file(database: Path, tmp_path: Path) -> None:
    before = snapshot(database)
    undo = make_read_only(database)
    try:
        result = run_cli("--database", str(database), "import", str(FIXTURES / "reviews.csv"))
        assert_one_line(result, str(database), "read-only")
    finally:
        undo()
    assert snapshot(database) == before


@pytest.mark.parametrize("command", [["stats"], ["search", "heat"], ["show", "1"], ["export"]])
def test_a_missing_database_on_a_command_that_only_reads(
    tmp_path: Path, command: list[str]
) -> None:
    missing = tmp_path / "typo" / "reviews.db"
    result = run_cli("--database", str(missing), *command, cwd=tmp_path)
    assert_one_line(result, f"{missing}: no such database")
    assert not missing.parent.exists()


# -- numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "echoed"),
    [
        (["show", "99999999999999999999"], "'99999999999999999999'"),
        (["show", "0"], "'0'"),
        (["import", "--guild", "99999999999999999999", "x.json"], "'99999999999999999999'"),
        (["import", "--guild", "0", "x.json"], "'0'"),
        (["import", "--guild=-5", "x.json"], "'-5'"),
        (["search", "--guild", "1e3", "heat"], "'1e3'"),
        (["show", "9" * 5000], "999…"),
    ],
)
def test_an_id_out_of_range_is_echoed_as_typed(
    database: Path, tmp_path: Path, args: list[str], echoed: str
) -> None:
    before = snapshot(database)
    result = run_cli("--database", str(database), *args, cwd=tmp_path)
    assert_one_line(result, echoed)
    assert snapshot(database) == before


# -- export and backup targets ------------------------------------------------------------


def test_export_into_a_missing_directory(database: Path, tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "dir" / "out.json"
    result = run_cli("--database", str(database), "export", "--output", str(target))
    assert_one_line(result, str(target), "cannot write")


def test_export_onto_a_directory(database: Path, tmp_path: Path) -> None:
    result = run_cli("--database", str(database), "export", "--output", str(tmp_path))
    assert_one_line(result, "is a directory")


def test_backup_onto_a_directory(database: Path, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    result = run_cli("--database", str(database), "backup", str(folder))
    assert_one_line(result, "is a directory")
    assert list(folder.iterdir()) == []


def test_backup_into_proc(database: Path) -> None:
    result = run_cli("--database", str(database), "backup", "/proc/x.db", cwd=database.parent)
    assert_one_line(result, "/proc/x.db", "cannot write a backup")


def test_backup_onto_a_file_that_is_not_a_database(database: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("keep me\n", encoding="utf-8")
    result = run_cli("--database", str(database), "backup", str(notes))
    assert_one_line(result, "not a SQLite database", "not overwritten")
    assert notes.read_text(encoding="utf-8") == "keep me\n"


def test_backup_onto_its_own_source(database: Path) -> None:
    before = snapshot(database)
    for spelling in (str(database), f"{database.parent}/./{database.name}"):
        result = run_cli("--database", str(database), "backup", spelling, cwd=database.parent)
        assert_one_line(result, "is the database itself")
    assert snapshot(database) == before


# -- files given to commands --------------------------------------------------------------


def test_console_script_that_is_missing(database: Path, tmp_path: Path) -> None:
    result = run_cli("--database", str(database), "console", "--script", "nope.txt", cwd=tmp_path)
    assert_one_line(result, "nope.txt: no such file")


def test_console_script_that_is_not_utf8(database: Path, tmp_path: Path) -> None:
    script = tmp_path / "latin1.txt"
    script.write_bytes("/review amélie\n".encode("latin-1"))
    result = run_cli("--database", str(database), "console", "--script", str(script))
    assert_one_line(result, "not UTF-8")


def test_json_with_a_lone_surrogate(database: Path, tmp_path: Path) -> None:
    before = snapshot(database)
    bad = tmp_path / "surrogate.json"
    bad.write_text('[{"title": "Heat \\ud800", "year": 1995, "score": 8}]', encoding="utf-8")
    result = run_cli("--database", str(database), "import", str(bad))
    assert_one_line(result, "item 1, title", "half of a character")
    assert snapshot(database) == before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('title,year\nHeat,1995\n"Arrival,2016\nAlien,1979\n', "line 3: a quote opened"),
        ("name,released\nHeat,1995\n", "lacks the column(s) title, year"),
        ("title,year,score\nHeat,1995,9\nheat,1995,8\n", "line 3: the same review as line 2"),
    ],
)
def test_a_csv_file_at_fault_is_named_by_line(
    database: Path, tmp_path: Path, text: str, expected: str
) -> None:
    before = snapshot(database)
    bad = tmp_path / "bad.csv"
    bad.write_text(text, encoding="utf-8")
    result = run_cli("--database", str(database), "import", str(bad))
    assert_one_line(result, expected)
    assert snapshot(database) == before


def test_a_5000_character_value_is_elided(database: Path, tmp_path: Path) -> None:
    bad = tmp_path / "long.json"
    bad.write_text(json.dumps([{"title": "Heat", "year": 1995, "k" * 5000: 1}]), encoding="utf-8")
    line = assert_one_line(run_cli("--database", str(database), "import", str(bad)), "unknown")
    assert "k" * 100 not in line


def test_two_files_holding_one_review(database: Path, tmp_path: Path) -> None:
    before = snapshot(database)
    for name in ("a.csv", "b.csv"):
        (tmp_path / name).write_text("title,year,score\nHeat,1995,9\n", encoding="utf-8")
    result = run_cli(
        "--database", str(database), "import", str(tmp_path / "a.csv"), str(tmp_path / "b.csv")
    )
    assert_one_line(result, "is also in")
    assert snapshot(database) == before


# -- the network --------------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_valid_token_with_no_network_is_one_line(tmp_path: Path) -> None:
    """Discord's REST base is pointed at a closed port on this machine: nothing leaves it."""
    code = (
        "import sys, discord.http\n"
        f"discord.http.Route.BASE = 'http://127.0.0.1:{closed_port()}/api/v10'\n"
        "from bot.cli import main\n"
        "sys.exit(main(['--database', 'net.db', 'run']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=child_environment(DISCORD_TOKEN=TOKEN, LOG_LEVEL="WARNING"),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert "cannot reach Discord" in line and "Traceback" not in result.stderr
    assert not (tmp_path / "net.db").exists()
