"""Metrics: each recording moves exactly its series, labels stay bounded, off is off."""

from __future__ import annotations

import math

import prometheus_client
from prometheus_client.parser import text_string_to_metric_families

from bot.metrics import OTHER_COMMAND, Metrics, ShardState

COMMANDS = ("review", "stats", "random")


def scrape(metrics: Metrics) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of the exposition, by name and labels, as Prometheus would parse it."""
    body, content_type = metrics.exposition()
    assert content_type.startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }


def value(metrics: Metrics, name: str, **labels: str) -> float:
    return scrape(metrics)[(name, frozenset(labels.items()))]


def label_values(metrics: Metrics, name: str, label: str) -> set[str]:
    return {dict(labels)[label] for sample, labels in scrape(metrics) if sample == name}


def test_every_known_series_starts_at_zero() -> None:
    metrics = Metrics(COMMANDS)
    for command in (*COMMANDS, OTHER_COMMAND):
        for outcome in ("answered", "user_error", "unexpected_error", "rate_limited"):
            assert (
                value(metrics, "reviewbot_interactions_total", command=command, outcome=outcome)
                == 0
            )
        assert value(metrics, "reviewbot_interaction_latency_seconds_count", command=command) == 0
    for tier in ("exact", "closest", "no_card"):
        assert value(metrics, "reviewbot_lookups_total", tier=tier) == 0
    assert value(metrics, "reviewbot_deliveries_total", kind="announcement", result="failed") == 0


def test_interactions_count_by_command_and_outcome_and_time_the_first_response() -> None:
    metrics = Metrics(COMMANDS)
    metrics.interaction("review", "answered", 0.02)
    metrics.interaction("review", "answered", 0.3)
    metrics.interaction("review", "rate_limited", 0.004)
    metrics.interaction("stats", "unexpected_error", 4.0)
    count = "reviewbot_interactions_total"
    assert value(metrics, count, command="review", outcome="answered") == 2
    assert value(metrics, count, command="review", outcome="rate_limited") == 1
    assert value(metrics, count, command="review", outcome="user_error") == 0
    assert value(metrics, count, command="stats", outcome="unexpected_error") == 1
    latency = "reviewbot_interaction_latency_seconds"
    assert value(metrics, f"{latency}_count", command="review") == 3
    assert math.isclose(value(metrics, f"{latency}_sum", command="review"), 0.324)
    assert value(metrics, f"{latency}_bucket", command="review", le="0.01") == 1
    assert value(metrics, f"{latency}_bucket", command="review", le="0.025") == 2
    assert value(metrics, f"{latency}_bucket", command="review", le="3.0") == 3
    assert value(metrics, f"{latency}_bucket", command="stats", le="3.0") == 0
    assert value(metrics, f"{latency}_bucket", command="stats", le="5.0") == 1


def test_command_names_the_bot_did_not_register_share_one_label() -> None:
    metrics = Metrics(COMMANDS)
    for n in range(50):
        metrics.interaction(f"made-up-{n}", "user_error", 0.01)
        metrics.autocomplete(f"made-up-{n}")
    assert label_values(metrics, "reviewbot_interactions_total", "command") == {
        *COMMANDS,
        OTHER_COMMAND,
    }
    assert (
        value(metrics, "reviewbot_interactions_total", command=OTHER_COMMAND, outcome="user_error")
        == 50
    )
    assert value(metrics, "reviewbot_autocomplete_requests_total", command=OTHER_COMMAND) == 50


def test_lookups_autocomplete_feed_store_deliveries_and_imports_are_counted() -> None:
    metrics = Metrics(COMMANDS)
    metrics.lookup("exact")
    metrics.lookup("exact")
    metrics.lookup("no_card")
    metrics.autocomplete("review")
    metrics.feed_lag(0.25)
    metrics.feed_restarted()
    metrics.store_query("read", 0.002)
    metrics.store_query("write", 0.04)
    metrics.store_busy_retry()
    metrics.delivery("announcement", "sent")
    metrics.delivery("notification", "failed")
    metrics.imported({"added": 58_000, "updated": 700, "unchanged": 88}, 4.0)
    assert value(metrics, "reviewbot_lookups_total", tier="exact") == 2
    assert value(metrics, "reviewbot_lookups_total", tier="closest") == 0
    assert value(metrics, "reviewbot_lookups_total", tier="no_card") == 1
    assert value(metrics, "reviewbot_autocomplete_requests_total", command="review") == 1
    assert value(metrics, "reviewbot_change_feed_lag_seconds") == 0.25
    assert value(metrics, "reviewbot_change_feed_restarts_total") == 1
    assert value(metrics, "reviewbot_store_query_seconds_count", work="read") == 1
    assert value(metrics, "reviewbot_store_query_seconds_count", work="write") == 1
    assert value(metrics, "reviewbot_store_busy_retries_total") == 1
    deliveries = "reviewbot_deliveries_total"
    assert value(metrics, deliveries, kind="announcement", result="sent") == 1
    assert value(metrics, deliveries, kind="announcement", result="failed") == 0
    assert value(metrics, deliveries, kind="notification", result="failed") == 1
    assert value(metrics, "reviewbot_import_rows_total", result="added") == 58_000
    assert value(metrics, "reviewbot_import_rows_total", result="unchanged") == 88
    assert value(metrics, "reviewbot_import_duration_seconds_count") == 1
    assert value(metrics, "reviewbot_import_duration_seconds_sum") == 4.0


def test_watched_values_are_read_at_each_scrape() -> None:
    metrics = Metrics(COMMANDS)
    index = {"titles": 15}
    shards = {0: ShardState(0.041, True), 1: ShardState(math.nan, False)}
    pool = {"busy": 2}
    metrics.watch_index(lambda: index["titles"])
    metrics.watch_shards(lambda: shards)
    metrics.watch_pool(lambda: pool["busy"], 5)
    assert value(metrics, "reviewbot_index_titles") == 15
    assert value(metrics, "reviewbot_db_pool_in_use") == 2
    assert value(metrics, "reviewbot_db_pool_size") == 5
    assert value(metrics, "reviewbot_gateway_latency_seconds", shard="0") == 0.041
    assert math.isnan(value(metrics, "reviewbot_gateway_latency_seconds", shard="1"))
    assert value(metrics, "reviewbot_gateway_connected", shard="0") == 1
    assert value(metrics, "reviewbot_gateway_connected", shard="1") == 0
    index["titles"] = 58_788
    pool["busy"] = 0
    shards[1] = ShardState(0.09, True)
    assert value(metrics, "reviewbot_index_titles") == 58_788
    assert value(metrics, "reviewbot_db_pool_in_use") == 0
    assert value(metrics, "reviewbot_gateway_connected", shard="1") == 1


def test_a_process_without_shards_watched_exports_no_shard_series() -> None:
    assert label_values(Metrics(COMMANDS), "reviewbot_gateway_connected", "shard") == set()


def test_disabled_metrics_record_nothing() -> None:
    metrics = Metrics(COMMANDS, enabled=False)
    before = scrape(metrics)
    metrics.interaction("review", "answered", 0.02)
    metrics.lookup("exact")
    metrics.autocomplete("review")
    metrics.feed_lag(3.0)
    metrics.feed_restarted()
    metrics.store_query("read", 0.001)
    metrics.store_busy_retry()
    metrics.delivery("announcement", "sent")
    metrics.imported({"added": 3}, 1.0)
    after = scrape(metrics)
    moved = {
        key for key in after if not key[0].startswith("process_") and after[key] != before[key]
    }
    assert moved == set()


def test_each_metrics_object_has_its_own_registry_and_the_global_one_stays_clean() -> None:
    first, second = Metrics(COMMANDS), Metrics(COMMANDS)
    first.lookup("closest")
    assert value(first, "reviewbot_lookups_total", tier="closest") == 1
    assert value(second, "reviewbot_lookups_total", tier="closest") == 0
    global_names = {family.name for family in prometheus_client.REGISTRY.collect()}
    assert not any(name.startswith("reviewbot_") for name in global_names)
