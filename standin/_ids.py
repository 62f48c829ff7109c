"""Snowflake ids that discord.py can turn back into sensible timestamps."""

from __future__ import annotations

import time

DISCORD_EPOCH_MS = 1420070400000


class SnowflakeFactory:
    """Hands out strictly increasing snowflakes based on the current time."""

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        """Return a fresh id, later than every id handed out before."""
        now = int(time.time() * 1000) - DISCORD_EPOCH_MS
        candidate = now << 22
        # Several ids per millisecond are common (a reply and its follow-up), so fall
        # back to counting up from the previous one instead of colliding.
        self._last = max(candidate, self._last + 1)
        return self._last
