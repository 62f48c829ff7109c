"""Fixtures shared by every test layer, and how hard the property tests try."""

from __future__ import annotations

import faulthandler
import itertools
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from bot.cli import main
from bot.config import VARIABLES
from bot.models import ReviewDraft, film_key, identity_key
from bot.store import MIGRATIONS, Store
from tests.pgserver import HOW_TO_RUN, PostgresServer, find_bin_dir

# -- hypothesis profiles ------------------------------------------------------------------
# REVIEWBOT_HYPOTHESIS=thorough runs every property test with the example count written
# in it (30,110 examples in all); the default, quick, runs a fifth of each count, never
# fewer than MIN_EXAMPLES, so the whole suite fits a coffee break (times in the README).
# Both inherit Hypothesis' own choice of base profile: under CI it derandomizes and keeps
# no example database, so CI runs are repeatable; locally each run explores new examples
# and replays saved failures. Nothing is timed (no deadline, no too_slow health check):
# the machine is shared and speed is measured in bench/.
PROFILE_VARIABLE = "REVIEWBOT_HYPOTHESIS"
PROFILES = ("quick", "thorough")
QUICK_SHARE = 5
MIN_EXAMPLES = 50

PROFILE = os.environ.get(PROFILE_VARIABLE, "quick")
if PROFILE not in PROFILES:
    raise pytest.UsageError(f"{PROFILE_VARIABLE} must be one of {PROFILES}, got {PROFILE!r}")


def quick_count(thorough: int) -> int:
    return min(thorough, max(MIN_EXAMPLES, thorough // QUICK_SHARE))


def max_examples(thorough: int) -> int:
    """How many examples a property test written for ``thorough`` tries in this profile."""
    return thorough if PROFILE == "thorough" else quick_count(thorough)


HYPOTHESIS_DEFAULT = 100  # what a test that names no count of its own tried before
UNTIMED = settings(settings.default, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", UNTIMED, max_examples=HYPOTHESIS_DEFAULT)
settings.register_profile("quick", UNTIMED, max_examples=quick_count(HYPOTHESIS_DEFAULT))
settings.load_profile(PROFILE)


# -- volume tests -------------------------------------------------------------------------
# REVIEWBOT_HEAVY=1 runs the stress tests whose size is their point at the size their
# claim is about: a /stats chart of 58,788 reviews (the benchmarks' catalog) and a CLI
# import of 50,000 films beside the running bot. By default each runs at a smaller size,
# with the same assertions, so the suite keeps to its time budget (times in the README).
HEAVY_VARIABLE = "REVIEWBOT_HEAVY"
HEAVY_CHOICES = ("0", "1")
_HEAVY_CHOICE = os.environ.get(HEAVY_VARIABLE, "0")
if _HEAVY_CHOICE not in HEAVY_CHOICES:
    raise pytest.UsageError(
        f"{HEAVY_VARIABLE} must be one of {HEAVY_CHOICES}, got {_HEAVY_CHOICE!r}"
    )
HEAVY = _HEAVY_CHOICE == "1"


def volume(default: int, heavy: int) -> int:
    """A stress test's size: ``heavy`` with REVIEWBOT_HEAVY=1, else ``default``."""
    return heavy if HEAVY else default


# The few tests that take ten seconds or more on their own (a fresh clone installed and
# driven through the README, a wheel built and installed, mypy from a cold cache): they
# start first, so that none of them starts last on a worker and holds up the end of a run.
RUN_FIRST = ("tests/test_readme.py", "tests/bot/test_packaging.py", "tests/test_code_quality.py")


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker per core, and one more. A good part of the suite waits on
    what it started (bot and CLI processes, the PostgreSQL server, sockets): with a
    worker per core the cores idle a quarter of the run (157 s wall for 235 s of CPU on
    2 cores), and a third worker fills it (137 s, same tree, same hour)."""
    return (os.cpu_count() or 1) + 1


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not item.nodeid.startswith(RUN_FIRST))  # stable: else as found


def make_review(title: str = "Heat", year: int = 1995, **fields: Any) -> ReviewDraft:
    """A valid review with sensible defaults; override any field."""
    defaults: dict[str, Any] = {
        "directors": ("Michael Mann",),
        "cast": ("Al Pacino", "Robert De Niro"),
        "runtime": 170,
        "score": 9.0,
        "verdict": "Masterpiece",
        "verdict_text": "A crime epic about two lonely professionals.",
        "genres": ("Crime", "Thriller"),
    }
    return ReviewDraft(title=title, year=year, **{**defaults, **fields})


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(tmp_path / "reviews.db")
    yield opened
    await opened.close()


def make_old_database(path: Path, version: int) -> Path:
    """A file at schema ``version`` holding one review, as an older reviewbot left it."""
    db = sqlite3.connect(path)
    # Functions the migrations call, as bot.store.sqlite.migrate registers them.
    db.create_function("review_identity", 3, identity_key, deterministic=True)
    db.create_function("review_film", 2, film_key, deterministic=True)
    try:
        for migration in MIGRATIONS:
            if migration.version <= version:
                db.executescript(migration.sql)
        db.execute(f"PRAGMA user_version = {version}")
        keys = {"identity": identity_key("Heat", 1995, ""), "film_key": film_key("Heat", 1995)}
        present = {row[1] for row in db.execute("PRAGMA table_info(reviews)")}
        extra = {name: value for name, value in keys.items() if name in present}
        columns = ", ".join(
            ["scope", "title", "title_key", "year", "created_at", "updated_at", *extra]
        )
        marks = ", ".join("?" * (6 + len(extra)))
        db.execute(
            f"INSERT INTO reviews ({columns}) VALUES ({marks})",
            [0, "Heat", "heat", 1995, "then", "then", *extra.values()],
        )
        db.commit()
    finally:
        db.close()
    return path


def make_read_only(path: Path) -> Callable[[], None]:
    """Read-only even for root (the immutable flag) when possible, else by mode; returns
    what undoes it."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        return lambda: path.chmod(0o644)
    chattr = shutil.which("chattr")
    if chattr and subprocess.run([chattr, "+i", str(path)], check=False).returncode == 0:
        return lambda: subprocess.run([chattr, "-i", str(path)], check=True) and None
    pytest.skip("running as root where the immutable flag is unavailable: nothing is read-only")


def postgres_bin_dir() -> Path:
    """Where PostgreSQL's server binaries are.

    Without them a developer's run skips the PostgreSQL half, saying how to run it;
    CI (CI=true) must run it, so there it fails.
    """
    bin_dir = find_bin_dir()
    if bin_dir is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(HOW_TO_RUN)
        pytest.skip(HOW_TO_RUN)
    return bin_dir


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the session, in a temporary directory."""
    server = PostgresServer.start(postgres_bin_dir())
    yield server
    server.stop()


_database_names = itertools.count()


def new_postgres_database(server: PostgresServer) -> str:
    return server.create_database(f"reviewbot_test_{os.getpid()}_{next(_database_names)}")


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a new, empty catalog lives: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "reviews.db")
    return new_postgres_database(request.getfixturevalue("postgres_server"))


@pytest.fixture
async def engine_store(database: str) -> AsyncIterator[Store]:
    """A new, empty store on each engine in turn (``database``'s parameters), where
    ``store`` is a SQLite file only. A module whose tests all run on both overrides
    ``store`` with this."""
    opened = await Store.open(database)
    yield opened
    await opened.close()


# -- the CLI, in this process -------------------------------------------------------------
# Tests of what a command says and its exit status run its entry function here: a
# process of its own costs half a second to start. Tests of what only a process shows
# (a closed pipe, a signal) start one.
CLI_TIMEOUT = 60  # seconds; every command in the tests answers in about one


@dataclass(frozen=True)
class Ran:
    """How a command ended: as :class:`subprocess.CompletedProcess` has it."""

    returncode: int
    stdout: str
    stderr: str


Cli = Callable[..., Ran]


@pytest.fixture
def cli(
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> Cli:
    """``cli(*args, cwd=None)``: :func:`bot.cli.main` run in this process as the
    ``reviewbot`` command runs in its own: in ``cwd`` (the temporary directory unless
    given, so no developer's .env applies), without the bot's settings in the
    environment; a hang ends the test process (a failed test, not a stalled suite)."""

    def run(*args: str, cwd: Path | None = None) -> Ran:
        with monkeypatch.context() as patch:
            patch.chdir(cwd or tempfile.gettempdir())
            for name in VARIABLES:
                patch.delenv(name, raising=False)
            capfd.readouterr()
            caplog.clear()
            faulthandler.dump_traceback_later(CLI_TIMEOUT, exit=True)
            try:
                status = main(list(args))
            except SystemExit as stop:  # argparse's usage errors and --help
                status = exit_status(stop)
            finally:
                faulthandler.cancel_dump_traceback_later()
        out, err = capfd.readouterr()
        # With no logging configured, a command's process prints these on stderr.
        logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        return Ran(status, out, err + "".join(f"{message}\n" for message in logged))

    return run


def exit_status(stop: SystemExit) -> int:
    """The status a process ending with ``stop`` has, as Python's own exit sets it."""
    if stop.code is None:
        return 0
    if isinstance(stop.code, int):
        return stop.code
    print(stop.code, file=sys.stderr)
    return 1
