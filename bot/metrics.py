"""Prometheus metrics of one bot process, served at ``/metrics`` (:mod:`bot.health`).

Every metric lives in the :class:`Metrics` object's own registry, not
prometheus_client's global one, so tests and several bots in one process never share
a counter. Labels take few values only: command names (those the bot registered;
anything else counts as ``other``), outcomes, tiers, shard ids. Never a title, a user
or a guild: each label value is a time series the operator's Prometheus keeps.

Without ``METRICS_PORT`` the bot holds ``Metrics(enabled=False)``: every recording
method returns at once, so call sites need no ``if``.

Values that exist anyway (the index's size, the pool's connections, each shard's
latency) are read when Prometheus scrapes, from the callables given to the
``watch_*`` methods, rather than copied on every change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal, get_args

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

Outcome = Literal["answered", "user_error", "unexpected_error", "rate_limited"]
Tier = Literal["exact", "closest", "no_card"]  # how a /review title resolved
Delivery = Literal["announcement", "notification"]
Delivered = Literal["sent", "failed"]
StoreWork = Literal["read", "write"]
ImportedAs = Literal["added", "updated", "unchanged"]
OTHER_COMMAND = "other"  # a command name the bot did not register: never its own label

# Discord wants a first response within 3 s; the buckets are finest below that.
INTERACTION_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
QUERY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0)
IMPORT_BUCKETS = (0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0)


@dataclass(frozen=True, slots=True)
class ShardState:
    latency: float  # seconds between heartbeat and ack; NaN before the first one
    connected: bool


class Metrics:
    """The metrics of one bot process; see the module's docstring."""

    def __init__(self, commands: Iterable[str] = (), *, enabled: bool = True) -> None:
        self.enabled = enabled
        self.registry = CollectorRegistry()
        self._commands = frozenset(commands)
        registry = self.registry
        self._interactions = Counter(
            "reviewbot_interactions",
            "Slash and prefix commands answered, by command and outcome.",
            ["command", "outcome"],
            registry=registry,
        )
        self._latency = Histogram(
            "reviewbot_interaction_latency_seconds",
            "From a command's arrival to its first response (reply or deferral).",
            ["command"],
            buckets=INTERACTION_BUCKETS,
            registry=registry,
        )
        self._lookups = Counter(
            "reviewbot_lookups",
            "Titles looked up, by how they resolved.",
            ["tier"],
            registry=registry,
        )
        self._autocomplete = Counter(
            "reviewbot_autocomplete_requests",
            "Autocomplete requests answered, by command.",
            ["command"],
            registry=registry,
        )
        self._feed_lag = Gauge(
            "reviewbot_change_feed_lag_seconds",
            "How far behind the catalog's commits the last applied change was.",
            registry=registry,
        )
        self._feed_restarts = Counter(
            "reviewbot_change_feed_restarts",
            "Times the change feed was lost and followed again (index rebuilt).",
            registry=registry,
        )
        self._index_titles = Gauge(
            "reviewbot_index_titles", "Titles in the in-memory title index.", registry=registry
        )
        self._query_seconds = Histogram(
            "reviewbot_store_query_seconds",
            "Time of the store's queries, reads and write transactions.",
            ["work"],
            buckets=QUERY_BUCKETS,
            registry=registry,
        )
        self._busy_retries = Counter(
            "reviewbot_store_busy_retries",
            "Queries retried because the database was busy or briefly unreachable.",
            registry=registry,
        )
        self._pool_in_use = Gauge(
            "reviewbot_db_pool_in_use",
            "PostgreSQL connections of the pool busy with a query.",
            registry=registry,
        )
        self._pool_size = Gauge(
            "reviewbot_db_pool_size", "PostgreSQL connections the pool may open.", registry=registry
        )
        self._deliveries = Counter(
            "reviewbot_deliveries",
            "New-review announcements to channels and notifications to members.",
            ["kind", "result"],
            registry=registry,
        )
        self._import_rows = Counter(
            "reviewbot_import_rows",
            "Reviews imported, by what became of each.",
            ["result"],
            registry=registry,
        )
        self._import_seconds = Histogram(
            "reviewbot_import_duration_seconds",
            "Time of whole imports.",
            buckets=IMPORT_BUCKETS,
            registry=registry,
        )
        self._shards = _ShardCollector()
        registry.register(self._shards)
        ProcessCollector(registry=registry)  # CPU, memory and open files (Linux)
        self._start_at_zero()

    def _start_at_zero(self) -> None:
        # Every known series exists from the start at 0, so a rate over the first
        # increase is right and a dashboard shows 0, not "no data".
        for command in (*self._commands, OTHER_COMMAND):
            self._latency.labels(command)
            self._autocomplete.labels(command)
            for outcome in get_args(Outcome):
                self._interactions.labels(command, outcome)
        for tier in get_args(Tier):
            self._lookups.labels(tier)
        for work in get_args(StoreWork):
            self._query_seconds.labels(work)
        for kind in get_args(Delivery):
            for result in get_args(Delivered):
                self._deliveries.labels(kind, result)
        for imported_as in get_args(ImportedAs):
            self._import_rows.labels(imported_as)

    def exposition(self) -> tuple[bytes, str]:
        """The registry in Prometheus' text format, and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST

    def _command(self, name: str) -> str:
        return name if name in self._commands else OTHER_COMMAND

    def interaction(self, command: str, outcome: Outcome, seconds_to_response: float) -> None:
        if not self.enabled:
            return
        label = self._command(command)
        self._interactions.labels(label, outcome).inc()
        self._latency.labels(label).observe(seconds_to_response)

    def lookup(self, tier: Tier) -> None:
        if self.enabled:
            self._lookups.labels(tier).inc()

    def autocomplete(self, command: str) -> None:
        if self.enabled:
            self._autocomplete.labels(self._command(command)).inc()

    def feed_lag(self, seconds: float) -> None:
        if self.enabled:
            self._feed_lag.set(seconds)

    def feed_restarted(self) -> None:
        if self.enabled:
            self._feed_restarts.inc()

    def store_query(self, work: StoreWork, seconds: float) -> None:
        if self.enabled:
            self._query_seconds.labels(work).observe(seconds)

    def store_busy_retry(self) -> None:
        if self.enabled:
            self._busy_retries.inc()

    def delivery(self, kind: Delivery, result: Delivered) -> None:
        if self.enabled:
            self._deliveries.labels(kind, result).inc()

    def imported(self, rows: Mapping[ImportedAs, int], seconds: float) -> None:
        if not self.enabled:
            return
        for imported_as, count in rows.items():
            self._import_rows.labels(imported_as).inc(count)
        self._import_seconds.observe(seconds)

    def watch_index(self, titles: Callable[[], int]) -> None:
        self._index_titles.set_function(titles)

    def watch_pool(self, in_use: Callable[[], int], size: int) -> None:
        self._pool_in_use.set_function(in_use)
        self._pool_size.set(size)

    def watch_shards(self, states: Callable[[], Mapping[int, ShardState]]) -> None:
        self._shards.states = states


class _ShardCollector(Collector):
    """Each shard's gateway latency and connection, read at scrape time."""

    def __init__(self) -> None:
        self.states: Callable[[], Mapping[int, ShardState]] = dict

    def collect(self) -> Iterator[Metric]:
        latency = GaugeMetricFamily(
            "reviewbot_gateway_latency_seconds",
            "Time between a gateway heartbeat and its acknowledgement, per shard.",
            labels=["shard"],
        )
        connected = GaugeMetricFamily(
            "reviewbot_gateway_connected",
            "1 while the shard's gateway connection is open, else 0.",
            labels=["shard"],
        )
        for shard, state in sorted(self.states().items()):
            latency.add_metric([str(shard)], state.latency)
            connected.add_metric([str(shard)], 1.0 if state.connected else 0.0)
        yield latency
        yield connected
