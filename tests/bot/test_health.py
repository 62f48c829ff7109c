"""The operator's port over a real loopback socket: /metrics, /healthz and /readyz."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.health import (
    DETAIL_CHARS,
    CheckResult,
    HealthServer,
    ReadinessCheck,
    catalog_check,
    follower_check,
    shards_check,
)
from bot.metrics import Metrics, ShardState


class Switch:
    """A readiness check whose answer the test sets."""

    def __init__(self, ok: bool = True, detail: str = "fine") -> None:
        self.result = CheckResult(ok, detail)

    async def __call__(self) -> CheckResult:
        return self.result


async def get(server: HealthServer, path: str) -> tuple[int, str, dict[str, Any] | str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{server.port}{path}") as response,
    ):
        text = await response.text()
        body = await response.json() if response.content_type == "application/json" else text
        return response.status, response.headers["Content-Type"], body


@pytest.fixture
async def server() -> AsyncIterator[HealthServer]:
    async with HealthServer(Metrics(["review"]), {}, port=0) as started:
        yield started


async def test_liveness_answers_ok_from_the_event_loop(server: HealthServer) -> None:
    status, content_type, body = await get(server, "/healthz")
    assert (status, body) == (200, {"status": "ok"})
    assert content_type.startswith("application/json")


async def test_metrics_serves_the_registry_in_prometheus_text_format() -> None:
    metrics = Metrics(["review"])
    async with HealthServer(metrics, {}, port=0) as server:
        metrics.interaction("review", "answered", 0.05)
        metrics.lookup("closest")
        status, content_type, body = await get(server, "/metrics")
    assert status == 200
    assert content_type.startswith("text/plain")
    assert isinstance(body, str)
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }
    key = ("reviewbot_interactions_total", (("command", "review"), ("outcome", "answered")))
    assert samples[key] == 1
    assert samples[("reviewbot_lookups_total", (("tier", "closest"),))] == 1


async def test_readiness_reports_every_check_and_turns_503_while_one_fails() -> None:
    catalog, shards = Switch(True, "the catalog answers"), Switch(True, "2 shard(s) connected")
    checks: dict[str, ReadinessCheck] = {"catalog": catalog, "shards": shards}
    async with HealthServer(Metrics(), checks, port=0) as server:
        assert await get(server, "/readyz") == (
            200,
            "application/json; charset=utf-8",
            {
                "status": "ready",
                "checks": {
                    "catalog": {"ok": True, "detail": "the catalog answers"},
                    "shards": {"ok": True, "detail": "2 shard(s) connected"},
                },
            },
        )
        catalog.result = CheckResult(False, "ConnectionRefusedError: connection refused")
        status, _, body = await get(server, "/readyz")
        assert status == 503
        assert body == {
            "status": "not ready",
            "checks": {
                "catalog": {"ok": False, "detail": "ConnectionRefusedError: connection refused"},
                "shards": {"ok": True, "detail": "2 shard(s) connected"},
            },
        }
        assert (await get(server, "/healthz"))[0] == 200  # alive, though not ready
        catalog.result = CheckResult(True, "the catalog answers")
        assert (await get(server, "/readyz"))[0] == 200


async def test_a_check_that_raises_or_hangs_fails_with_its_reason_and_liveness_still_answers() -> (
    None
):
    never = asyncio.Event()

    async def hangs() -> CheckResult:
        await never.wait()
        return CheckResult(True, "unreachable")

    async def raises() -> CheckResult:
        raise RuntimeError("x" * 500)

    checks: dict[str, ReadinessCheck] = {"feed": hangs, "catalog": raises}
    async with HealthServer(Metrics(), checks, port=0, check_seconds=0.2) as server:
        readiness = asyncio.create_task(get(server, "/readyz"))
        assert (await get(server, "/healthz"))[0] == 200  # answered while /readyz waits
        status, _, body = await readiness
    assert status == 503
    assert isinstance(body, dict)
    assert body["checks"]["feed"] == {"ok": False, "detail": "no answer within 0.2 s"}
    detail = body["checks"]["catalog"]["detail"]
    assert detail.startswith("RuntimeError: xxx")
    assert len(detail) == DETAIL_CHARS


async def test_no_checks_means_ready(server: HealthServer) -> None:
    assert await get(server, "/readyz") == (
        200,
        "application/json; charset=utf-8",
        {"status": "ready", "checks": {}},
    )


async def test_listens_on_loopback_by_default_and_stops_listening_when_stopped() -> None:
    server = HealthServer(Metrics(), {}, port=0)
    await server.start()
    port = server.port
    assert server.address == ("127.0.0.1", port)
    assert (await get(server, "/healthz"))[0] == 200
    await server.stop()
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientConnectionError):
            await session.get(f"http://127.0.0.1:{port}/healthz")


async def test_a_taken_port_fails_start_with_the_os_error() -> None:
    async with HealthServer(Metrics(), {}, port=0) as first:
        second = HealthServer(Metrics(), {}, port=first.port)
        with pytest.raises(OSError):
            await second.start()


async def test_unknown_paths_are_404(server: HealthServer) -> None:
    assert (await get(server, "/"))[0] == 404


# -- the checks the bot will give it -----------------------------------------------------


async def test_catalog_check_passes_while_the_query_answers_and_says_why_it_fails() -> None:
    failures: list[Exception] = []

    async def query() -> object:
        if failures:
            raise failures[0]
        return 1

    check = catalog_check(query)
    assert await check() == CheckResult(True, "the catalog answers")
    failures.append(ConnectionRefusedError("[Errno 111] Connect call failed"))
    assert await check() == CheckResult(
        False, "ConnectionRefusedError: [Errno 111] Connect call failed"
    )


@pytest.mark.parametrize(
    ("alive", "lag", "expected"),
    [
        (True, 0.4, CheckResult(True, "the change feed is followed, 0.4 s behind")),
        (True, 30.0, CheckResult(True, "the change feed is followed, 30.0 s behind")),
        (True, 31.5, CheckResult(False, "the change feed is 31.5 s behind (bound 30 s)")),
        (
            True,
            math.nan,
            CheckResult(False, "the change feed is an unknown time behind (bound 30 s)"),
        ),
        (False, 0.0, CheckResult(False, "the change feed is not followed")),
    ],
)
async def test_follower_check_needs_the_feed_alive_and_within_its_bound(
    alive: bool, lag: float, expected: CheckResult
) -> None:
    assert await follower_check(lambda: alive, lambda: lag, bound=30)() == expected


async def test_shards_check_needs_every_shard_of_the_process_connected() -> None:
    shards: dict[int, ShardState] = {}
    check = shards_check(lambda: shards)
    assert await check() == CheckResult(False, "no shard has started yet")
    shards.update({2: ShardState(0.05, True), 3: ShardState(math.nan, False)})
    assert await check() == CheckResult(False, "1 of 2 shard(s) not connected: 3")
    shards[3] = ShardState(0.07, True)
    assert await check() == CheckResult(True, "2 shard(s) connected")
