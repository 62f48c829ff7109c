"""The engine interface: what the store needs from a database, on any engine.

The store holds one :class:`Database` and never asks which engine it is. Its SQL
runs through :class:`Connection` inside a write transaction, or through the
database's own reads, and spells the few things engines say differently through
``db.dialect`` (:mod:`bot.store.dialect`). What an engine does its own way is a
method here: how a bulk import runs, whether the catalog is a file that can be
backed up, what opening it repairs first (SQLite takes back an import whose
process died half-way).

Each engine is a package beside this module (:mod:`bot.store.sqlite`,
:mod:`bot.store.postgres`) that subclasses both classes. Adding one is a new
package and a line in :func:`bot.store.open_database`; nothing that holds a
store changes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol, Unpack

from bot.changes import ChangeFeed
from bot.models import ImportReport, ReviewDraft
from bot.store.dialect import Dialect
from bot.store.importing import ImportOptions

# A result row: a tuple from SQLite, an asyncpg Record from PostgreSQL; both index and unpack.
# (Any, so fetchone's "no row" None needs no cast where a row is certain.)
Row = Any
# Called after every rollback, so caches of rows never committed are dropped.
RollbackHook = Callable[[], Awaitable[None]]
Work = Literal["read", "write"]


class QueryObserver(Protocol):
    """Told the time of every read and write transaction, and every retry on a busy
    database (the bot's :class:`~bot.metrics.Metrics` is one)."""

    def store_query(self, work: Work, seconds: float) -> None: ...

    def store_busy_retry(self) -> None: ...


class Unobserved:
    """The observer of a database nobody measures."""

    def store_query(self, work: Work, seconds: float) -> None:
        pass

    def store_busy_retry(self) -> None:
        pass


UNOBSERVED = Unobserved()


class Connection(ABC):
    """Statements inside one write transaction."""

    dialect: ClassVar[Dialect]

    @abstractmethod
    async def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...

    @abstractmethod
    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    @abstractmethod
    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    @abstractmethod
    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row: ...


class Database(ABC):
    """One catalog database: reads that never wait on a write, and one writer at a time."""

    dialect: ClassVar[Dialect]
    # What the engine's driver raises, a database briefly unreachable or busy among it.
    errors: ClassVar[tuple[type[Exception], ...]]

    def __init__(self) -> None:
        self._rollback_hooks: list[RollbackHook] = []
        # Told how long each read and write transaction took (see :meth:`observe`).
        self.observer: QueryObserver = UNOBSERVED

    def observe(self, observer: QueryObserver) -> None:
        """Tell ``observer`` the time of every query and every busy retry from now on."""
        self.observer = observer

    @property
    def pool_size(self) -> int | None:
        """The most connections the engine's pool opens; ``None`` where it has no pool."""
        return None

    def pool_in_use(self) -> int:
        """Pooled connections busy now (0 where there is no pool)."""
        return 0

    def on_rollback(self, hook: RollbackHook) -> None:
        self._rollback_hooks.append(hook)

    async def _rolled_back(self) -> None:
        """Run the rollback hooks: every engine's transaction calls this after a rollback."""
        for hook in self._rollback_hooks:
            await hook()

    @property
    @abstractmethod
    def location(self) -> str:
        """The file path or the URL (without its password), for messages."""

    @property
    @abstractmethod
    def path(self) -> Path | None:
        """The database file, for tools that work on the file itself; ``None`` where
        the catalog is not a file."""

    @abstractmethod
    def transaction(self, *, dry_run: bool = False) -> AbstractAsyncContextManager[Connection]:
        """A write transaction: committed at the end, rolled back on error or ``dry_run``.

        Writers are serialised (across processes too), as SQLite's one writer is.
        """

    @abstractmethod
    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    @abstractmethod
    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row: ...

    @abstractmethod
    async def import_reviews(
        self, reviews: Iterable[ReviewDraft], **options: Unpack[ImportOptions]
    ) -> ImportReport:
        """Upsert ``reviews`` by identity (:mod:`bot.store.identity`): all rows or none."""

    @abstractmethod
    async def backup(self, destination: Path) -> None:
        """A consistent copy of the catalog, safe while writes go on; raises
        :class:`~bot.store.errors.StoreError` where the engine's own tools do it."""

    @abstractmethod
    async def optimize(self) -> None:
        """Refresh the planner's statistics after a bulk change."""

    @abstractmethod
    async def columns(self, table: str) -> list[str]:
        """The stored columns of ``table`` (not generated ones), in their declared order."""

    @abstractmethod
    async def schema_version(self) -> int: ...

    @abstractmethod
    async def integrity_check(self) -> str: ...

    @abstractmethod
    async def change_feed(self) -> ChangeFeed:
        """A feed of every change committed from now on, by any process."""

    @abstractmethod
    async def close(self) -> None: ...
