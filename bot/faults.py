"""Operator faults: what only the person running reviewbot can fix.

A member whose /review add meets a read-only database file did nothing wrong and can
do nothing about it, and the file's path on the server is none of their business. So
an operator fault is never shown to a member as it is: the reply policy
(bot/replies.py) logs it once with an error id and the member reads a plain sentence
quoting that id, for whoever runs the bot. The command line, whose user is the
operator, prints the fault's own text as its one line.

An outage (PostgreSQL unreachable, the disk full) is the one fault that is not logged
per request: while it lasts every request meets it, so :class:`Outage` logs one line
when it begins and one when it ends, and members read :data:`CATALOG_UNAVAILABLE`.

Faults are raised while serving a request the asker had every right to make. Failing
to open the database is not one: only the operator opens it (the command line, the
bot's start-up), so that stays a :class:`bot.store.StoreError` told to them directly.
Like bot/member_errors.py, it imports none of the bot's modules, so the store can raise these.
"""

from __future__ import annotations

import logging
import secrets
import time
from pathlib import Path

log = logging.getLogger(__name__)

CATALOG_UNAVAILABLE = "The catalog can't be reached right now; try again in a minute."


def new_error_id() -> str:
    """What a member quotes to whoever reads the logs; the log line carries it too."""
    return secrets.token_hex(4)


class OperatorFault(Exception):
    """A request failed on something only the operator can fix; the text is for them."""


class DatabaseReadOnly(OperatorFault):
    """The database file refuses writes (its mode, its folder, or a read-only mount)."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path}: the file is read-only; nothing was changed")
        self.path = path


class DiskFull(OperatorFault):
    """The disk holding the database has no room left for a write."""

    def __init__(self, path: Path, consequence: str = "nothing was changed") -> None:
        super().__init__(f"{path}: the disk is full; {consequence}")
        self.path = path


class CatalogUnavailable(OperatorFault):
    """The catalog cannot be reached or written at all, for now: its :class:`Outage`
    has logged it, so a request meeting it logs nothing more."""


class Outage:
    """One way one database can be out (unreachable, disk full): logged as it begins
    and as it ends, never per request, and counting the requests it refused.

    The engine calls :meth:`fault` for every request the outage refuses,
    :meth:`noticed` where it only retries (a feed reconnecting), and :meth:`over`
    after whatever proves it over (an answer from the server, a committed write);
    :meth:`over` costs one comparison while nothing is out.
    """

    def __init__(self, subject: str) -> None:
        self.subject = subject  # "cannot reach postgresql://…", "reviews.db: the disk is full"
        self._began: float | None = None
        self._error_id = ""
        self._refused = 0

    @property
    def ongoing(self) -> bool:
        return self._began is not None

    def noticed(self, cause: BaseException) -> None:
        """``cause`` shows the outage; the first sign of it is logged, with an error id."""
        if self._began is not None:
            return
        self._began, self._error_id, self._refused = time.monotonic(), new_error_id(), 0
        log.error(
            "operator fault %s: %s (%s: %s); members are told to try again in a minute "
            "until it is over",
            self._error_id,
            self.subject,
            type(cause).__name__,
            cause,
        )

    def fault(self, cause: BaseException) -> CatalogUnavailable:
        """The fault to raise for a request ``cause`` stopped."""
        self.noticed(cause)
        self._refused += 1
        return CatalogUnavailable(f"{self.subject} (outage {self._error_id})")

    def over(self) -> None:
        if self._began is None:
            return
        log.warning(
            "over after %.0f s: %s (outage %s); %d request(s) were refused meanwhile",
            time.monotonic() - self._began,
            self.subject,
            self._error_id,
            self._refused,
        )
        self._began = None
