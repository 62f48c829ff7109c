"""Answering a burst inside Discord's window: lookups take turns, and a long wait is deferred.

Discord drops an interaction the bot has not acknowledged within 3 s. All handlers
share one event loop, and 1,000 `/review` let loose at once interleave so that
nearly every one finishes near the end of the whole burst's work (in-process with
the stand-in, p50 2.4 s and the last at 2.98 s: bench/bench_burst.py). So lookups
take :class:`Turns`: at most :data:`SLOTS` at a time, first come first served,
which answers the first ones first. One still waiting for its turn
:data:`DEFER_AFTER` after Discord created it is deferred ("thinking…") while it
waits, so its acknowledgement never waits on the queue; and deferrals go before
the turns of lookups already deferred, a few at a time (many at once would open as
many connections and each take seconds).

A deferral fixes whether the answer will be private, before the lookup has run:
the caller says how to guess (``private``), cheaply. /review defers publicly only
when its answer is sure to be a card; otherwise privately, so a card found for a
typo comes privately under such a burst (never the reverse: a reply meant to be
private is never made public by a deferral).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import discord

SLOTS = 4  # lookups at a time: enough to keep the loop busy while one awaits a read
DEFERRING = 8  # deferrals at a time: few enough to reuse the HTTP connections
DEFER_AFTER = 1.0  # seconds after Discord created an interaction: defer it if not yet begun


class Turns:
    """First come, first served, :data:`SLOTS` at a time; a long wait is deferred first."""

    def __init__(self, slots: int = SLOTS, defer_after: float = DEFER_AFTER) -> None:
        self._free = asyncio.Semaphore(slots)  # wakes its waiters in order
        self._deferring = asyncio.Semaphore(DEFERRING)
        self._defer_after = defer_after
        self._deferrals = 0  # asked for and not yet sent
        self._deferred_all = asyncio.Event()  # set while no deferral is waiting
        self._deferred_all.set()

    @asynccontextmanager
    async def take(
        self, interaction: discord.Interaction | None, *, private: Callable[[], bool]
    ) -> AsyncIterator[None]:
        """Wait for a turn (deferring ``interaction`` if the wait grows long, privately
        when ``private()`` says so), and hold it for the block.

        A message command (no ``interaction``) has no window, and only waits.
        """
        acquiring = asyncio.ensure_future(self._free.acquire())
        try:
            if interaction is not None and not acquiring.done():
                done, _ = await asyncio.wait({acquiring}, timeout=self._left(interaction))
                if not done:
                    await self._defer(interaction, private)
            await acquiring
            if interaction is None or interaction.response.is_done():
                # Acknowledgements first: a deferred lookup (or a message) has time, the
                # interactions waiting to be deferred have not.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._deferred_all.wait(), self._defer_after)
        except BaseException:
            if not acquiring.cancel() and not acquiring.cancelled():
                self._free.release()  # the turn came just as this was cancelled
            raise
        try:
            yield
        finally:
            self._free.release()

    async def _defer(self, interaction: discord.Interaction, private: Callable[[], bool]) -> None:
        self._deferrals += 1
        self._deferred_all.clear()
        try:
            async with self._deferring:
                if not interaction.response.is_done():
                    await interaction.response.defer(ephemeral=private(), thinking=True)
        finally:
            self._deferrals -= 1
            if not self._deferrals:
                self._deferred_all.set()

    def _left(self, interaction: discord.Interaction) -> float:
        """Seconds until ``interaction`` should be deferred if its turn has not come."""
        age = (discord.utils.utcnow() - interaction.created_at).total_seconds()
        return max(0.0, self._defer_after - age)
