"""Ctrl-C on ``reviewbot import``: the import is undone, all or nothing, and says so.

A real ``reviewbot import`` child process imports a big file and gets SIGINT (what
Ctrl-C sends) while it applies its rows. On SQLite the import applies in short
transactions, so rows are committed by then and have to be taken back from its journal;
on PostgreSQL it is one transaction, held here mid-apply on a row lock the test takes,
so the interrupt lands inside it every time.
"""

from __future__ import annotations

import asyncio
import re
import signal
from collections.abc import Callable
from pathlib import Path

import asyncpg
import pytest

from bot.catalog import Catalog
from bot.models import ImportReport, ReviewDraft
from bot.store import Store
from tests.conftest import make_review, new_postgres_database
from tests.pgserver import PostgresServer
from tests.reliability.processes import (
    WAIT_LIMIT,
    child,
    counts,
    film_records,
    integrity,
    query,
    reviewbot,
    wait_for_progress,
    write_json,
)

BIG_IMPORT = 20_000
WHILE_APPLYING = 75  # percent of the bar: its second half is the apply
LAST_IMPORT = "SELECT state FROM imports ORDER BY id DESC LIMIT 1"
PROGRESS_ON_A_PIPE = {"TTY_INTERACTIVE": "1", "TTY_COMPATIBLE": "1"}
INTERRUPTED = 130
SAID = "reviewbot: interrupted: nothing imported"
TERMINAL_CODES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


async def interrupt(process: asyncio.subprocess.Process) -> tuple[int, list[str]]:
    """SIGINT, as Ctrl-C sends it; the exit status and the lines left on stderr."""
    process.send_signal(signal.SIGINT)
    _, stderr = await asyncio.wait_for(process.communicate(), WAIT_LIMIT)
    assert process.returncode is not None
    # The bar redraws itself with carriage returns and terminal codes; then plain lines.
    lines = TERMINAL_CODES.sub("", stderr.decode()).replace("\r", "\n").splitlines()
    return process.returncode, [line for line in lines if line.startswith("reviewbot:")]


async def test_ctrl_c_while_a_sqlite_import_applies_undoes_it_and_says_so(
    tmp_path: Path, seeded: Path
) -> None:
    before = counts(seeded)
    big = write_json(tmp_path / "big.json", film_records(BIG_IMPORT))

    async with child(
        *reviewbot(seeded, "import", str(big)), cwd=tmp_path, **PROGRESS_ON_A_PIPE
    ) as process:
        shown = await wait_for_progress(process, WHILE_APPLYING)
        status, said = await interrupt(process)

    assert shown < 100
    assert status == INTERRUPTED
    assert len(said) == 1 and said[0].startswith(SAID), said
    assert query(seeded, LAST_IMPORT) == [("undone",)]  # it had begun applying
    assert counts(seeded) == before  # and took every row back, audit entries too
    assert integrity(seeded) == "ok"
    # Undone by the interrupted process itself, not left for the next one to open it.
    assert query(seeded, "SELECT COUNT(*) FROM imports WHERE state = 'applying'") == [(0,)]


async def test_ctrl_c_while_a_sqlite_import_stages_leaves_no_trace(
    tmp_path: Path, seeded: Path
) -> None:
    before = counts(seeded)
    imports_before = query(seeded, "SELECT COUNT(*) FROM imports")
    big = write_json(tmp_path / "big.json", film_records(BIG_IMPORT))

    async with child(
        *reviewbot(seeded, "import", str(big)), cwd=tmp_path, **PROGRESS_ON_A_PIPE
    ) as process:
        shown = await wait_for_progress(process, 10)
        status, said = await interrupt(process)

    assert shown < 50  # still reading and staging
    assert status == INTERRUPTED
    assert len(said) == 1 and said[0].startswith(SAID), said
    assert counts(seeded) == before
    assert query(seeded, "SELECT COUNT(*) FROM imports") == imports_before


async def test_ctrl_c_on_an_import_that_creates_the_file_leaves_no_file(tmp_path: Path) -> None:
    database = tmp_path / "new.db"
    big = write_json(tmp_path / "big.json", film_records(BIG_IMPORT))

    async with child(
        *reviewbot(database, "import", str(big)), cwd=tmp_path, **PROGRESS_ON_A_PIPE
    ) as process:
        await wait_for_progress(process, WHILE_APPLYING)
        status, said = await interrupt(process)

    assert status == INTERRUPTED
    assert len(said) == 1 and said[0].startswith(SAID), said
    assert not database.exists()


LOCKED_TITLE = "Locked Film"


async def test_ctrl_c_while_a_postgresql_import_applies_rolls_it_back_and_says_so(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    url = new_postgres_database(postgres_server)
    records = film_records(1, prefix=LOCKED_TITLE)
    catalog = await Catalog.open(url)
    try:
        await catalog.load_starter_if_empty()
    finally:
        await catalog.close()
    first = write_json(tmp_path / "first.json", records)
    async with child(*reviewbot_url(url, "import", str(first)), cwd=tmp_path) as process:
        await asyncio.wait_for(process.communicate(), WAIT_LIMIT)
    assert process.returncode == 0
    # The big file adds BIG_IMPORT films and updates the locked one.
    changed = [{**records[0], "verdict_text": "Written again by the big import."}]
    big = write_json(tmp_path / "big.json", film_records(BIG_IMPORT) + changed)

    admin = await asyncpg.connect(url)
    try:
        before = await table_counts(admin)
        holder = await asyncpg.connect(url)
        locked = holder.transaction()
        await locked.start()
        # FOR SHARE: the import's audit entries (which only reference the row) go in,
        # and its UPDATE of the row waits.
        await holder.execute(
            "SELECT id FROM reviews WHERE title = $1 FOR SHARE", f"{LOCKED_TITLE} 0"
        )
        try:
            async with child(*reviewbot_url(url, "import", str(big)), cwd=tmp_path) as process:
                await wait_until_blocked_updating_reviews(admin)
                status, said = await interrupt(process)
        finally:
            await locked.rollback()
            await holder.close()
        after = await table_counts(admin)
    finally:
        await admin.close()

    assert status == INTERRUPTED
    assert len(said) == 1 and said[0].startswith(SAID), said
    assert after == before  # reviews, audit entries, imports: none of it kept


def reviewbot_url(url: str, *args: str) -> tuple[str, ...]:
    return ("-m", "bot", "--database", url, *args)


async def table_counts(connection: asyncpg.Connection) -> tuple[int, ...]:
    return tuple(
        [
            await connection.fetchval(f"SELECT COUNT(*) FROM {table}")
            for table in ("reviews", "audit_log", "imports", "review_terms")
        ]
    )


async def wait_until_blocked_updating_reviews(admin: asyncpg.Connection) -> None:
    """Until the import's transaction waits for the test's row lock, in its apply."""
    async with asyncio.timeout(WAIT_LIMIT):
        # Another process's state: there is no event here to await.
        while not await admin.fetchval(  # noqa: ASYNC110
            "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND query LIKE 'UPDATE reviews SET%'"
        ):
            await asyncio.sleep(0.05)


# -- the engines: a cancelled import is undone, unless it had finished ------------------

ENGINE_IMPORT = 3_000  # several SQLite chunks


def drafts(count: int) -> list[ReviewDraft]:
    return [make_review(f"Cancelled Film {n}", 1950 + n % 70) for n in range(count)]


async def cancel_import_at(store: Store, at: Callable[[int, int | None], bool]) -> ImportReport:
    """Import ENGINE_IMPORT reviews, cancelling the import from its progress callback
    at the first step ``at`` accepts; returns the report if the import ended anyway."""
    loop = asyncio.get_running_loop()
    task: asyncio.Task[ImportReport] | None = None

    def progress(done: int, total: int | None) -> None:
        if at(done, total) and task is not None:
            loop.call_soon_threadsafe(task.cancel)  # steps come from the import's thread

    task = asyncio.create_task(
        store.writes.import_reviews(drafts(ENGINE_IMPORT), actor_id=None, progress=progress)
    )
    return await task


async def test_a_cancelled_import_is_undone_on_either_engine(database: str) -> None:
    async with await Store.open(database) as store:
        with pytest.raises(asyncio.CancelledError):
            # The first step past staging (done counts staged rows, then applied ones).
            await cancel_import_at(
                store, lambda done, total: total is not None and total // 2 <= done < total
            )
        assert await store.reviews.scope_reviews(None) == []
        assert await store.table_rows("audit_log") == []


async def test_an_import_cancelled_after_its_last_row_is_kept_on_either_engine(
    database: str,
) -> None:
    async with await Store.open(database) as store:
        report = await cancel_import_at(
            store, lambda done, total: total is not None and done == total
        )
        assert report.added == ENGINE_IMPORT
        assert len(await store.reviews.scope_reviews(None)) == ENGINE_IMPORT
        assert len(await store.table_rows("audit_log")) == ENGINE_IMPORT
