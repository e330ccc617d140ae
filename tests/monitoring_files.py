"""The monitoring files (Prometheus rules, Grafana dashboards, the Alertmanager template) and the metric names
their PromQL queries.

PromQL has no parser in Python here and promtool has no parse command, so a small tokenizer finds the metric
names: identifiers that are not functions, aggregations, keywords, label names (inside `{...}`, or after
by/without/on/ignoring/group_left/group_right) or durations.
"""

import json
import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.database import ROOT
from tests.deploy.tools import env_file_keys

PROMETHEUS_DIR = ROOT / "infra" / "prometheus"
RULE_FILES = sorted((PROMETHEUS_DIR / "rules").glob("*.yml"))
PROMTOOL_TESTS = sorted((PROMETHEUS_DIR / "tests").glob("*.yml"))
DASHBOARD_FILES = sorted((ROOT / "infra" / "grafana" / "dashboards").glob("*.json"))
ALERTMANAGER_CONFIG = ROOT / "infra" / "alertmanager" / "alertmanager.yml"  # a template: render_alertmanager()
ALERTMANAGER_RENDER = ROOT / "infra" / "alertmanager" / "render.sh"
# The values infra/docker-compose.local.yml renders the template with (production's are the operator's).
LOCAL_INFRA_ENV = ROOT / "infra" / ".local.env"

APP_JOB = "order-service"
# Series Prometheus makes itself, for every target or from the rules: not in any /metrics.
SYNTHETIC_SERIES = {"up", "ALERTS", "ALERTS_FOR_STATE"}
# Metrics of Prometheus and Alertmanager themselves, and of the exporters (infra/prometheus/prometheus.yml):
# queried only from their own job. backup_* comes from the backup job through node-exporter's textfile collector.
SELF_METRIC_JOBS = {
    "prometheus_": "prometheus",
    "alertmanager_": "alertmanager",
    "pg_": "postgres",
    "node_": "node",
    "backup_": "node",
    "nginx_": "nginx",
}

AGGREGATIONS = {
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
    "bottomk", "topk", "quantile", "limitk", "limit_ratio",
}  # fmt: skip
FUNCTIONS = {
    "abs", "absent", "absent_over_time", "acos", "acosh", "asin", "asinh", "atan", "atanh", "avg_over_time",
    "ceil", "changes", "clamp", "clamp_max", "clamp_min", "cos", "cosh", "count_over_time", "day_of_month",
    "day_of_week", "day_of_year", "days_in_month", "deg", "delta", "deriv", "double_exponential_smoothing", "exp",
    "floor", "histogram_avg", "histogram_count", "histogram_fraction", "histogram_quantile", "histogram_stddev",
    "histogram_stdvar", "histogram_sum", "holt_winters", "hour", "idelta", "increase", "irate", "label_join",
    "label_replace", "last_over_time", "ln", "log10", "log2", "mad_over_time", "max_over_time", "min_over_time",
    "minute", "month", "pi", "predict_linear", "present_over_time", "quantile_over_time", "rad", "rate", "resets",
    "round", "scalar", "sgn", "sin", "sinh", "sort", "sort_by_label", "sort_by_label_desc", "sort_desc", "sqrt",
    "stddev_over_time", "stdvar_over_time", "sum_over_time", "tan", "tanh", "time", "timestamp", "vector", "year",
}  # fmt: skip
LABEL_LIST_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right"}
KEYWORDS = {*LABEL_LIST_KEYWORDS, "and", "or", "unless", "offset", "bool", "atan2", "inf", "nan"}

_STRING = r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`'
_TOKEN = re.compile(
    rf"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>{_STRING})
  | (?P<matchers>\{{(?:{_STRING}|[^{{}}"'`])*\}})
  | (?P<range>\[[^\]]*\])
  | (?P<variable>\$\{{?\w+\}}?)
  | (?P<number>(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?:ms|[smhdwy])*)
  | (?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)
  | (?P<other>.)
    """,
    re.VERBOSE,
)
_MATCHER = re.compile(rf"([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*({_STRING})")


@dataclass(frozen=True)
class Selector:
    """A metric name as a query selects it, with its label matchers: {label: (operator, value)}."""

    metric: str
    matchers: tuple[tuple[str, str, str], ...]

    def job_matches(self, job: str) -> bool:
        """Whether the selector's job matcher (if any) would select this job."""
        for label, operator, value in self.matchers:
            if label != "job":
                continue
            if operator == "=":
                return value == job
            if operator == "=~":
                return re.fullmatch(value, job) is not None
            if operator == "!=":
                return value != job
            return re.fullmatch(value, job) is None
        return True

    @property
    def job(self) -> str | None:
        return next((v for label, op, v in self.matchers if label == "job" and op == "="), None)


class PromQLError(ValueError):
    pass


def _tokens(expr: str) -> list[tuple[str, str]]:
    return [(m.lastgroup or "", m[0]) for m in _TOKEN.finditer(expr) if m.lastgroup not in {"space", "comment"}]


def _matchers(text: str) -> tuple[tuple[str, str, str], ...]:
    return tuple((label, op, value[1:-1]) for label, op, value in _MATCHER.findall(text))


def selectors(expr: str) -> list[Selector]:
    """Every metric a PromQL expression selects. Raises PromQLError on an unknown function."""
    tokens = _tokens(expr)
    found: list[Selector] = []
    i = 0
    while i < len(tokens):
        kind, text = tokens[i]
        following = tokens[i + 1] if i + 1 < len(tokens) else ("", "")
        if kind != "name":
            i += 1
            continue
        if text in LABEL_LIST_KEYWORDS and following[1] == "(":
            i = tokens.index(("other", ")"), i) + 1  # a label list: no metric in it
            continue
        if text in KEYWORDS or text in AGGREGATIONS:
            i += 1
            continue
        if following[1] == "(":
            if text not in FUNCTIONS:
                msg = f"unknown function {text}() in {expr!r}"
                raise PromQLError(msg)
            i += 1
            continue
        matchers = _matchers(following[1]) if following[0] == "matchers" else ()
        found.append(Selector(text, matchers))
        i += 1
    return found


def metric_names(expr: str) -> set[str]:
    return {s.metric for s in selectors(expr)}


# ---- the files ----


def rule_groups() -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = []
    for path in RULE_FILES:
        groups.extend(yaml.safe_load(path.read_text())["groups"])
    return groups


def rules() -> list[dict[str, Any]]:
    return [rule for group in rule_groups() for rule in group["rules"]]


def alert_rules() -> list[dict[str, Any]]:
    return [rule for rule in rules() if "alert" in rule]


def recording_rule_names() -> set[str]:
    return {rule["record"] for rule in rules() if "record" in rule}


def dashboards() -> dict[str, dict[str, Any]]:
    """file name: dashboard model."""
    return {path.name: json.loads(path.read_text()) for path in DASHBOARD_FILES}


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in dashboard["panels"]:
        yield panel
        yield from panel.get("panels", [])  # panels of a collapsed row


_LABEL_VALUES = re.compile(r"label_values\((.*),\s*\w+\)", re.DOTALL)


def dashboard_queries(dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    """(where, PromQL) of every panel target and query variable (label_values(<selector>, <label>) -> selector)."""
    queries = [
        (f"panel {panel['title']!r}", target["expr"])
        for panel in panels(dashboard)
        for target in panel.get("targets", [])
    ]
    for variable in dashboard.get("templating", {}).get("list", []):
        if variable.get("type") == "query":
            query = variable["query"]["query"] if isinstance(variable["query"], dict) else variable["query"]
            match = _LABEL_VALUES.fullmatch(query.strip())
            queries.append((f"variable ${variable['name']}", match[1] if match else query))
    return queries


def every_query() -> list[tuple[str, str]]:
    """(where, PromQL) of every rule and every dashboard."""
    queries = [(f"{rule.get('alert') or rule.get('record')} (rules)", str(rule["expr"])) for rule in rules()]
    for name, dashboard in dashboards().items():
        queries.extend((f"{name}: {where}", expr) for where, expr in dashboard_queries(dashboard))
    return queries


def self_metric_job(metric: str) -> str | None:
    """The job that exports one of Prometheus', Alertmanager's or an exporter's metrics, None for the app's."""
    return next((job for prefix, job in SELF_METRIC_JOBS.items() if metric.startswith(prefix)), None)


def alertmanager_placeholders() -> set[str]:
    """The environment variables the Alertmanager template needs."""
    return set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)\}", ALERTMANAGER_CONFIG.read_text()))


def render_alertmanager(destination: Path, values: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The template rendered by its own script (as the container's entrypoint does), with infra/.local.env's
    values unless others are given."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **(values or env_file_keys(LOCAL_INFRA_ENV))}
    return subprocess.run(
        ["sh", str(ALERTMANAGER_RENDER), str(ALERTMANAGER_CONFIG), str(destination)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
