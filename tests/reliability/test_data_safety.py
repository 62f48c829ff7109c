"""Backups taken while another process writes, and migrations run by the real CLI.

Every earlier schema is migrated in-process by
tests/bot/test_store.py::test_every_earlier_sqlite_schema_migrates_keeping_its_reviews_and_a_backup;
here the same happens through ``python -m bot`` on a file, as an operator would run it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.store import LATEST_VERSION, MIGRATIONS
from tests.conftest import make_old_database
from tests.reliability.processes import (
    child,
    integrity,
    kill,
    query,
    read_lines,
    reviewbot,
    run_to_end,
)

WRITES_BEFORE_BACKUP = 200
WRITES_DURING_BACKUP = 200

ADD_BURST = """
import asyncio, sys
from bot.models import ReviewDraft
from bot.store import Store

async def main(path):
    store = await Store.open(path)
    n = 0
    while True:
        draft = ReviewDraft(title=f"Backup Film {n}", year=2000, body="x" * 2000)
        added = await store.writes.add(draft, actor_id=7)
        print(added.id, flush=True)  # only after add() returned: committed
        n += 1

asyncio.run(main(sys.argv[1]))
"""


async def backup_while_writing(tmp_path: Path, source: Path) -> tuple[Path, list[int]]:
    """``reviewbot backup`` run while another process keeps adding reviews.

    Returns the copy and the ids the writer had committed before the backup started.
    """
    copy = tmp_path / "copy.db"
    async with child("-c", ADD_BURST, str(source), cwd=tmp_path) as writer:
        committed = [int(line) for line in await read_lines(writer, WRITES_BEFORE_BACKUP)]
        await run_to_end(*reviewbot(source, "backup", str(copy)), cwd=tmp_path)
        await read_lines(writer, WRITES_DURING_BACKUP)  # the writer was never blocked for good
        await kill(writer)
    return copy, committed


async def test_backup_taken_while_another_process_writes_is_consistent(
    tmp_path: Path, seeded: Path
) -> None:
    copy, committed = await backup_while_writing(tmp_path, seeded)

    assert integrity(copy) == "ok"
    orphans = query(
        copy,
        "SELECT COUNT(*) FROM reviews r WHERE NOT EXISTS "
        "(SELECT 1 FROM audit_log a WHERE a.review_id = r.id)",
    )
    dangling = query(
        copy,
        "SELECT COUNT(*) FROM audit_log a WHERE NOT EXISTS "
        "(SELECT 1 FROM reviews r WHERE r.id = a.review_id)",
    )
    assert (orphans, dangling) == ([(0,)], [(0,)])  # no torn write: each review has its audit
    copied = {row[0] for row in query(copy, "SELECT id FROM reviews")}
    assert set(committed) <= copied  # everything committed before the backup is in it


async def test_backup_taken_while_writing_opens_as_a_working_catalog(
    tmp_path: Path, seeded: Path
) -> None:
    copy, _ = await backup_while_writing(tmp_path, seeded)

    found = await run_to_end(*reviewbot(copy, "search", "heat 1995"), cwd=tmp_path)

    assert "Heat (1995)" in found


def version_of(path: Path) -> int:
    return int(query(path, "PRAGMA user_version")[0][0])


@pytest.mark.parametrize("start", [migration.version for migration in MIGRATIONS[:-1]])
async def test_cli_on_an_old_database_migrates_it_after_keeping_a_backup(
    tmp_path: Path, start: int
) -> None:
    path = make_old_database(tmp_path / "old.db", start)

    stats = await run_to_end(*reviewbot(path, "stats"), cwd=tmp_path)

    assert "Reviews: 1" in stats
    assert (version_of(path), integrity(path)) == (LATEST_VERSION, "ok")
    backup = tmp_path / f"old.db.v{start}.bak"
    assert (version_of(backup), integrity(backup)) == (start, "ok")
    assert query(backup, "SELECT title, year FROM reviews") == [("Heat", 1995)]


def blocked_migration(path: Path) -> Path:
    """A version-1 file that migration 2 cannot apply (the table it creates is in the way)."""
    make_old_database(path, 1)
    db = sqlite3.connect(path)
    try:
        db.execute("CREATE TABLE guild_config (left_by_hand TEXT)")
        db.commit()
    finally:
        db.close()
    return path


async def test_a_failed_migration_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    path = blocked_migration(tmp_path / "old.db")

    async with child(*reviewbot(path, "stats"), cwd=tmp_path) as process:
        await process.communicate()

    assert process.returncode != 0
    assert (version_of(path), integrity(path)) == (1, "ok")
    assert query(path, "SELECT title FROM reviews") == [("Heat",)]
    assert version_of(tmp_path / "old.db.v1.bak") == 1


async def test_a_failed_migration_is_reported_in_one_line_naming_the_backup(
    tmp_path: Path,
) -> None:
    path = blocked_migration(tmp_path / "old.db")

    async with child(*reviewbot(path, "stats"), cwd=tmp_path) as process:
        _, stderr = await process.communicate()

    lines = stderr.decode().strip().splitlines()
    assert process.returncode == 2
    assert len(lines) == 1, lines[-3:]
    assert "old.db.v1.bak" in lines[0]
