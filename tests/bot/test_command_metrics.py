"""Timing commands from arrival to first response, recorded with their outcome at the end."""

from __future__ import annotations

from types import SimpleNamespace

import aiohttp
import pytest
from yarl import URL

from bot.command_metrics import CALLBACK_PATH, MAX_PENDING, CommandMetrics
from bot.metrics import Metrics
from tests.bot.test_metrics import value


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def latency_sum(metrics: Metrics, command: str) -> float:
    return value(metrics, "reviewbot_interaction_latency_seconds_sum", command=command)


def test_a_command_is_timed_to_its_first_answer_and_counted_when_it_ends(clock: Clock) -> None:
    metrics = Metrics(["review"])
    timer = CommandMetrics(metrics, clock)
    timer.started(1)
    clock.now += 0.25
    timer.responded(1)
    clock.now += 1.0
    timer.responded(1)  # a follow-up: not the first answer
    clock.now += 2.0
    assert value(metrics, "reviewbot_interactions_total", command="review", outcome="answered") == 0
    timer.finished(1, "review", "answered")
    assert value(metrics, "reviewbot_interactions_total", command="review", outcome="answered") == 1
    assert latency_sum(metrics, "review") == pytest.approx(0.25)
    timer.finished(1, "review", "answered")  # once only
    assert value(metrics, "reviewbot_interactions_total", command="review", outcome="answered") == 1


def test_a_command_never_answered_is_timed_to_its_end(clock: Clock) -> None:
    metrics = Metrics(["review"])
    timer = CommandMetrics(metrics, clock)
    timer.started(7)
    clock.now += 4.0
    timer.finished(7, "review", "unexpected_error")
    assert latency_sum(metrics, "review") == pytest.approx(4.0)


def test_commands_never_finished_are_forgotten_past_a_bound(clock: Clock) -> None:
    metrics = Metrics(["review"])
    timer = CommandMetrics(metrics, clock)
    for key in range(MAX_PENDING + 5):
        timer.started(key)
    timer.finished(0, "review", "answered")  # evicted: the oldest
    timer.finished(MAX_PENDING + 4, "review", "answered")
    assert value(metrics, "reviewbot_interactions_total", command="review", outcome="answered") == 1


def test_with_metrics_off_nothing_is_kept(clock: Clock) -> None:
    timer = CommandMetrics(Metrics(["review"], enabled=False), clock)
    timer.started(1)
    assert timer._pending == {}


@pytest.mark.parametrize(
    ("method", "path", "answered"),
    [
        ("POST", "/api/v10/interactions/123456789/aW50ZXJhY3Rpb24.tok-en_1/callback", True),
        ("POST", "/api/v10/interactions/123456789/tok/callback", True),
        ("POST", "/api/v10/webhooks/42/tok/messages/@original", False),  # a follow-up edit
        ("POST", "/api/v10/channels/42/messages", False),
        ("GET", "/api/v10/interactions/123456789/tok/callback", False),
    ],
)
async def test_the_interaction_callback_request_is_the_first_answer(
    clock: Clock, method: str, path: str, answered: bool
) -> None:
    metrics = Metrics(["review"])
    timer = CommandMetrics(metrics, clock)
    timer.started(123456789)
    clock.now += 0.5
    [hook] = timer.trace().on_request_end
    url = URL("http://127.0.0.1:8080" + path + "?with_response=false")
    ended = aiohttp.TraceRequestEndParams(method, url, {}, None)
    await hook(None, SimpleNamespace(), ended)
    clock.now += 2.0
    timer.finished(123456789, "review", "answered")
    assert latency_sum(metrics, "review") == pytest.approx(0.5 if answered else 2.5)
    assert (CALLBACK_PATH.search(url.path) is not None) == (answered or method == "GET")
