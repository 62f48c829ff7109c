"""Operator faults: what only the person running reviewbot can fix.

A member whose /review add meets a read-only database file did nothing wrong and can
do nothing about it, and the file's path on the server is none of their business. So
an operator fault is never shown to a member as it is: the reply policy
(bot/replies.py) logs it once with an error id and the member reads a plain sentence
quoting that id, for whoever runs the bot. The command line, whose user is the
operator, prints the fault's own text as its one line.

Faults are raised while serving a request the asker had every right to make. Failing
to open the database is not one: only the operator opens it (the command line, the
bot's start-up), so that stays a :class:`bot.store.StoreError` told to them directly.
Like bot/member_errors.py, it imports none of the bot's modules, so the store can raise these.
"""

from __future__ import annotations

from pathlib import Path


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
