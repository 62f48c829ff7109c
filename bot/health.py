"""The operator's port (``METRICS_PORT``): ``/metrics``, ``/healthz`` and ``/readyz``.

- ``/metrics``: the process's :class:`~bot.metrics.Metrics` in Prometheus' text format.
- ``/healthz``, liveness: answered by the event loop itself, so an answer means the
  loop turns. A supervisor restarts the process when it stops answering.
- ``/readyz``, readiness: every check given (the catalog answers a query, the change
  feed is followed and not too far behind, every shard of this process is connected)
  runs at each request, each with a time limit; 200 if all pass, else 503. A load
  balancer or supervisor sends no work to, or restarts, a process that is not ready.

Both health answers are a small JSON object saying why, e.g.
``{"status": "not ready", "checks": {"catalog": {"ok": false, "detail": "..."}}}``.
The server is aiohttp's (discord.py depends on it) and listens on 127.0.0.1 unless
``METRICS_HOST`` says otherwise: nothing here is meant for the internet.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass
from types import TracebackType

from aiohttp import web

from bot.config import DEFAULT_METRICS_HOST
from bot.metrics import Metrics, ShardState

CHECK_SECONDS = 5.0  # a check that has not answered by then counts as failed
DETAIL_CHARS = 200  # an error's text in a reason is cut here: a reason, not a log


@dataclass(frozen=True, slots=True)
class CheckResult:
    ok: bool
    detail: str  # why, in a few words, for the person reading /readyz


ReadinessCheck = Callable[[], Awaitable[CheckResult]]


class HealthServer:
    """Serves the three endpoints on ``host``:``port`` from :meth:`start` to :meth:`stop`.

    ``port`` 0 picks a free one (tests); :attr:`port` then tells which.
    """

    def __init__(
        self,
        metrics: Metrics,
        checks: Mapping[str, ReadinessCheck],
        *,
        port: int,
        host: str = DEFAULT_METRICS_HOST,
        check_seconds: float = CHECK_SECONDS,
    ) -> None:
        self._metrics = metrics
        self._checks = dict(checks)
        self._host = host
        self._asked_port = port
        self._check_seconds = check_seconds
        app = web.Application()
        app.router.add_get("/metrics", self._serve_metrics)
        app.router.add_get("/healthz", self._serve_liveness)
        app.router.add_get("/readyz", self._serve_readiness)
        # No access log: a scrape every few seconds would drown the bot's own lines.
        # A short shutdown: a scrape in flight at exit is not worth waiting a minute for.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)

    @property
    def address(self) -> tuple[str, int]:
        """The host and port listened on (after :meth:`start`)."""
        host, port = self._runner.addresses[0][:2]
        return str(host), int(port)

    @property
    def port(self) -> int:
        return self.address[1]

    async def start(self) -> None:
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._asked_port)
        try:
            await site.start()
        except BaseException:
            await self._runner.cleanup()
            raise

    async def stop(self) -> None:
        await self._runner.cleanup()

    async def __aenter__(self) -> HealthServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _serve_metrics(self, request: web.Request) -> web.Response:
        body, content_type = self._metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": content_type})

    async def _serve_liveness(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def _serve_readiness(self, request: web.Request) -> web.Response:
        names = list(self._checks)
        results = await asyncio.gather(*(self._run(self._checks[name]) for name in names))
        ready = all(result.ok for result in results)
        body = {
            "status": "ready" if ready else "not ready",
            "checks": {name: asdict(result) for name, result in zip(names, results, strict=True)},
        }
        return web.json_response(body, status=200 if ready else 503)

    async def _run(self, check: ReadinessCheck) -> CheckResult:
        try:
            async with asyncio.timeout(self._check_seconds):
                return await check()
        except TimeoutError:
            return CheckResult(False, f"no answer within {self._check_seconds:g} s")
        except Exception as error:  # any failure is a reason to report, not to crash on
            return CheckResult(False, _describe(error))


def _describe(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return text if len(text) <= DETAIL_CHARS else text[: DETAIL_CHARS - 1] + "…"


def catalog_check(query: Callable[[], Awaitable[object]]) -> ReadinessCheck:
    """Ready while ``query`` (a small read of the catalog) answers without an error."""

    async def check() -> CheckResult:
        try:
            await query()
        except Exception as error:  # whatever the engine raises, the catalog is not usable
            return CheckResult(False, _describe(error))
        return CheckResult(True, "the catalog answers")

    return check


def follower_check(
    alive: Callable[[], bool], lag: Callable[[], float], *, bound: float
) -> ReadinessCheck:
    """Ready while the change feed is followed and at most ``bound`` seconds behind."""

    async def check() -> CheckResult:
        if not alive():
            return CheckResult(False, "the change feed is not followed")
        behind = lag()
        if not behind <= bound:  # NaN (never measured) is not within the bound either
            shown = "an unknown time" if math.isnan(behind) else f"{behind:.1f} s"
            return CheckResult(False, f"the change feed is {shown} behind (bound {bound:g} s)")
        return CheckResult(True, f"the change feed is followed, {behind:.1f} s behind")

    return check


def shards_check(states: Callable[[], Mapping[int, ShardState]]) -> ReadinessCheck:
    """Ready while every shard this process runs is connected to the gateway."""

    async def check() -> CheckResult:
        shards = states()
        if not shards:
            return CheckResult(False, "no shard has started yet")
        down = sorted(shard for shard, state in shards.items() if not state.connected)
        if down:
            listed = ", ".join(map(str, down))
            return CheckResult(
                False, f"{len(down)} of {len(shards)} shard(s) not connected: {listed}"
            )
        return CheckResult(True, f"{len(shards)} shard(s) connected")

    return check
