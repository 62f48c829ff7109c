"""The operator's files agree with the bot: the dashboard queries metrics that exist,
docs/deploy.md documents every metric, and the supervisors ask /readyz."""

from __future__ import annotations

import json
import re
from pathlib import Path

from bot.metrics import Metrics, ShardState

ROOT = Path(__file__).resolve().parents[2]


def exported() -> Metrics:
    metrics = Metrics(["review"])
    metrics.watch_shards(lambda: {0: ShardState(0.05, True)})  # else no shard families
    return metrics


def sample_names(metrics: Metrics) -> set[str]:
    return {sample.name for family in metrics.registry.collect() for sample in family.samples}


def test_every_metric_the_dashboard_queries_is_exported() -> None:
    dashboard = json.loads((ROOT / "deploy" / "grafana-dashboard.json").read_text("utf-8"))
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    assert len(expressions) >= 10
    queried = {name for expr in expressions for name in re.findall(r"reviewbot_\w+", expr)}
    exported_names = sample_names(exported())
    assert queried - exported_names == set()
    # Every panel's query names a metric of the bot; no panel is left empty.
    assert all(re.search(r"reviewbot_\w+", expr) for expr in expressions)


def test_docs_list_every_metric_the_bot_exports() -> None:
    docs = (ROOT / "docs" / "deploy.md").read_text("utf-8")
    for family in exported().registry.collect():
        if not family.name.startswith("reviewbot_"):
            continue  # process_*: the client library's own, documented as a group
        name = family.name.removeprefix("reviewbot_")
        shown = f"{name}_total" if family.type == "counter" else name
        assert f"`{shown}`" in docs, shown


def test_the_supervisors_ask_readyz() -> None:
    unit = (ROOT / "deploy" / "reviewbot@.service").read_text("utf-8")
    [post] = [line for line in unit.splitlines() if line.startswith("ExecStartPost=")]
    assert "http://127.0.0.1:${METRICS_PORT}/readyz" in post
    assert "--fail" in post
    compose = (ROOT / "deploy" / "compose.yaml").read_text("utf-8")
    assert "urlopen('http://127.0.0.1:9108/readyz'" in compose
    assert 'METRICS_PORT: "9108"' in compose
