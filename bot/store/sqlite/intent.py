"""Writers waiting for the database announce it, so a bulk import lets them in first.

SQLite's lock has no queue: a bulk import that commits a chunk and begins the next
one a moment later can keep taking the lock from a writer that polls for it,
especially on a busy machine. So every short transaction (the bot's misses, picks,
edits) holds a *shared* OS lock on ``<database>.writers`` while it waits and
writes; before each chunk, the import tries the *exclusive* lock for an instant and,
while it cannot have it (someone is waiting or writing), waits. The OS drops the
locks of a process that dies.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

YIELD_AT_MOST_SECONDS = 2.0  # an import is never stalled for good by a stream of writes
YIELD_STEP_SECONDS = 0.002


def intent_path(database: Path) -> Path:
    return database.with_name(f"{database.name}.writers")


class WriteIntent:
    """One open file per connection that writes; :meth:`waiting` around a transaction."""

    def __init__(self, database: Path) -> None:
        self._path = intent_path(database)
        self._file: IO[str] | None = None

    def _opened(self) -> IO[str] | None:
        """The lock file, opened on first use; ``None`` where it cannot be made (a
        read-only folder, where nobody writes anyway)."""
        if self._file is None:
            try:
                self._file = self._path.open("a")
            except OSError:
                return None
        return self._file

    @contextmanager
    def waiting(self) -> Iterator[None]:
        """Shared: any number of short writers at once, never blocked by an import."""
        file = self._opened()
        if file is None:
            yield
            return
        fcntl.flock(file, fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)

    def let_waiting_writers_in(self) -> None:
        """Return once no short writer waits (or after :data:`YIELD_AT_MOST_SECONDS`)."""
        file = self._opened()
        if file is None:
            return
        deadline = time.monotonic() + YIELD_AT_MOST_SECONDS
        while True:
            try:
                fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return
                time.sleep(YIELD_STEP_SECONDS)
                continue
            fcntl.flock(file, fcntl.LOCK_UN)
            return

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
