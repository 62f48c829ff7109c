"""Bulk import: set-based SQL in short transactions, all or nothing through a journal.

Written row by row in one transaction, an import of 58,788 films took over a minute
and held SQLite's one write lock all that time, so the bot's own writes (misses,
picks, settings) failed with "database is locked". Here an import runs in a worker
thread on its own connection, in four steps:

1. **read**: reviews are taken from an iterable as it yields them (the importers
   parse a file as it is read), :data:`STAGE_BATCH` at a time, so an import never
   holds a whole file; a parser that raises at the end (a bad row anywhere) stops the
   import before anything is applied;
2. **stage**: each batch becomes column values and goes into a table with
   ``executemany``, in a database file attached to this connection alone
   (:func:`_attach_staging`), so staging takes no lock
   on the catalog;
3. **apply**: in chunks sized to take about :data:`CHUNK_SECONDS` each, every chunk its
   own ``BEGIN IMMEDIATE``: staged rows are matched to existing reviews
   (:func:`same_review`, the one definition of "the existing row for this review"),
   then inserted or updated, terms and genre masks derived in SQL from the staged
   lists (for written rows only), audited, and journalled in
   ``import_changes``. Between chunks the connection pauses for
   :data:`CHUNK_PAUSE_SECONDS`, so other writers, in this process or another, get
   the lock;
4. **finish**: the ``imports`` row turns 'done' and its journal is dropped.

All or nothing: when a chunk fails, or the import is stopped (its ``stop`` event
set: the engine sets it when the coroutine awaiting the import is cancelled, as
Ctrl-C on ``reviewbot import`` does), the chunks already applied are undone from the
journal (added rows deleted, updated rows restored, their audit entries removed);
when the process dies, the next :func:`recover` (run by every ``SqliteDatabase.open`` and
every import, under the import lock) finds the import still 'applying' and undoes
it. Readers can see an import's first chunks during the seconds it is applied.

Once 'done' is committed the import is kept, whatever happens next: the statistics
and the checkpoint that follow are upkeep, and their failure (a full disk) comes
back as the report's warning, never as an undo.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from itertools import islice
from pathlib import Path
from typing import Any, Unpack

from bot.faults import OperatorFault
from bot.models import ImportReport, ReviewDraft
from bot.store.clock import utc_now
from bot.store.errors import StoreError
from bot.store.filters import MAX_GENRE_BIT, fold
from bot.store.identity import IDENTITY_COLUMNS, same_review
from bot.store.importing import (
    ANALYZE_AFTER_ROWS,
    CONTENT,
    DERIVED,
    TERM_COLUMNS,
    ImportOptions,
    Progress,
    content_json,
    same_content,
)
from bot.store.schema import CONTENT_PARAMS, content_values, db_scope
from bot.store.sqlite.dialect import SQLITE
from bot.store.sqlite.feed import KEEP_CHANGES, PRUNE_SQL, change_triggers
from bot.store.sqlite.intent import WriteIntent

CHUNK_SECONDS = 0.08  # target time one apply transaction holds the write lock
CHUNK_PAUSE_SECONDS = 0.005  # writers that announce themselves go first anyway (intent.py)
FIRST_CHUNK_ROWS = 500
MAX_CHUNK_ROWS = 20_000
STAGE_BATCH = 2_000  # rows read and staged at a time (all the import holds of a file)
UNDO_BATCH = 2_000
# Apply time between the import's WAL checkpoints: each chunk rewrites the index pages
# it touches into the WAL, so this bounds how far the WAL grows.
CHECKPOINT_AFTER_SECONDS = 0.5
IMPORT_BUSY_TIMEOUT_MS = 30_000  # the importer itself may wait for the bot's short writes
# Stored beside content: kept by an update, restored by an undo.
_KEPT = [*DERIVED, "genre_mask", "deleted_at", "updated_by", "updated_at"]


class ImportRunning(StoreError):
    def __init__(self, path: Path) -> None:
        super().__init__(
            f"another import into {path.name} is running; try again when it has finished"
        )


class ImportStopped(Exception):
    """The import's ``stop`` event was set: it ended before finishing, undone."""


class ImportNotUndone(OperatorFault):
    """An import failed and taking it back failed too (on a full disk, say). Its
    journal is intact: the next process to open the database undoes it."""

    def __init__(self, cause: BaseException, undo_error: sqlite3.Error) -> None:
        why = "interrupted" if isinstance(cause, ImportStopped) else str(cause)
        super().__init__(
            f"nothing imported ({why}), but taking back the rows it had applied failed "
            f"({undo_error}): reviewbot takes them back when it next opens the database"
        )
        self.cause = cause


def _content_json(alias: str) -> str:
    return content_json(SQLITE, alias)


def is_full(error: BaseException) -> bool:
    """The disk (or the file system's quota) had no room for a write."""
    # getattr: an error raised by Python code rather than by SQLite has no code.
    return getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL


def _rollback(db: sqlite3.Connection) -> None:
    """ROLLBACK if a transaction is still open: SQLite ends one itself on some errors
    (a full disk), and a ROLLBACK then would raise "no transaction is active" in place
    of the error that matters."""
    if db.in_transaction:
        db.execute("ROLLBACK")


@contextmanager
def import_lock(path: Path) -> Iterator[None]:
    """One import per database, across processes; the OS drops it if the process dies."""
    lock_path = path.with_name(f"{path.name}.import-lock")
    with lock_path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ImportRunning(path) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def connect(path: Path, origin: int) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    for pragma in (
        f"busy_timeout = {IMPORT_BUSY_TIMEOUT_MS}",
        "foreign_keys = ON",
        "synchronous = NORMAL",
        # TEMP in memory: the plan, and above all the statement journals SQLite keeps
        # for every multi-row write in a transaction (a copy of each page the statement
        # changes, so it can be undone alone): in files, they were a large share of an
        # import's writes. The staged rows, the one large thing, go to a file
        # (_attach_staging).
        # The catalog's pages an import touches stay cached between its chunks (32 MiB
        # at most). No automatic checkpoints: SQLite runs one inside the COMMIT that
        # crosses the limit, which then counts as holding the lock and shrinks the next
        # chunk; the import checkpoints between its chunks instead (_checkpoint).
        "temp_store = MEMORY",
        "cache_size = -32768",
        "wal_autocheckpoint = 0",
    ):
        connection.execute(f"PRAGMA {pragma}")
    for statement in change_triggers(origin):
        connection.execute(statement)
    # Terms and genre bits are derived in SQL from the staged lists, folded as every
    # other write folds them.
    connection.create_function("fold", 1, fold, deterministic=True)
    return connection


@dataclass(frozen=True, slots=True)
class _Prepared:
    rows: int
    repeats_same: int
    repeats_changed: int


class BulkImport:
    """One import on one connection; run :meth:`run` in a worker thread."""

    def __init__(
        self,
        connection: sqlite3.Connection,
        *,
        actor_id: int | None,
        progress: Progress | None = None,
        intent: WriteIntent | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.db = connection
        self.intent = intent
        self.actor_id = actor_id
        self.progress = progress or (lambda done, total: None)
        self.stop = stop or threading.Event()

    def run(self, reviews: Iterable[ReviewDraft], *, dry_run: bool) -> ImportReport:
        """Stage ``reviews`` as they come, then apply them; ``reviews`` may be a parser's
        generator that raises at its end (a bad row anywhere): nothing is applied then."""
        recover(self.db)
        _attach_staging(self.db)
        rows = self._stage(reviews)
        total = 2 * rows
        prepared = self._mark_repeats(rows)
        if dry_run:
            counts = self._classify_all(prepared.rows)
            self.progress(total, total)
            return self._report(counts, prepared, dry_run=True)
        counts, added = self._apply(prepared.rows, total)
        warning = self._upkeep(written=counts.get("add", 0) + counts.get("update", 0))
        report = self._report(counts, prepared, dry_run=False)
        return replace(report, added_ids=added, warning=warning)

    def _check_stop(self) -> None:
        if self.stop.is_set():
            raise ImportStopped()

    # -- read and stage (no lock on the catalog) -------------------------------------

    def _stage(self, reviews: Iterable[ReviewDraft]) -> int:
        """Stage reviews a batch at a time (only one batch is ever held); the rows staged.

        Terms and genre masks are not staged: they are derived in SQL from the staged
        JSON lists, and only for the rows an apply writes (a no-op import derives none).
        """
        columns = ["seq", "scope", *CONTENT_PARAMS]
        # Staged rows are never rewritten: what the import decides for each goes in the
        # narrow ``plan`` (cheap to write, where rewriting a staged row is not).
        self.db.execute(
            f"CREATE TABLE staging.stage (seq INTEGER PRIMARY KEY, {', '.join(columns[1:])})"
        )
        self.db.execute(
            "CREATE TEMP TABLE plan "
            "(seq INTEGER PRIMARY KEY, review_id INTEGER, action TEXT NOT NULL)"
        )
        insert = (
            f"INSERT INTO stage ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        )
        seq = 0
        for batch in batched(reviews, STAGE_BATCH):
            self._check_stop()
            rows = [
                (seq + offset, db_scope(review.scope), *content_values(review))
                for offset, review in enumerate(batch)
            ]
            seq += len(rows)
            # One transaction a batch: by itself, executemany commits every row.
            self.db.execute("BEGIN")
            self.db.executemany(insert, rows)
            self.db.execute("COMMIT")
            self.progress(seq, None)
        self.db.execute(
            f"CREATE INDEX staging.stage_identity ON stage ({', '.join(IDENTITY_COLUMNS)})"
        )
        return seq

    def _assign_genre_bits(self) -> None:
        """Bits for every genre the staged rows name (one short write)."""
        wanted = [
            (value,)
            for (value,) in self.db.execute(
                "SELECT DISTINCT fold(j.value) FROM stage, json_each(stage.genres) j "
                "WHERE NOT EXISTS (SELECT 1 FROM genre_bits b WHERE b.value = fold(j.value))"
            )
        ]
        if not wanted:
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.executemany(
                "INSERT OR IGNORE INTO genre_bits (value, bit) "
                "SELECT ?, COALESCE(MAX(bit) + 1, 0) FROM genre_bits "
                f"HAVING COALESCE(MAX(bit) + 1, 0) <= {MAX_GENRE_BIT}",
                sorted(wanted),
            )
        except BaseException:
            _rollback(self.db)
            raise
        self.db.execute("COMMIT")

    def _genre_masks(self) -> None:
        """The genre mask of every genre list staged, each list once (a file repeats a
        few hundred lists at most), for the rows the chunks write."""
        self.db.execute(
            "CREATE TEMP TABLE genre_masks AS SELECT genres, (SELECT COALESCE(SUM(1 << b.bit), 0) "
            "FROM genre_bits b WHERE b.value IN (SELECT fold(j.value) FROM json_each(g.genres) j)) "
            "AS mask FROM (SELECT DISTINCT genres FROM stage) g"
        )
        self.db.execute("CREATE UNIQUE INDEX temp.genre_masks_by_list ON genre_masks (genres)")

    def _mark_repeats(self, rows: int) -> _Prepared:
        """A review the file holds twice is written once, as its last copy says."""
        self.db.execute(
            "INSERT INTO plan (seq, action) SELECT s.seq, CASE WHEN EXISTS (SELECT 1 FROM stage "
            f"later WHERE later.seq > s.seq AND {same_review('later', 's')} "
            f"AND {same_content(SQLITE, 'later', 's')}) THEN 'repeat-same' ELSE 'repeat' END "
            "FROM stage s WHERE EXISTS (SELECT 1 FROM stage later WHERE later.seq > s.seq "
            f"AND {same_review('later', 's')})"
        )
        counts = dict(self.db.execute("SELECT action, COUNT(*) FROM plan GROUP BY action"))
        return _Prepared(rows, counts.get("repeat-same", 0), counts.get("repeat", 0))

    # -- apply in short transactions --------------------------------------------------

    def _classify(self, low: int, high: int) -> None:
        """Match a range of staged rows to stored reviews: add, update or same (a repeat
        is already planned)."""
        self.db.execute(
            "INSERT INTO plan (seq, review_id, action) SELECT s.seq, r.id, CASE "
            "WHEN r.id IS NULL THEN 'add' "
            f"WHEN r.deleted_at IS NULL AND {same_content(SQLITE, 'r', 's')} THEN 'same' "
            f"ELSE 'update' END FROM stage s LEFT JOIN reviews r ON {same_review('r', 's')} "
            "WHERE s.seq BETWEEN ? AND ? AND NOT EXISTS (SELECT 1 FROM plan p WHERE p.seq = s.seq)",
            (low, high),
        )

    def _classify_all(self, rows: int) -> dict[str, int]:
        self.db.execute("BEGIN")  # one snapshot of the catalog for the whole dry run
        try:
            self._classify(0, rows)
            return self._counts(0, rows)
        finally:
            _rollback(self.db)

    def _counts(self, low: int, high: int) -> dict[str, int]:
        return dict(
            self.db.execute(
                "SELECT action, COUNT(*) FROM plan WHERE seq BETWEEN ? AND ? GROUP BY action",
                (low, high),
            ).fetchall()
        )

    def _apply(self, rows: int, total: int) -> tuple[dict[str, int], frozenset[int]]:
        """Counts by action, and the ids of the reviews added (they get announced)."""
        self._assign_genre_bits()
        self._genre_masks()
        import_id = self._begin_journal(rows)
        counts: dict[str, int] = {}
        added: set[int] = set()
        low, size = 0, FIRST_CHUNK_ROWS
        unchecked = 0.0  # apply time since the last checkpoint
        try:
            while low < rows:
                self._check_stop()
                high = min(rows, low + size) - 1
                if self.intent is not None:
                    self.intent.let_waiting_writers_in()
                started = time.perf_counter()
                self.db.execute("BEGIN IMMEDIATE")
                try:
                    self._apply_chunk(import_id, low, high)
                except BaseException:
                    _rollback(self.db)
                    raise
                self.db.execute("COMMIT")
                elapsed = time.perf_counter() - started
                for action, count in self._counts(low, high).items():
                    counts[action] = counts.get(action, 0) + count
                added.update(
                    row[0]
                    for row in self.db.execute(
                        "SELECT review_id FROM plan WHERE seq BETWEEN ? AND ? AND action = 'add'",
                        (low, high),
                    )
                )
                self.progress(rows + high + 1, total)
                unchecked += elapsed
                if unchecked >= CHECKPOINT_AFTER_SECONDS:
                    self._checkpoint()
                    unchecked = 0.0
                size = _next_chunk(high - low + 1, elapsed)
                low = high + 1
                if low < rows:
                    time.sleep(CHUNK_PAUSE_SECONDS)  # let waiting writers in
            self._finish(import_id)
        except BaseException as error:
            try:
                undo(self.db, import_id)
            except sqlite3.Error as undo_error:
                raise ImportNotUndone(error, undo_error) from error
            raise
        return counts, frozenset(added)

    def _upkeep(self, *, written: int) -> str | None:
        """Fresh statistics and a checkpoint, after the import is kept; what went wrong
        (a full disk, most likely) is returned for the report, the import kept."""
        try:
            if written >= ANALYZE_AFTER_ROWS:
                # Fresh statistics keep filtered picks on their indexes; the limit keeps
                # ANALYZE itself to a few milliseconds of lock.
                self.db.execute("PRAGMA analysis_limit = 400")
                self.db.execute("ANALYZE")
            self._checkpoint()
        except sqlite3.Error as error:
            _rollback(self.db)
            if is_full(error):
                return (
                    f"the import is complete and kept, but the disk is full ({error}): "
                    "free some space; SQLite moves the import from its write-ahead log "
                    "into the database file once there is room"
                )
            return f"the import is complete and kept, but the upkeep after it failed ({error})"
        return None

    def _checkpoint(self) -> None:
        """Copy the WAL's pages into the database, outside any transaction. PASSIVE: it
        waits for no reader or writer, and leaves what they still need."""
        self.db.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def _begin_journal(self, rows: int) -> int:
        self.db.execute("BEGIN IMMEDIATE")
        [(import_id,)] = self.db.execute(
            "INSERT INTO imports (state, actor_id, started_at, rows) "
            "VALUES ('applying', ?, ?, ?) RETURNING id",
            (self.actor_id, utc_now(), rows),
        ).fetchall()  # every row read, so the statement is done before COMMIT
        self.db.execute("COMMIT")
        return int(import_id)

    def _apply_chunk(self, import_id: int, low: int, high: int) -> None:
        self._classify(low, high)
        chunk = (low, high)
        now = utc_now()
        kept = ", ".join(f"r.{name}" for name in (*CONTENT, *_KEPT))
        planned = "FROM plan p JOIN stage s ON s.seq = p.seq WHERE p.seq BETWEEN ? AND ? AND"
        mask = "(SELECT mask FROM genre_masks m WHERE m.genres = s.genres)"
        # Updated rows: journal and audit the row as it was, then rewrite it.
        self.db.execute(
            "INSERT INTO import_changes (import_id, review_id, before) "
            f"SELECT ?, r.id, json_array({kept}) FROM plan p JOIN reviews r ON r.id = p.review_id "
            "WHERE p.seq BETWEEN ? AND ? AND p.action = 'update'",
            (import_id, *chunk),
        )
        self.db.execute(
            "INSERT INTO audit_log (review_id, scope, actor_id, action, at, before, after, "
            f"import_id) SELECT r.id, r.scope, ?, 'import', ?, {_content_json('r')}, "
            f"{_content_json('s')}, ? FROM plan p JOIN stage s ON s.seq = p.seq "
            "JOIN reviews r ON r.id = p.review_id "
            "WHERE p.seq BETWEEN ? AND ? AND p.action = 'update'",
            (self.actor_id, now, import_id, *chunk),
        )
        assignments = ", ".join(f"{name} = s.{name}" for name in (*CONTENT, *DERIVED))
        self.db.execute(
            f"UPDATE reviews SET {assignments}, genre_mask = {mask}, updated_by = ?, "
            "updated_at = ?, deleted_at = NULL, version = version + 1 "
            "FROM plan p JOIN stage s ON s.seq = p.seq "
            "WHERE p.review_id = reviews.id AND p.seq BETWEEN ? AND ? AND p.action = 'update'",
            (self.actor_id, now, *chunk),
        )
        # Added rows.
        columns = ("scope", *CONTENT, *DERIVED)
        self.db.execute(
            f"INSERT INTO reviews ({', '.join(columns)}, genre_mask, created_by, created_at, "
            f"updated_by, updated_at) SELECT {', '.join(f's.{name}' for name in columns)}, "
            f"{mask}, ?, ?, ?, ? {planned} p.action = 'add' ORDER BY p.seq",
            (self.actor_id, now, self.actor_id, now, *chunk),
        )
        self.db.execute(
            f"UPDATE plan SET review_id = (SELECT r.id FROM stage s JOIN reviews r "
            f"ON {same_review('r', 's')} WHERE s.seq = plan.seq) "
            "WHERE seq BETWEEN ? AND ? AND action = 'add'",
            chunk,
        )
        self.db.execute(
            "INSERT INTO import_changes (import_id, review_id, before) "
            "SELECT ?, review_id, NULL FROM plan WHERE seq BETWEEN ? AND ? AND action = 'add'",
            (import_id, *chunk),
        )
        self.db.execute(
            "INSERT INTO audit_log (review_id, scope, actor_id, action, at, before, after, "
            f"import_id) SELECT p.review_id, s.scope, ?, 'import', ?, NULL, {_content_json('s')}, "
            f"? {planned} p.action = 'add'",
            (self.actor_id, now, import_id, *chunk),
        )
        # Terms of every row written.
        self.db.execute(
            "DELETE FROM review_terms WHERE review_id IN (SELECT review_id FROM plan "
            "WHERE seq BETWEEN ? AND ? AND action = 'update')",
            chunk,
        )
        for kind, column in TERM_COLUMNS:
            self.db.execute(
                "INSERT OR IGNORE INTO review_terms (review_id, kind, value, label) "
                f"SELECT p.review_id, '{kind}', fold(j.value), j.value "
                f"FROM plan p JOIN stage s ON s.seq = p.seq, json_each(s.{column}) j "
                "WHERE p.seq BETWEEN ? AND ? AND p.action IN ('add', 'update')",
                chunk,
            )

    def _finish(self, import_id: int) -> None:
        """Mark the import 'done': from its COMMIT on, the import is kept."""
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute(
            "UPDATE imports SET state = 'done', finished_at = ? WHERE id = ?",
            (utc_now(), import_id),
        )
        self.db.execute("DELETE FROM import_changes WHERE import_id = ?", (import_id,))
        self.db.execute(PRUNE_SQL, (KEEP_CHANGES,))  # imports are what makes it grow
        self.db.execute("COMMIT")

    def _report(
        self, counts: dict[str, int], prepared: _Prepared, *, dry_run: bool
    ) -> ImportReport:
        return ImportReport(
            added=counts.get("add", 0),
            updated=counts.get("update", 0) + prepared.repeats_changed,
            unchanged=counts.get("same", 0) + prepared.repeats_same,
            dry_run=dry_run,
        )


def _attach_staging(db: sqlite3.Connection) -> None:
    """Attach ``staging``, a database file of the import's own for the staged rows: on
    disk, so they never fill memory, and not TEMP, which is in memory (connect).

    Nothing else opens it, so it keeps no journal, never syncs and is locked once.
    Its name is unlinked as soon as SQLite has it open, as SQLite does with its own
    temporary files: the file goes when the connection closes, even if the process is
    killed.
    """
    handle, name = tempfile.mkstemp(prefix="reviewbot-import-", suffix=".db")
    os.close(handle)
    try:
        db.execute("ATTACH DATABASE ? AS staging", (name,))
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "locking_mode = EXCLUSIVE"):
            db.execute(f"PRAGMA staging.{pragma}")
    finally:
        os.unlink(name)


def batched(items: Iterable[ReviewDraft], size: int) -> Iterator[list[ReviewDraft]]:
    """``items`` in lists of ``size`` (itertools.batched is Python 3.12)."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _next_chunk(size: int, elapsed: float) -> int:
    """Rows the next chunk may take to hold the lock for about CHUNK_SECONDS."""
    rate = size / max(elapsed, 1e-3)
    return max(FIRST_CHUNK_ROWS // 5, min(MAX_CHUNK_ROWS, int(rate * CHUNK_SECONDS)))


# -- undo and recovery ------------------------------------------------------------------


def undo(db: sqlite3.Connection, import_id: int) -> None:
    """Take back every chunk of ``import_id`` already applied, in short transactions."""
    _rollback(db)
    restore = ", ".join(f"{name} = ?" for name in (*CONTENT, *_KEPT))
    while True:
        db.execute("BEGIN IMMEDIATE")
        try:
            batch = db.execute(
                "SELECT review_id, before FROM import_changes WHERE import_id = ? LIMIT ?",
                (import_id, UNDO_BATCH),
            ).fetchall()
            if not batch:
                db.execute("DELETE FROM audit_log WHERE import_id = ?", (import_id,))
                db.execute(
                    "UPDATE imports SET state = 'undone', finished_at = ? WHERE id = ?",
                    (utc_now(), import_id),
                )
                db.execute("COMMIT")
                return
            added = [(review_id,) for review_id, before in batch if before is None]
            restored = [(review_id, json.loads(before)) for review_id, before in batch if before]
            db.executemany("DELETE FROM reviews WHERE id = ?", added)
            db.executemany(
                # Forward, not back: a form opened on the import's version must not
                # pass for the one before it.
                f"UPDATE reviews SET {restore}, version = version + 1 WHERE id = ?",
                [(*values, review_id) for review_id, values in restored],
            )
            db.executemany(
                "DELETE FROM review_terms WHERE review_id = ?",
                [(review_id,) for review_id, _ in restored],
            )
            db.executemany(
                "INSERT OR IGNORE INTO review_terms (review_id, kind, value, label) "
                "VALUES (?, ?, ?, ?)",
                [term for review_id, values in restored for term in _terms(review_id, values)],
            )
            db.executemany(
                "DELETE FROM import_changes WHERE import_id = ? AND review_id = ?",
                [(import_id, review_id) for review_id, _ in batch],
            )
        except BaseException:
            _rollback(db)
            raise
        db.execute("COMMIT")


def _terms(review_id: int, values: Sequence[Any]) -> Iterator[tuple[int, str, str, str]]:
    row = dict(zip(CONTENT, values, strict=False))
    for kind, column in TERM_COLUMNS:
        for label in json.loads(row[column]):
            yield review_id, kind, fold(label), label


def recover(db: sqlite3.Connection) -> list[int]:
    """Undo imports left 'applying' by a process that died; call under the import lock."""
    stale = [row[0] for row in db.execute("SELECT id FROM imports WHERE state = 'applying'")]
    for import_id in stale:
        undo(db, import_id)
    return stale


def recover_file(path: Path, origin: int) -> list[int]:
    """:func:`recover` for ``path`` unless an import is running there now."""
    try:
        with import_lock(path):
            db = connect(path, origin)
            try:
                return recover(db)
            finally:
                db.close()
    except ImportRunning:
        return []


def import_reviews(
    path: Path,
    reviews: Iterable[ReviewDraft],
    *,
    origin: int,
    stop: threading.Event,
    **options: Unpack[ImportOptions],
) -> ImportReport:
    """The whole import, blocking: for a worker thread (``asyncio.to_thread``); setting
    ``stop`` ends it undone (:class:`ImportStopped`). SQLite's errors reach the caller as
    they are (:class:`~bot.store.sqlite.database.SqliteDatabase` words them)."""
    with import_lock(path):
        db = connect(path, origin)
        intent = WriteIntent(path)
        try:
            importer = BulkImport(
                db,
                actor_id=options["actor_id"],
                progress=options.get("progress"),
                intent=intent,
                stop=stop,
            )
            return importer.run(reviews, dry_run=options.get("dry_run", False))
        finally:
            intent.close()
            db.close()
