"""Event-driven waiting on the stand-in's recorded state.

Every mutation the stand-in records (a REST request, a gateway frame) calls
:meth:`ChangeFeed.notify`; waiters re-check their predicate on each change instead of
polling with sleeps, so tests finish as soon as the bot has answered.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class LoopbackError(Exception):
    """Base class of everything the stand-in raises on purpose."""


class LoopbackTimeout(LoopbackError, AssertionError):
    """The bot did not do what a test waited for within the timeout.

    It is an ``AssertionError`` so pytest reports it as a test failure, not an error
    inside the harness.
    """


class LoopbackUsageError(LoopbackError, ValueError):
    """A test asked the stand-in for something Discord itself would not allow.

    For example invoking a command that was never synced, clicking a disabled button,
    or leaving out a required option.
    """


class ChangeFeed:
    """A broadcast "something changed" signal that any number of tasks can await."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        """Wake every waiter; they re-evaluate their predicates."""
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def changed(self, within: float) -> bool:
        """Wait up to ``within`` seconds for the next change; ``False`` if none came."""
        try:
            await asyncio.wait_for(self._event.wait(), within)
        except TimeoutError:
            return False
        return True

    async def wait_until(
        self,
        predicate: Callable[[], T | None],
        *,
        within: float,
        describe: Callable[[], str],
    ) -> T:
        """Return the first truthy value of ``predicate()``, re-checked on every change.

        Raises :class:`LoopbackTimeout` with ``describe()`` in the message when nothing
        satisfies the predicate in ``within`` seconds.
        """
        deadline = time.monotonic() + within
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LoopbackTimeout(f"timed out after {within:.1f}s: {describe()}")
            event = self._event
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                continue
