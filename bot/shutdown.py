"""Stopping without dropping what members are waiting for.

On SIGTERM or SIGINT, ``reviewbot run`` closes the bot, and the bot first drains: an
interaction arriving from then on is not started but refused with a short private
"restarting" reply; those already being answered get up to the ``SHUTDOWN_GRACE_SECONDS`` setting to
finish; only then are the gateway, the HTTP session and the database closed (in that
order, by :meth:`bot.client.ReviewBot.close`). Closing them under running handlers was
what lost answers and logged thousands of tracebacks.

"Being answered" is known exactly: discord.py starts the task(s) that handle a gateway
event (the command tree's invoker, a view's or modal's dispatch, the listeners) while
it parses the event, so :class:`InFlight` wraps the parsers of the events members wait
on and records every task created during a parse, through the event loop's task
factory, until it ends.

Signals are installed on the event loop and, besides, as Python-level handlers: the
loop learns of a signal through its self-pipe, which a burst can fill (every aiosqlite
result is posted through it), and then the signal is lost for asyncio ("Exception
ignored when trying to write to the signal wakeup fd"); CPython runs a Python-level
handler regardless, and it schedules the same stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Collection, Coroutine, Iterator, MutableMapping
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

SETTLE_SECONDS = 3.0  # for background work (announcements, misses) before the database closes
# The gateway events a member may wait on an answer to; only interactions must be
# answered (and are counted), a message is also the bot's own post coming back.
INTERACTION = "INTERACTION_CREATE"
WATCHED_EVENTS = (INTERACTION, "MESSAGE_CREATE")
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
RESTARTING = "I'm restarting right now; please try again in a moment."

Parser = Callable[[Any], None]
Refusal = Callable[[str, Any], Coroutine[Any, Any, None]]
TaskFactory = Callable[..., "asyncio.Future[Any]"]


@dataclass(frozen=True, slots=True)
class Drained:
    """How a drain went, for the shutdown's one log line (and its tests)."""

    in_flight: int  # events (interactions, messages) being handled when the drain began
    cut_off: int  # of them, still running when the bound ran out
    refused: int  # interactions that arrived while stopping, answered "restarting"
    received: int  # interactions received since the bot started (refused ones too)
    seconds: float

    def __str__(self) -> str:
        return (
            f"{self.in_flight} interaction(s) or message(s) in flight, "
            f"{self.in_flight - self.cut_off} finished and {self.cut_off} cut off after "
            f"{self.seconds:.1f} s; {self.refused} interaction(s) refused while stopping; "
            f"{self.received} received in all"
        )


class InFlight:
    """The tasks answering the gateway events members wait on, and the gate that stops
    new ones when the bot is stopping."""

    def __init__(self) -> None:
        self._tasks: dict[asyncio.Task[Any], int] = {}  # task → the event it answers
        self._event: int | None = None  # set while an event is parsed
        self._events = 0  # watched events parsed: numbers them
        self._received = 0
        self._refused = 0
        self._taking = True
        self._previous_factory: TaskFactory | None = None
        self._refuse: Refusal | None = None

    @property
    def taking(self) -> bool:
        return self._taking

    def stop_taking(self) -> None:
        """Refuse every interaction from now on; :meth:`drain` then waits for those in
        flight. Called by the stop itself, so none that arrives after it is started."""
        self._taking = False

    def watch(self, parsers: MutableMapping[str, Parser], refuse: Refusal) -> None:
        """Record the handlers of every event of :data:`WATCHED_EVENTS` that ``parsers``
        (discord.py's, by gateway event) parses; ``refuse(event, data)`` answers one that
        arrives while stopping."""
        loop = asyncio.get_running_loop()
        self._previous_factory = loop.get_task_factory()
        loop.set_task_factory(self._create_task)
        self._refuse = refuse
        for event in WATCHED_EVENTS:
            parsers[event] = self._watched(event, parsers[event])

    def _watched(self, event: str, parse: Parser) -> Parser:
        def parse_and_record(data: Any) -> None:
            self._events += 1
            if event == INTERACTION:
                self._received += 1
            if self._taking:
                with self._recording():
                    parse(data)
            elif event == INTERACTION and self._refuse is not None:
                self._refused += 1
                with self._recording():
                    asyncio.get_running_loop().create_task(self._refuse(event, data))

        return parse_and_record

    @contextlib.contextmanager
    def _recording(self) -> Iterator[None]:
        self._event = self._events
        try:
            yield
        finally:
            self._event = None

    def _create_task(
        self, loop: asyncio.AbstractEventLoop, coro: Any, **options: Any
    ) -> asyncio.Future[Any]:
        if self._previous_factory is not None:
            task = self._previous_factory(loop, coro, **options)
        else:
            task = asyncio.Task(coro, loop=loop, **options)
        if self._event is not None and isinstance(task, asyncio.Task):
            self._tasks[task] = self._event
            task.add_done_callback(self._forget)
        return task

    def _forget(self, task: asyncio.Task[Any]) -> None:
        self._tasks.pop(task, None)

    async def drain(self, within: float) -> Drained:
        """Stop taking events; wait up to ``within`` seconds for those in flight (and for
        the refusals sent meanwhile); then stop watching."""
        loop = asyncio.get_running_loop()
        self.stop_taking()
        started = loop.time()
        in_flight = set(self._tasks.values())
        while self._tasks and (left := started + within - loop.time()) > 0:
            await asyncio.wait(list(self._tasks), timeout=left)
        still = set(self._tasks.values())
        if loop.get_task_factory() == self._create_task:
            loop.set_task_factory(self._previous_factory)
        return Drained(
            in_flight=len(in_flight),
            cut_off=len(in_flight & still),
            refused=self._refused,
            received=self._received,
            seconds=loop.time() - started,
        )


def stop_on_signals(stop: Callable[[], None]) -> Callable[[], None]:
    """Call ``stop`` (on the event loop) at SIGINT or SIGTERM; returns the undo."""
    loop = asyncio.get_running_loop()

    def from_python(signum: int, frame: object) -> None:
        loop.call_soon_threadsafe(stop)

    installed = []
    for signum in STOP_SIGNALS:
        with contextlib.suppress(NotImplementedError):  # no signals on Windows' loops
            loop.add_signal_handler(signum, stop)
            signal.signal(signum, from_python)  # the wakeup fd stays the loop's
            installed.append(signum)

    def undo() -> None:
        for signum in installed:
            loop.remove_signal_handler(signum)  # restores the default handler

    return undo


async def settle(tasks: Collection[asyncio.Task[Any]], what: str) -> None:
    """Let background ``tasks`` (a cog's posts, its writes) finish before the database
    closes, for at most :data:`SETTLE_SECONDS`; what is cut off is cancelled and said."""
    if not tasks:
        return
    _, unfinished = await asyncio.wait(list(tasks), timeout=SETTLE_SECONDS)
    for task in unfinished:
        task.cancel()
    if unfinished:
        log.warning("stopping: %d %s cut off after %g s", len(unfinished), what, SETTLE_SECONDS)


class Background:
    """A cog's work that runs after the change that caused it (the posts a publication
    sets off), so a moderator's Publish never waits on other servers' channels."""

    def __init__(self, what: str) -> None:
        self._what = what  # what a cut-off is counted in, for the stop's log line
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settled(self) -> None:
        """Wait until everything started is done, including what it started meanwhile
        (tests, the console: what follows a line is printed beside it)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def stop(self) -> None:
        """On unload: let the work finish before the database closes (:func:`settle`)."""
        await settle(self._tasks, self._what)
