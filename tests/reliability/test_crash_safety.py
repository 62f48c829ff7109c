"""SIGKILL in the middle of writing: the database stays whole and keeps what was committed.

Real child processes write to a real file and are killed with SIGKILL (no handler, no
cleanup). The database is then reopened: SQLite's integrity check passes, every change
the child reported as committed is there, and an import is there completely or not at
all. An import applies in short transactions (so the bot keeps writing beside it);
what a killed one had applied is undone from its journal by the next process that
opens the database (``Store.open``), before that process reads anything.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.store import Store
from tests.reliability.processes import (
    child,
    counts,
    film_records,
    integrity,
    kill,
    query,
    read_lines,
    reviewbot,
    wait_for_progress,
    write_json,
)

BIG_IMPORT = 20_000
KILL_AT_PERCENT = 10  # of the big import: still staging, nothing applied yet
KILL_WHILE_APPLYING = 75  # the bar's second half is the apply: about half the rows are in
LAST_IMPORT = "SELECT state FROM imports ORDER BY id DESC LIMIT 1"
SMALL_IMPORT = 1_000
EDITS_BEFORE_KILL = 1_000
# The CLI draws its progress bar only on a terminal; these make rich draw it on a pipe.
PROGRESS_ON_A_PIPE = {"TTY_INTERACTIVE": "1", "TTY_COMPATIBLE": "1"}


async def kill_big_import_at(tmp_path: Path, seeded: Path, percent: int) -> int:
    """Start importing BIG_IMPORT films, SIGKILL it once its bar shows ``percent``.

    Returns the percentage the bar showed last.
    """
    big = write_json(tmp_path / "big.json", film_records(BIG_IMPORT))
    async with child(
        *reviewbot(seeded, "import", str(big)), cwd=tmp_path, **PROGRESS_ON_A_PIPE
    ) as process:
        shown = await wait_for_progress(process, percent)
        await kill(process)
    return shown


async def test_import_killed_midway_leaves_no_row_of_it_behind(
    tmp_path: Path, seeded: Path
) -> None:
    before = counts(seeded)
    shown = await kill_big_import_at(tmp_path, seeded, KILL_AT_PERCENT)

    assert shown < 100  # killed while rows were still going in
    assert integrity(seeded) == "ok"
    assert counts(seeded) == before
    assert query(seeded, "SELECT COUNT(*) FROM reviews WHERE title LIKE 'Crash Film %'") == [(0,)]


async def test_import_killed_while_applying_is_undone_by_the_next_process_to_open_it(
    tmp_path: Path, seeded: Path
) -> None:
    before = counts(seeded)
    shown = await kill_big_import_at(tmp_path, seeded, KILL_WHILE_APPLYING)

    assert shown < 100
    applied = counts(seeded)[0] - before[0]
    assert 0 < applied < BIG_IMPORT  # some chunks were committed before the kill
    assert query(seeded, LAST_IMPORT) == [("applying",)]
    await reopen(seeded)
    assert integrity(seeded) == "ok"
    assert counts(seeded) == before
    assert query(seeded, LAST_IMPORT) == [("undone",)]


@pytest.mark.parametrize("percent", [1, 50, 100])
async def test_import_killed_before_it_reports_shows_all_of_its_rows_or_none(
    tmp_path: Path, seeded: Path, percent: int
) -> None:
    reviews, audits = counts(seeded)
    small = write_json(tmp_path / "small.json", film_records(SMALL_IMPORT))

    async with child(
        *reviewbot(seeded, "import", str(small)), cwd=tmp_path, **PROGRESS_ON_A_PIPE
    ) as process:
        await wait_for_progress(process, percent)  # at 100% the import is finishing
        await kill(process)

    await reopen(seeded)
    assert integrity(seeded) == "ok"
    assert counts(seeded) in {
        (reviews, audits),
        (reviews + SMALL_IMPORT, audits + SMALL_IMPORT),
    }


async def reopen(database: Path) -> None:
    """What any next process does first: open the store (which undoes a dead import)."""
    async with await Store.open(database):
        pass


async def test_import_killed_after_it_reports_keeps_every_row(tmp_path: Path, seeded: Path) -> None:
    reviews, audits = counts(seeded)
    small = write_json(tmp_path / "small.json", film_records(SMALL_IMPORT))

    async with child(*reviewbot(seeded, "import", str(small)), cwd=tmp_path) as process:
        [report] = await read_lines(process, 1)
        await kill(process)

    assert report.startswith(f"Imported {SMALL_IMPORT} review(s)")
    assert integrity(seeded) == "ok"
    assert counts(seeded) == (reviews + SMALL_IMPORT, audits + SMALL_IMPORT)


async def test_a_killed_import_leaves_a_database_the_next_process_can_write(
    tmp_path: Path, seeded: Path
) -> None:
    small = write_json(tmp_path / "small.json", film_records(SMALL_IMPORT))
    async with child(
        *reviewbot(seeded, "import", str(small)), cwd=tmp_path, **PROGRESS_ON_A_PIPE
    ) as process:
        await wait_for_progress(process, KILL_AT_PERCENT)
        await kill(process)

    async with await Store.open(seeded) as store:
        first = (await store.reviews.scope_reviews(None))[0]
        assert first.id is not None
        edited = await store.writes.update(
            first.id, {"tagline": "after the crash"}, actor_id=1, scope=None
        )
        assert edited.tagline == "after the crash"
        assert await store.integrity_check() == "ok"


EDIT_BURST = """
import asyncio, sys
from bot.store import Store

async def main(path, ids):
    store = await Store.open(path)
    n = 0
    while True:
        review_id = ids[n % len(ids)]
        await store.writes.update(review_id, {"tagline": f"edit {n}"}, actor_id=7, scope=None)
        print(review_id, n, flush=True)  # only after update() returned: committed
        n += 1

asyncio.run(main(sys.argv[1], [int(part) for part in sys.argv[2].split(",")]))
"""


async def test_edits_committed_before_a_kill_are_all_kept(tmp_path: Path, seeded: Path) -> None:
    ids = [row[0] for row in query(seeded, "SELECT id FROM reviews ORDER BY id")]

    async with child(
        "-c", EDIT_BURST, str(seeded), ",".join(map(str, ids)), cwd=tmp_path
    ) as process:
        printed = await read_lines(process, EDITS_BEFORE_KILL)
        await kill(process)

    assert integrity(seeded) == "ok"
    committed = [tuple(map(int, line.split())) for line in printed]
    audited = {
        (review_id, json.loads(after)["tagline"])
        for review_id, after in query(
            seeded, "SELECT review_id, after FROM audit_log WHERE action = 'edit'"
        )
    }
    assert {(review_id, f"edit {n}") for review_id, n in committed} <= audited
    last_printed = {review_id: n for review_id, n in committed}
    for review_id, tagline in query(seeded, "SELECT id, tagline FROM reviews"):
        # The stored value is the last edit printed, or a later one that committed
        # between its print and the kill: never an older one.
        assert int(tagline.removeprefix("edit ")) >= last_printed[review_id]


async def test_every_review_matches_its_latest_audit_entry_after_a_kill(
    tmp_path: Path, seeded: Path
) -> None:
    ids = [row[0] for row in query(seeded, "SELECT id FROM reviews ORDER BY id")]
    async with child(
        "-c", EDIT_BURST, str(seeded), ",".join(map(str, ids)), cwd=tmp_path
    ) as process:
        await read_lines(process, EDITS_BEFORE_KILL // 4)
        await kill(process)

    latest = query(
        seeded,
        "SELECT r.id, r.tagline, a.after FROM reviews r JOIN audit_log a ON a.id = "
        "(SELECT MAX(id) FROM audit_log WHERE review_id = r.id)",
    )
    assert len(latest) == len(ids)
    for review_id, tagline, after in latest:
        assert json.loads(after)["tagline"] == tagline, review_id
