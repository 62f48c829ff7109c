"""A full disk under ``reviewbot import``: the real cause is reported, and an import
that had finished is never undone.

The database lives on a small tmpfs mounted for the test, and the test fills it with a
ballast file at the moment that matters: right after the import committed its 'done'
(so only the checkpoint after it meets the full disk), or between two of its chunks.
The fill is timed by wrapping a step of the import; the failure itself is the real
file system's ENOSPC, through SQLite. Intermediate checkpoints are turned off, so the
import's pages wait in the write-ahead log and the last checkpoint has to grow the
database file. Mounting needs root (or CAP_SYS_ADMIN): where it is refused, those
tests skip, saying so, and the last test, which injects SQLite's "database or disk is
full" at the checkpoint call, still shows the report.
"""

from __future__ import annotations

import asyncio
import errno
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.cli import main
from bot.store import Store
from bot.store.sqlite import imports
from tests.reliability.processes import counts, film_records, integrity, query, write_json

DISK_SIZE = "24m"
SMALL_IMPORT = 900  # under ANALYZE_AFTER_ROWS: the checkpoint is the only step after 'done'
BIG_IMPORT = 5_000  # several chunks
LAST_IMPORT = "SELECT state FROM imports ORDER BY id DESC LIMIT 1"
FULL = "the disk is full"


@contextmanager
def small_disk(where: Path) -> Iterator[Path]:
    """A tmpfs of DISK_SIZE mounted at ``where`` for the test's length."""
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_SIZE}", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(
            f"cannot mount a small file system here ({mounted.stderr.strip()}); "
            "test_a_full_disk_injected_at_the_last_checkpoint stands in for it"
        )
    try:
        yield where
    finally:
        subprocess.run(["umount", "--lazy", str(where)], check=True)


def fill(disk: Path) -> Path:
    """Write a ballast file until the file system is full; delete it to free the space."""
    ballast = disk / "ballast"
    fd = os.open(ballast, os.O_WRONLY | os.O_CREAT)
    try:
        for block in (1 << 20, 4096):
            while True:
                try:
                    os.write(fd, b"\0" * block)
                except OSError as error:
                    if error.errno != errno.ENOSPC:
                        raise
                    break
    finally:
        os.close(fd)
    return ballast


def said(capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    """stdout, and the command's own line on stderr (after any progress bar)."""
    out, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if line.startswith("reviewbot:")]
    assert len(lines) == 1, err
    return out, lines[0]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of a developer's
    # Only the checkpoint after 'done': the import's pages stay in the write-ahead log.
    monkeypatch.setattr(imports, "CHECKPOINT_AFTER_SECONDS", float("inf"))


def seed(tmp_path: Path, database: Path) -> tuple[int, int]:
    records = write_json(tmp_path / "seed.json", film_records(10, prefix="Seed Film"))
    assert main(["--database", str(database), "import", str(records)]) == 0
    return counts(database)


@pytest.mark.usefixtures("cli")
def test_a_full_disk_at_the_last_checkpoint_keeps_the_import_and_names_the_cause(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with small_disk(tmp_path / "disk") as disk:
        database = disk / "reviews.db"
        reviews, audits = seed(tmp_path, database)
        ballast: list[Path] = []
        finish = imports.BulkImport._finish

        def finish_then_fill(self: imports.BulkImport, import_id: int) -> None:
            finish(self, import_id)
            ballast.append(fill(disk))

        monkeypatch.setattr(imports.BulkImport, "_finish", finish_then_fill)
        records = write_json(tmp_path / "small.json", film_records(SMALL_IMPORT))
        capsys.readouterr()
        status = main(["--database", str(database), "import", str(records)])
        out, err = said(capsys)
        assert len(ballast) == 1  # the disk was full when the checkpoint ran
        ballast[0].unlink()

        assert status == 0
        assert out.startswith(f"Imported {SMALL_IMPORT} review(s): {SMALL_IMPORT} added")
        assert err.startswith("reviewbot: warning: the import is complete and kept, but " + FULL)
        assert "database or disk is full" in err  # SQLite's own words, quoted
        assert "rollback" not in err
        assert query(database, LAST_IMPORT) == [("done",)]
        assert counts(database) == (reviews + SMALL_IMPORT, audits + SMALL_IMPORT)
        assert integrity(database) == "ok"


@pytest.mark.usefixtures("cli")
def test_a_disk_that_fills_during_an_import_leaves_nothing_of_it_and_names_the_cause(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with small_disk(tmp_path / "disk") as disk:
        database = disk / "reviews.db"
        before = seed(tmp_path, database)
        ballast: list[Path] = []
        apply_chunk = imports.BulkImport._apply_chunk

        def apply_then_fill(self: imports.BulkImport, import_id: int, low: int, high: int) -> None:
            apply_chunk(self, import_id, low, high)
            if low > 0 and not ballast:  # the second chunk, before its COMMIT
                ballast.append(fill(disk))

        monkeypatch.setattr(imports.BulkImport, "_apply_chunk", apply_then_fill)
        records = write_json(tmp_path / "big.json", film_records(BIG_IMPORT))
        capsys.readouterr()
        status = main(["--database", str(database), "import", str(records)])
        _, err = said(capsys)
        left_for_later = "taken back when reviewbot next opens the database" in err
        state = query(database, LAST_IMPORT)
        ballast[0].unlink()

        assert status != 0
        assert err.startswith(f"reviewbot: {database}: {FULL}; nothing imported"), err
        assert "rollback" not in err
        # Undone there and then, or (when the undo found no room either) said to be
        # taken back by the next process to open the file, which does so.
        assert state == [("applying",)] if left_for_later else [("undone",)]
        asyncio.run(reopen(database))
        assert counts(database) == before
        assert query(database, LAST_IMPORT) == [("undone",)]
        assert integrity(database) == "ok"


async def reopen(database: Path) -> None:
    async with await Store.open(database):
        pass


@pytest.mark.usefixtures("cli")
def test_a_full_disk_injected_at_the_last_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The engine boundary, where no file system can be mounted: SQLite's error for a
    full disk, raised by the checkpoint after 'done' (SQLite would have ended any
    transaction by then; the import must not try to roll one back)."""
    database = tmp_path / "reviews.db"
    reviews, audits = seed(tmp_path, database)

    def full(self: imports.BulkImport) -> None:
        error = sqlite3.OperationalError("database or disk is full")
        error.sqlite_errorcode = sqlite3.SQLITE_FULL
        raise error

    monkeypatch.setattr(imports.BulkImport, "_checkpoint", full)
    records = write_json(tmp_path / "small.json", film_records(SMALL_IMPORT))
    capsys.readouterr()
    status = main(["--database", str(database), "import", str(records)])
    out, err = said(capsys)

    assert status == 0
    assert out.startswith(f"Imported {SMALL_IMPORT} review(s)")
    assert err.startswith("reviewbot: warning: the import is complete and kept, but " + FULL)
    assert query(database, LAST_IMPORT) == [("done",)]
    assert counts(database) == (reviews + SMALL_IMPORT, audits + SMALL_IMPORT)
