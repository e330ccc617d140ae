"""The monitoring files, offline: Prometheus rules and their promtool unit tests, Alertmanager's receivers and
routing, Grafana provisioning and dashboards. That their metrics exist in the app is
tests/contract/test_monitoring_metrics.py; that real Prometheus and Alertmanager fire on the running app, and
deliver, is tests/observability."""

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.database import ROOT
from tests.deploy.tools import compose_model, run, system_tool
from tests.monitoring_files import (
    ALERTMANAGER_CONFIG,
    APP_JOB,
    PROMETHEUS_DIR,
    PROMTOOL_TESTS,
    RULE_FILES,
    SELF_METRIC_JOBS,
    alert_rules,
    alertmanager_placeholders,
    dashboard_queries,
    dashboards,
    every_query,
    metric_names,
    panels,
    recording_rule_names,
    render_alertmanager,
    rules,
    selectors,
)

SEVERITIES = {"warning", "critical"}
ALWAYS_FIRING = "Watchdog"  # severity none: routed by its name to the heartbeat receiver
GRAFANA = ROOT / "infra" / "grafana"
BUILTIN_VARIABLES = {"__rate_interval", "__interval", "__range", "__interval_ms", "__range_s"}
ALERT_NAMES = sorted({rule["alert"] for rule in alert_rules()} - {ALWAYS_FIRING})


def promtool(*args: str | Path) -> tuple[int, str]:
    result = run([system_tool("promtool"), *map(str, args)])
    return result.returncode, result.stdout + result.stderr


# ---- the rules: promtool accepts them, and their unit tests pass ----


def test_the_prometheus_configuration_loads_every_rule_file() -> None:
    config = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text())
    loaded = {path for pattern in config["rule_files"] for path in PROMETHEUS_DIR.glob(pattern)}
    assert loaded == set(RULE_FILES)
    assert {path.name for path in RULE_FILES} == {
        "order-service-recording.yml",
        "order-service-alerts.yml",
        "monitoring-alerts.yml",
        "platform-alerts.yml",
    }


@pytest.mark.parametrize("rule_file", RULE_FILES, ids=lambda path: path.name)
def test_promtool_accepts_the_rules(rule_file: Path) -> None:
    returncode, output = promtool("check", "rules", rule_file)
    assert returncode == 0, output


def test_promtool_unit_tests_pass() -> None:
    returncode, output = promtool("test", "rules", *PROMTOOL_TESTS)
    assert returncode == 0, output
    assert output.count("SUCCESS") == len(PROMTOOL_TESTS)


def copy_of_the_rules(tmp_path: Path) -> Path:
    """infra/prometheus's rules/ and tests/ in tmp_path, so that the tests find ../rules as they do in place."""
    for folder in ("rules", "tests"):
        shutil.copytree(PROMETHEUS_DIR / folder, tmp_path / folder)
    return tmp_path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        pytest.param('up{job="order-service"} == 0', 'up{job="order-service" == 0', "parse error", id="promql"),
        pytest.param("for: 2m", "for: 2 minutes", "not a valid duration", id="duration"),
        pytest.param("job: order-service\n        annotations:", "job: order-service\n        annotationz:",
                     "field annotationz not found", id="misspelt-key"),
    ],
)  # fmt: skip
def test_promtool_refuses_broken_rules(tmp_path: Path, old: str, new: str, message: str) -> None:
    text = (PROMETHEUS_DIR / "rules" / "order-service-alerts.yml").read_text()
    assert text.count(old) == 1, old
    copy = tmp_path / "alerts.yml"
    copy.write_text(text.replace(old, new))
    returncode, output = promtool("check", "rules", copy)
    assert returncode != 0
    assert message in output


# (rule file, group index, rule index): every alert rule, each severity of a name apart.
ALERT_RULES = {
    f"{rule['alert']}-{rule['labels']['severity']}": (path.name, g, r)
    for path in RULE_FILES
    for g, group in enumerate(yaml.safe_load(path.read_text())["groups"])
    for r, rule in enumerate(group["rules"])
    if "alert" in rule
}


@pytest.mark.parametrize("alert", ALERT_RULES)
def test_a_unit_test_fails_when_an_alert_can_no_longer_fire(tmp_path: Path, alert: str) -> None:
    """Every alert rule (each severity of a name) has a unit test that sees it fire: with its expression made
    unable to match anything, the unit tests fail."""
    file, group, index = ALERT_RULES[alert]
    folder = copy_of_the_rules(tmp_path)
    path = folder / "rules" / file
    model = yaml.safe_load(path.read_text())
    model["groups"][group]["rules"][index]["expr"] = "vector(1) == 0"
    path.write_text(yaml.safe_dump(model, sort_keys=False))
    # The unit tests of that rule file (the others do not load it).
    tests = [t for t in sorted((folder / "tests").glob("*.yml")) if f"../rules/{file}" in t.read_text()]
    returncode, output = promtool("test", "rules", *tests)
    assert returncode != 0, f"no unit test sees {alert} fire"
    assert alert.rsplit("-", 1)[0] in output


def promtool_alert_tests() -> list[dict[str, Any]]:
    return [
        check
        for path in PROMTOOL_TESTS
        for test in yaml.safe_load(path.read_text())["tests"]
        for check in test.get("alert_rule_test", [])
    ]


@pytest.mark.parametrize("alert", [*ALERT_NAMES, ALWAYS_FIRING])
def test_every_alert_has_unit_tests_that_see_it_fire_and_stay_quiet(alert: str) -> None:
    checks = [check for check in promtool_alert_tests() if check["alertname"] == alert]
    fired = [expected for check in checks for expected in check["exp_alerts"]]
    quiet = [check for check in checks if not check["exp_alerts"]]
    severities = {rule["labels"]["severity"] for rule in alert_rules() if rule["alert"] == alert}
    assert {expected["exp_labels"]["severity"] for expected in fired} == severities
    assert quiet or alert == ALWAYS_FIRING, f"no unit test shows {alert} staying quiet"
    # Alertmanager groups by and inhibits on `job`: every alert carries it.
    assert all(expected["exp_labels"].get("job") for expected in fired), alert


# ---- every alert is actionable and routed ----


@pytest.mark.parametrize("rule", alert_rules(), ids=lambda rule: f"{rule['alert']}-{rule['labels']['severity']}")
def test_every_alert_has_a_severity_a_runbook_and_a_dashboard(rule: dict[str, Any]) -> None:
    assert rule["labels"]["severity"] in (SEVERITIES if rule["alert"] != ALWAYS_FIRING else {"none"})
    annotations = rule["annotations"]
    for key in ("summary", "description", "runbook"):
        assert annotations.get(key, "").strip(), f"{rule['alert']} lacks {key}"
    assert "\n" not in annotations["runbook"], "a runbook line"
    uids = {board["uid"] for board in dashboards().values()}
    assert re.fullmatch(r"/d/([\w-]+)", annotations["dashboard"])
    assert annotations["dashboard"].removeprefix("/d/") in uids


@pytest.fixture(scope="module")
def rendered_alertmanager(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("alertmanager") / "alertmanager.yml"
    result = render_alertmanager(path)
    assert result.returncode == 0, result.stderr
    return path


def amtool_route(config: Path, *labels: str) -> str:
    args = ["config", "routes", "test", "--config.file", str(config), *labels]
    result = run([system_tool("amtool"), *args])
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize("severity", sorted(SEVERITIES))
def test_alertmanager_routes_each_severity_to_its_receiver(rendered_alertmanager: Path, severity: str) -> None:
    receiver = {"critical": "critical", "warning": "email"}[severity]
    for alert in ALERT_NAMES:
        assert (
            amtool_route(rendered_alertmanager, f"alertname={alert}", f"job={APP_JOB}", f"severity={severity}")
            == receiver
        )


def test_the_watchdog_goes_to_the_heartbeat_receiver_every_minute(rendered_alertmanager: Path) -> None:
    assert amtool_route(rendered_alertmanager, f"alertname={ALWAYS_FIRING}", "job=prometheus", "severity=none") == (
        "heartbeat"
    )
    route = next(
        r for r in yaml.safe_load(ALERTMANAGER_CONFIG.read_text())["route"]["routes"] if r["receiver"] == "heartbeat"
    )
    assert route["repeat_interval"] == "1m"


def integrations(receiver: dict[str, Any]) -> list[str]:
    return [key for key, configs in receiver.items() if key.endswith("_configs") and configs]


def test_every_receiver_has_an_integration(rendered_alertmanager: Path) -> None:
    """An alert routed to a receiver without one reaches nobody, silently: not one such receiver."""
    config = yaml.safe_load(rendered_alertmanager.read_text())
    receivers = {receiver["name"]: receiver for receiver in config["receivers"]}
    routed = {config["route"]["receiver"]} | {route["receiver"] for route in config["route"]["routes"]}
    assert routed == receivers.keys()
    for name, receiver in receivers.items():
        assert integrations(receiver), f"receiver {name} has no integration: its alerts reach nobody"
    assert integrations(receivers["critical"]) == ["email_configs", "webhook_configs"]
    assert integrations(receivers["heartbeat"]) == ["webhook_configs"]


def test_amtool_alone_lets_a_receiver_without_integration_through(rendered_alertmanager: Path, tmp_path: Path) -> None:
    """Why the test above exists: a receiver with nothing to send to is valid configuration."""
    config = yaml.safe_load(rendered_alertmanager.read_text())
    config["receivers"][0] = {"name": config["receivers"][0]["name"]}
    assert not integrations(config["receivers"][0])
    stripped = tmp_path / "alertmanager.yml"
    stripped.write_text(yaml.safe_dump(config))
    assert run([system_tool("amtool"), "check-config", str(stripped)]).returncode == 0


def test_secrets_are_files_and_the_rest_comes_from_the_environment() -> None:
    text = ALERTMANAGER_CONFIG.read_text()
    assert not re.search(r"(?<!_file): *\"?[^$\s\"]*(password|token)", text, re.IGNORECASE)
    secret_files = set(re.findall(r"/run/secrets/(\w+)", text))
    assert secret_files == {"smtp_password", "alert_webhook_token", "heartbeat_token"}
    for file in ("infra/docker-compose.yml", "infra/docker-compose.local.yml"):
        alertmanager = compose_model(file)["services"]["alertmanager"]
        assert {secret["source"] for secret in alertmanager["secrets"]} == secret_files, file
        assert alertmanager_placeholders() <= alertmanager["environment"].keys(), file
        assert alertmanager["entrypoint"][1:4] == [
            "/etc/alertmanager/render.sh",
            "/etc/alertmanager/alertmanager.yml",
            "/tmp/alertmanager.yml",  # noqa: S108  # inside the container, a tmpfs
        ]


def test_the_template_refuses_to_render_with_a_value_missing(tmp_path: Path) -> None:
    result = render_alertmanager(tmp_path / "alertmanager.yml", {"SMTP_SMARTHOST": "smtp.example.com:587"})
    assert result.returncode != 0
    assert "ALERT_WEBHOOK_URL is not set" in result.stderr
    assert "SMTP_SMARTHOST" not in result.stderr


def test_alertmanager_inhibits_warnings_by_criticals() -> None:
    inhibitions = yaml.safe_load(ALERTMANAGER_CONFIG.read_text())["inhibit_rules"]
    assert {
        "source_matchers": ['severity="critical"'],
        "target_matchers": ['severity="warning"'],
        "equal": ["alertname", "job"],
    } in inhibitions
    assert {
        "source_matchers": ['alertname="OrderServiceDown"'],
        "target_matchers": ['severity="warning"'],
        "equal": ["job"],
    } in inhibitions
    # The first applies only where a name has both severities; the second needs OrderServiceDown's job label.
    severities: dict[str, set[str]] = {}
    for rule in alert_rules():
        severities.setdefault(rule["alert"], set()).add(rule["labels"]["severity"])
    assert {name for name, found in severities.items() if found == SEVERITIES} == {
        "OrderServiceHighErrorRatio",
        "OrderServiceHighLatency",
        "HostDiskFilling",
    }
    down = next(rule for rule in alert_rules() if rule["alert"] == "OrderServiceDown")
    assert down["labels"]["job"] == APP_JOB


# ---- recording rules: each used, each defined ----


def test_every_recording_rule_is_used_and_every_recorded_name_defined() -> None:
    recorded = recording_rule_names()
    used = {name for _, expr in every_query() for name in metric_names(expr)}
    assert recorded - used == set(), "recorded but read by no rule or dashboard"
    looks_recorded = {name for name in used if ":" in name}
    assert looks_recorded - recorded == set(), "read but recorded by no rule"
    for rule in rules():
        name = rule.get("record")
        if name:
            assert re.fullmatch(r"[a-z_]+:[a-z0-9_]+:[a-z0-9_]+", name), f"{name}: level:metric:operations"


def test_self_metrics_are_read_from_their_own_job_only() -> None:
    scraped = {
        job["job_name"] for job in yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text())["scrape_configs"]
    }
    assert set(SELF_METRIC_JOBS.values()) <= scraped
    for where, expr in every_query():
        for selector in selectors(expr):
            for prefix, job in SELF_METRIC_JOBS.items():
                if selector.metric.startswith(prefix):
                    assert selector.job == job, f"{where}: {selector.metric} without job={job!r}"


# ---- Grafana: provisioning and dashboards ----


def test_grafana_provisions_the_prometheus_datasource_and_the_dashboard_folder() -> None:
    datasource = yaml.safe_load((GRAFANA / "provisioning/datasources/prometheus.yml").read_text())["datasources"][0]
    provider = yaml.safe_load((GRAFANA / "provisioning/dashboards/dashboards.yml").read_text())["providers"][0]
    prometheus = compose_model("infra/docker-compose.yml")["services"]["prometheus"]
    assert datasource["url"] == "http://prometheus:9090"
    assert any(port["target"] == 9090 for port in prometheus["ports"])
    for file in ("infra/docker-compose.yml", "infra/docker-compose.local.yml"):
        mounts = {v["target"]: v["source"] for v in compose_model(file)["services"]["grafana"]["volumes"]}
        assert mounts[provider["options"]["path"]] == str(GRAFANA / "dashboards")
        assert mounts["/etc/grafana/provisioning"] == str(GRAFANA / "provisioning")


def overlaps(a: dict[str, int], b: dict[str, int]) -> bool:
    across = a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"]
    return across and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]


@pytest.mark.parametrize("file", sorted(dashboards()))
def test_dashboards_are_well_formed(file: str) -> None:
    board = dashboards()[file]
    datasource = yaml.safe_load((GRAFANA / "provisioning/datasources/prometheus.yml").read_text())["datasources"][0]
    assert board["uid"] == Path(file).stem
    assert len(board["uid"]) <= 40
    assert "order-service" in board["tags"]
    assert board["title"].startswith("order-service / ")
    assert "id" not in board or board["id"] is None  # Grafana assigns it
    all_panels = list(panels(board))
    ids = [panel["id"] for panel in all_panels]
    assert len(ids) == len(set(ids))
    placed = [panel["gridPos"] for panel in all_panels]
    for i, position in enumerate(placed):
        assert position["x"] >= 0, position
        assert position["x"] + position["w"] <= 24, position
        assert not any(overlaps(position, other) for other in placed[:i]), position
    variables = {variable["name"] for variable in board["templating"]["list"]} | BUILTIN_VARIABLES
    for panel in all_panels:
        if panel["type"] == "row":
            continue
        assert panel["title"]
        assert panel.get("description"), panel["title"]
        targets = panel["targets"]
        assert targets, panel["title"]
        assert len({target["refId"] for target in targets}) == len(targets)
        for source in [panel, *targets]:
            assert source["datasource"] == {"type": "prometheus", "uid": datasource["uid"]}, panel["title"]
    for where, expr in dashboard_queries(board):
        assert selectors(expr), f"{where} selects no metric"
        used = set(re.findall(r"\$\{?(\w+)", expr))
        assert used <= variables, f"{where} uses an undefined variable: {used - variables}"


def test_dashboards_have_distinct_uids_and_titles() -> None:
    boards = list(dashboards().values())
    assert len({board["uid"] for board in boards}) == len(boards) == 3
    assert len({board["title"] for board in boards}) == len(boards)
