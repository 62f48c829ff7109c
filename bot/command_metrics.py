"""Commands as the metrics see them: how each ended, and how soon it was first answered.

No command reports anything itself. The bot's central hooks do:

- a slash command (or *Apps* menu command) starts its clock when it reaches the command
  tree (:meth:`CommandMetrics.arrived`, from the tree's ``interaction_check``, before
  any of the bot's work on it); an autocomplete request is counted there too;
- its first response (an answer, or a "thinking..." deferral) is the interaction
  callback request: an aiohttp trace on discord.py's own HTTP session (:meth:`trace`)
  stops the clock when that request has been answered;
- its outcome is known at the end, from the tree's completion event and error handler
  and the bot's command error handler (:meth:`finished`), which records it with the
  time to the first response.

A prefix command has no callback: its clock starts when the bot invokes it and stops
when it has finished.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import aiohttp
import discord

from bot.metrics import OTHER_COMMAND, Metrics, Outcome

# POST /api/v10/interactions/<interaction id>/<token>/callback: the first response.
CALLBACK_PATH = re.compile(r"/interactions/(\d+)/[^/]+/callback$")
# Commands begun and not yet finished, kept at most: one that never finishes (a
# signature mismatch discord.py logs and drops) must not be remembered for ever.
MAX_PENDING = 10_000


@dataclass(slots=True)
class _Timing:
    arrived: float
    answered: float | None = None


class CommandMetrics:
    """Times commands from arrival to first response and records them with their outcome."""

    def __init__(self, metrics: Metrics, clock: Callable[[], float] = time.perf_counter) -> None:
        self._metrics = metrics
        self._clock = clock
        self._pending: OrderedDict[int, _Timing] = OrderedDict()

    def arrived(self, interaction: discord.Interaction) -> None:
        """An application command or autocomplete request reached the command tree."""
        if not self._metrics.enabled:
            return
        if interaction.type is discord.InteractionType.autocomplete:
            command = interaction.command
            self._metrics.autocomplete(command.qualified_name if command else OTHER_COMMAND)
        else:
            self.started(interaction.id)

    def started(self, key: int) -> None:
        """The command ``key`` (an interaction's or a prefix command message's id) began."""
        if not self._metrics.enabled:
            return
        self._pending[key] = _Timing(self._clock())
        while len(self._pending) > MAX_PENDING:
            self._pending.popitem(last=False)

    def responded(self, key: int) -> None:
        """The command ``key`` was answered (only its first answer counts)."""
        timing = self._pending.get(key)
        if timing is not None and timing.answered is None:
            timing.answered = self._clock()

    def finished(self, key: int, command: str, outcome: Outcome) -> None:
        """The command ``key`` ended: record it, timed to its first answer (or to now)."""
        timing = self._pending.pop(key, None)
        if timing is None:  # not started while measuring (metrics off), or long evicted
            return
        answered = timing.answered if timing.answered is not None else self._clock()
        self._metrics.interaction(command, outcome, answered - timing.arrived)

    def trace(self) -> aiohttp.TraceConfig:
        """For discord.py's HTTP session (``http_trace=``): marks interaction callbacks."""
        config = aiohttp.TraceConfig()
        config.on_request_end.append(self._request_ended)
        return config

    async def _request_ended(
        self,
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        request: aiohttp.TraceRequestEndParams,
    ) -> None:
        if request.method == "POST":
            callback = CALLBACK_PATH.search(request.url.path)
            if callback is not None:
                self.responded(int(callback.group(1)))
