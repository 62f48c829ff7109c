"""Per-member budgets for actions that are not a single command.

discord.py's cooldowns belong to one command. The lookup budget is spent by
``/review``, ``!review``, ``@bot <title>`` and Apps → Find review alike (one member,
one budget, however they ask), a re-roll budget by ``/random`` and by every "Another"
press, a moderator's change budget by every ``/catalog`` subcommand that writes, and
the autocomplete budget by every autocompleted option of every command, so they live
here instead.
"""

from __future__ import annotations

from discord import app_commands
from discord.ext import commands

from bot.replies import cooldown_message

# Title lookups per member per seconds: /review, !review, @bot <title> and Find review.
LOOKUP_RATE = (5, 10.0)
# Autocomplete requests per member per seconds: a fast typist sends about one
# per keystroke, so the budget is wider than /review's, but a script is stopped.
AUTOCOMPLETE_RATE = (20, 10.0)


class SlowDown(app_commands.CheckFailure, commands.CheckFailure):
    """A member spent their budget; the message says when to try again."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(cooldown_message(retry_after))
        self.retry_after = retry_after


class MemberBudget:
    """``rate`` = (uses, seconds) per member, shared by everything that spends it."""

    def __init__(self, rate: tuple[int, float]) -> None:
        self._buckets: commands.CooldownMapping[int] = commands.CooldownMapping(
            commands.Cooldown(*rate), lambda member_id: member_id
        )

    def spend(self, member_id: int) -> None:
        """Use one; raises :class:`SlowDown` when the member has none left."""
        retry_after = self._retry_after(member_id)
        if retry_after:
            raise SlowDown(retry_after)

    def try_spend(self, member_id: int) -> bool:
        """Use one if the member has any left; for callers that cannot reply with an error."""
        return not self._retry_after(member_id)

    def _retry_after(self, member_id: int) -> float | None:
        bucket = self._buckets.get_bucket(member_id)
        return bucket.update_rate_limit() if bucket is not None else None
