"""End to end on this machine: the app (uvicorn, two workers, multiprocess metrics), Debian's real Prometheus,
Alertmanager, postgres-exporter and node-exporter, and stand-in receivers (a webhook server and an SMTP server,
tests/observability/receivers.py), all on 127.0.0.1 only.

Prometheus runs the project's configuration with its targets and intervals changed (static loopback targets for
Docker's DNS names; 1 s scrapes, evaluations and alert resends; the nginx job left out: its exporter is no Debian
package) and the project's rule files unchanged. Alertmanager runs the project's template rendered by its own
script, with the secret files' paths and the group wait (30 s -> 1 s) changed.

It proves: Prometheus scrapes the app (`up`), the order metrics move by exactly what the traffic did, every rule
evaluates without error against the real series, the metrics the rules and dashboards read from Prometheus,
Alertmanager and the exporters exist (and the platform alerts' ratios compute on them), the backup job's metric
reaches Prometheus through node-exporter; the always-firing Watchdog reaches the heartbeat webhook with its
token; and stopping the app makes OrderServiceInstanceDown pending, then firing after its real `for: 1m`,
delivered to Alertmanager, routed by severity, the warning inhibited by OrderServiceDown, which reaches the
paging webhook (with its token) and the mailbox. `make observability-check` runs it (needs `make deploy-tools`
and PostgreSQL); about 2 minutes.
"""

import asyncio
import contextlib
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import yaml

from shared_kernel.infrastructure.settings import Settings
from tests.database import ROOT
from tests.deploy.tools import clean_env, env_file_keys, system_tool
from tests.live_server import free_port, live_server, stop
from tests.monitoring_files import (
    APP_JOB,
    LOCAL_INFRA_ENV,
    PROMETHEUS_DIR,
    alert_rules,
    every_query,
    render_alertmanager,
    rule_groups,
    selectors,
    self_metric_job,
)
from tests.observability.receivers import Delivered, receivers
from tests.order_traffic import OrderTraffic, place_cancel_and_refuse_orders

INTERVAL = "1s"  # scrape and evaluation, instead of 15s: the test waits for seconds, not minutes
STARTUP_SECONDS = 30
INSTANCE_DOWN_FOR_SECONDS = 60  # `for: 1m` of OrderServiceInstanceDown in the real rule file
TEST_BUDGET_SECONDS = 210
NOT_RUN_HERE = {"nginx"}  # jobs whose exporter does not run on this machine
WEBHOOK_TOKEN, HEARTBEAT_TOKEN = "webhook-token-for-the-test", "heartbeat-token-for-the-test"
BACKUP_SCRIPT = ROOT / "infra" / "postgres" / "backup.sh"


@contextlib.contextmanager
def running(args: list[str], log: Path, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """A process of ours, stopped by its pid whatever happens."""
    with log.open("wb") as output:
        process = subprocess.Popen(args, stdout=output, stderr=subprocess.STDOUT, env=clean_env(**env) if env else None)
        try:
            yield process
        finally:
            stop(process)


def wait_for[T](what: str, probe: Callable[[], T | None], timeout: float, logs: list[Path]) -> T:
    """The first truthy result of probe() within timeout seconds (errors count as not yet)."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(httpx.HTTPError):
            if result := probe():
                return result
        if time.monotonic() > deadline:
            tails = "\n".join(f"--- {log.name}\n" + "\n".join(log.read_text().splitlines()[-20:]) for log in logs)
            pytest.fail(f"{what}: not within {timeout}s\n{tails}")
        time.sleep(0.25)


def prometheus_config(app: str, prometheus: str, alertmanager: str, exporters: dict[str, str]) -> dict[str, Any]:
    """infra/prometheus/prometheus.yml with loopback targets, 1 s intervals and its rule files by absolute path."""
    config: dict[str, Any] = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text())
    config["global"].update(scrape_interval=INTERVAL, evaluation_interval=INTERVAL, scrape_timeout=INTERVAL)
    assert config["rule_files"] == ["rules/*.yml"]
    config["rule_files"] = [str(PROMETHEUS_DIR / "rules" / "*.yml")]
    (alerting,) = config["alerting"]["alertmanagers"]
    assert alerting["static_configs"] == [{"targets": ["alertmanager:9093"]}]
    alerting["static_configs"] = [{"targets": [alertmanager]}]
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert jobs.keys() == {APP_JOB, "prometheus", "alertmanager", *exporters, *NOT_RUN_HERE}
    assert jobs[APP_JOB].pop("dns_sd_configs")  # Docker's DNS, replaced by the one replica here
    jobs[APP_JOB]["static_configs"] = [{"targets": [app]}]
    for job, target in {"prometheus": prometheus, "alertmanager": alertmanager, **exporters}.items():
        jobs[job]["static_configs"] = [{"targets": [target]}]
    config["scrape_configs"] = [job for job in config["scrape_configs"] if job["job_name"] not in NOT_RUN_HERE]
    return config


def alertmanager_config(path: Path, webhook: str, smtp: str, secrets: Path) -> None:
    """infra/alertmanager/alertmanager.yml rendered by its script, the receivers on loopback; then only the
    secrets' folder (Compose mounts them on /run/secrets) and the group wait changed."""
    values = {
        **env_file_keys(LOCAL_INFRA_ENV),
        "SMTP_SMARTHOST": smtp,
        "ALERT_WEBHOOK_URL": f"{webhook}/critical",
        "HEARTBEAT_URL": f"{webhook}/heartbeat",
    }
    result = render_alertmanager(path, values)
    assert result.returncode == 0, result.stderr
    secrets.mkdir()
    for name, value in {
        "smtp_password": "unused",
        "alert_webhook_token": WEBHOOK_TOKEN,
        "heartbeat_token": HEARTBEAT_TOKEN,
    }.items():
        (secrets / name).write_text(value)
    config = yaml.safe_load(path.read_text().replace("/run/secrets/", f"{secrets}/"))
    assert config["route"]["group_wait"] == "30s"
    config["route"]["group_wait"] = "1s"
    path.write_text(yaml.safe_dump(config, sort_keys=False))


class Prometheus:
    def __init__(self, url: str) -> None:
        self.url = url

    def get(self, path: str, **params: str) -> Any:
        response = httpx.get(f"{self.url}{path}", params=params, timeout=5)
        response.raise_for_status()
        body = response.json()
        assert body["status"] == "success", body
        return body["data"]

    def query(self, expr: str) -> list[tuple[dict[str, str], float]]:
        return [(r["metric"], float(r["value"][1])) for r in self.get("/api/v1/query", query=expr)["result"]]

    def value(self, expr: str) -> float | None:
        result = self.query(expr)
        assert len(result) <= 1, result
        return result[0][1] if result else None

    def alerts(self, name: str) -> list[dict[str, Any]]:
        return [a for a in self.get("/api/v1/alerts")["alerts"] if a["labels"]["alertname"] == name]


def alertmanager_alerts(url: str) -> dict[str, dict[str, Any]]:
    response = httpx.get(f"{url}/api/v2/alerts", timeout=5)
    response.raise_for_status()
    return {alert["labels"]["alertname"]: alert for alert in response.json()}


@dataclass
class Stack:
    """The app, Prometheus, Alertmanager and the exporters, running; `stop_app` stops the app alone."""

    app_url: str
    prometheus: Prometheus
    alertmanager_url: str
    stop_app: Callable[[], None]
    logs: list[Path]
    delivered: Delivered
    database_url: str

    @property
    def app_target(self) -> str:
        return self.app_url.removeprefix("http://")

    def wait_for[T](self, what: str, probe: Callable[[], T | None], timeout: float) -> T:
        return wait_for(what, probe, timeout, self.logs)


def libpq_url(database_url: str) -> str:
    return database_url.replace("postgresql+asyncpg://", "postgresql://")


def write_backup_metric(database_url: str, textfile_dir: Path, backups: Path) -> None:
    """One real dump by the backup job's script, which writes its metric for node-exporter's textfile collector."""
    user, _, rest = libpq_url(database_url).removeprefix("postgresql://").partition("@")
    address, _, database = rest.partition("/")
    host, _, port = address.partition(":")
    env = clean_env(
        PGHOST=host, PGPORT=port, PGUSER=user, PGDATABASE=database,
        BACKUP_DIR=str(backups), BACKUP_METRICS_DIR=str(textfile_dir),
    )  # fmt: skip
    result = subprocess.run(["sh", str(BACKUP_SCRIPT), "dump"], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


@contextlib.contextmanager
def monitoring_stack(database_url: str, tmp_path: Path) -> Iterator[Stack]:
    ports = {name: free_port() for name in ("prometheus", "alertmanager", "postgres", "node")}
    alertmanager_url = f"http://127.0.0.1:{ports['alertmanager']}"
    prometheus = Prometheus(f"http://127.0.0.1:{ports['prometheus']}")
    logs = [
        tmp_path / f"{name}.log" for name in ("alertmanager", "prometheus", "app", "postgres-exporter", "node-exporter")
    ]
    (tmp_path / "multiproc").mkdir()
    (tmp_path / "textfile").mkdir()
    write_backup_metric(database_url, tmp_path / "textfile", tmp_path / "backups")
    with contextlib.ExitStack() as stack:
        webhook, smtp, delivered = stack.enter_context(receivers())
        alertmanager_config(tmp_path / "alertmanager.yml", webhook, smtp, tmp_path / "secrets")
        alertmanager_command = [
            system_tool("prometheus-alertmanager"),
            f"--config.file={tmp_path / 'alertmanager.yml'}",
            f"--storage.path={tmp_path / 'alertmanager-data'}",
            f"--web.listen-address=127.0.0.1:{ports['alertmanager']}",
            "--cluster.listen-address=",  # no peers, no gossip port
        ]
        stack.enter_context(running(alertmanager_command, logs[0]))
        exporter_env = {"DATA_SOURCE_NAME": f"{libpq_url(database_url)}?sslmode=disable"}
        stack.enter_context(
            running(
                [system_tool("prometheus-postgres-exporter"), f"--web.listen-address=127.0.0.1:{ports['postgres']}"],
                logs[3],
                env=exporter_env,
            )
        )
        node_command = [
            system_tool("prometheus-node-exporter"),
            f"--web.listen-address=127.0.0.1:{ports['node']}",
            f"--collector.textfile.directory={tmp_path / 'textfile'}",
        ]
        stack.enter_context(running(node_command, logs[4]))
        app = stack.enter_context(contextlib.ExitStack())  # closed by stop_app, or on the way out
        env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "multiproc"), "APP_REPLICAS": "1"}
        app_url = app.enter_context(live_server(database_url, workers=2, env=env, log_path=logs[2]))
        exporters = {job: f"127.0.0.1:{ports[job]}" for job in ("postgres", "node")}
        config = prometheus_config(
            app_url.removeprefix("http://"),
            f"127.0.0.1:{ports['prometheus']}",
            f"127.0.0.1:{ports['alertmanager']}",
            exporters,
        )
        (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config, sort_keys=False))
        prometheus_command = [
            system_tool("prometheus"),
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'prometheus-data'}",
            f"--web.listen-address=127.0.0.1:{ports['prometheus']}",
            # Firing alerts are sent again every second, not every minute: the Watchdog's first send happens
            # before Prometheus has found Alertmanager.
            "--rules.alert.resend-delay=1s",
        ]
        stack.enter_context(running(prometheus_command, logs[1]))
        ready = [f"{prometheus.url}/-/ready", f"{alertmanager_url}/-/ready"]
        wait_for(
            "Prometheus and Alertmanager ready",
            lambda: all(httpx.get(url, timeout=2).status_code == 200 for url in ready),
            STARTUP_SECONDS,
            logs,
        )
        yield Stack(app_url, prometheus, alertmanager_url, app.close, logs, delivered, database_url)


def test_prometheus_and_alertmanager_watch_the_running_app(settings: Settings, tmp_path: Path) -> None:
    started = time.monotonic()
    with monitoring_stack(str(settings.database_url), tmp_path) as stack:
        # A series first scraped after the traffic has no rate yet: the traffic's routes get one request before.
        assert httpx.get(f"{stack.app_url}/api/ordering/orders").status_code == 200
        prometheus_scrapes_the_app_with_the_project_rules(stack)
        the_watchdog_reaches_the_heartbeat_receiver(stack)
        traffic = place_cancel_and_refuse_orders(stack.app_url)
        order_metrics_move_by_the_traffic(stack, traffic)
        every_rule_evaluates_on_the_real_series(stack, traffic)
        the_self_metrics_read_exist(stack)
        the_platform_alerts_compute_on_the_exporters_series(stack)
        stopping_the_app_fires_instance_down_into_alertmanager(stack)
        the_critical_alert_reaches_the_paging_webhook_and_the_mailbox(stack)
    assert time.monotonic() - started < TEST_BUDGET_SECONDS


def prometheus_scrapes_the_app_with_the_project_rules(stack: Stack) -> None:
    prometheus = stack.prometheus
    stack.wait_for("the app up", lambda: prometheus.value(f'up{{job="{APP_JOB}"}}') == 1, 15)
    loaded = {group["name"] for group in prometheus.get("/api/v1/rules")["groups"]}
    assert loaded == {group["name"] for group in rule_groups()}
    assert prometheus.value(f'sum(orders_placed_total{{job="{APP_JOB}"}})') == 0


def order_metrics_move_by_the_traffic(stack: Stack, traffic: OrderTraffic) -> None:
    """Summed over the two workers (multiprocess mode) and scraped: exactly what the traffic did."""
    job = f'job="{APP_JOB}"'
    expected = {
        f"orders_placed_total{{{job}}}": traffic.placed,
        f"orders_cancelled_total{{{job}}}": traffic.cancelled,
        f"order_lines_total{{{job}}}": traffic.lines,
        f"order_lines_cut_short_total{{{job}}}": traffic.lines_cut_short,
        f"order_lines_out_of_stock_total{{{job}}}": traffic.lines_out_of_stock,
        f"order_value_count{{{job}}}": traffic.placed,
        f"order_value_sum{{{job}}}": float(traffic.value),
        **{f'orders_refused_total{{{job}, reason="{reason}"}}': n for reason, n in traffic.refused.items()},
    }

    def counted() -> dict[str, float | None]:
        return {selector: stack.prometheus.value(f"sum({selector})") for selector in expected}

    stack.wait_for("the order metrics", lambda: counted() == expected, 15)


def every_rule_evaluates_on_the_real_series(stack: Stack, traffic: OrderTraffic) -> None:
    prometheus = stack.prometheus
    for recorded in ("job:orders_placed:rate5m", "job:http_api_requests:rate5m", "job:order_requests:rate5m"):
        query = f'{recorded}{{job="{APP_JOB}"}}'
        stack.wait_for(recorded, lambda q=query: (prometheus.value(q) or 0) > 0, 15)  # type: ignore[misc]
    assert prometheus.value(f'job:http_api_5xx_ratio:rate5m{{job="{APP_JOB}"}}') == 0
    out_of_stock = traffic.lines_out_of_stock / (traffic.lines + traffic.lines_out_of_stock)
    assert prometheus.value(f'job:order_lines_out_of_stock:ratio_rate5m{{job="{APP_JOB}"}}') == pytest.approx(
        out_of_stock
    )
    evaluated = [rule for group in prometheus.get("/api/v1/rules")["groups"] for rule in group["rules"]]
    assert [(r["name"], r.get("lastError")) for r in evaluated if r["health"] != "ok"] == []
    assert {r["name"] for r in evaluated if r["type"] == "alerting"} == {r["alert"] for r in alert_rules()}
    assert prometheus.alerts("OrderServiceInstanceDown") == []


def the_watchdog_reaches_the_heartbeat_receiver(stack: Stack) -> None:
    stack.wait_for("the Watchdog at the heartbeat webhook", lambda: stack.delivered.webhook_alerts("/heartbeat"), 30)
    assert set(stack.delivered.webhook_alerts("/heartbeat")) == {("Watchdog", "firing", f"Bearer {HEARTBEAT_TOKEN}")}


def the_self_metrics_read_exist(stack: Stack) -> None:
    """The metrics of Prometheus, Alertmanager and the exporters that rules and dashboards read, in the real ones
    (the backup's through node-exporter's textfile collector)."""
    self_metrics = {
        (selector.metric, job)
        for _, expr in every_query()
        for selector in selectors(expr)
        if (job := self_metric_job(selector.metric)) and job not in NOT_RUN_HERE
    }
    assert {job for _, job in self_metrics} == {"prometheus", "alertmanager", "postgres", "node"}
    for metric, job in sorted(self_metrics):
        query = f'{metric}{{job="{job}"}}'
        stack.wait_for(query, lambda q=query: stack.prometheus.query(q), 15)  # type: ignore[misc]


async def _max_connections(database_url: str) -> int:
    connection = await asyncpg.connect(libpq_url(database_url))
    try:
        return int(await connection.fetchval("SHOW max_connections"))
    finally:
        await connection.close()


def the_platform_alerts_compute_on_the_exporters_series(stack: Stack) -> None:
    """The platform alerts' expressions, their thresholds left out, give sane values on the real series: their
    selectors and label matching fit what the exporters export."""
    prometheus = stack.prometheus
    assert prometheus.value('pg_up{job="postgres"}') == 1
    assert prometheus.value('pg_settings_max_connections{job="postgres"}') == asyncio.run(
        _max_connections(stack.database_url)
    )
    used = prometheus.value(
        'sum by (job, instance) (pg_stat_activity_count{job="postgres"})'
        ' / on (job, instance) max by (job, instance) (pg_settings_max_connections{job="postgres"})'
    )
    assert used is not None
    assert 0 < used < 1
    assert prometheus.query('max by (job, instance, datname) (pg_stat_activity_max_tx_duration{job="postgres"})')
    free = prometheus.query(
        'node_filesystem_avail_bytes{job="node", fstype!~"tmpfs|overlay|squashfs|nsfs"}'
        ' / node_filesystem_size_bytes{job="node", fstype!~"tmpfs|overlay|squashfs|nsfs"}'
        ' and node_filesystem_readonly{job="node"} == 0'
    )
    assert free
    assert all(0 <= value <= 1 for _, value in free)
    age = prometheus.value('time() - max by (job) (backup_last_success_timestamp_seconds{job="node"})')
    assert age is not None
    assert 0 <= age < TEST_BUDGET_SECONDS
    assert prometheus.value('max(app_replicas_configured{job="order-service"})') == 1
    for alert in ("PostgresDown", "PostgresConnectionsNearMax", "HostDiskFilling", "BackupTooOld", "ExporterDown"):
        assert prometheus.alerts(alert) == [], alert


def stopping_the_app_fires_instance_down_into_alertmanager(stack: Stack) -> None:
    prometheus = stack.prometheus
    stack.stop_app()
    stopped = time.monotonic()
    pending = stack.wait_for("InstanceDown pending", lambda: prometheus.alerts("OrderServiceInstanceDown"), 15)
    assert [alert["state"] for alert in pending] == ["pending"]
    assert pending[0]["labels"] == {
        "alertname": "OrderServiceInstanceDown",
        "job": APP_JOB,
        "instance": stack.app_target,
        "severity": "warning",
    }
    stack.wait_for(
        "InstanceDown firing",
        lambda: [a["state"] for a in prometheus.alerts("OrderServiceInstanceDown")] == ["firing"],
        INSTANCE_DOWN_FOR_SECONDS + 30,
    )
    assert time.monotonic() - stopped >= INSTANCE_DOWN_FOR_SECONDS - 2  # the rule's `for` held it pending

    def delivered() -> dict[str, dict[str, Any]] | None:
        alerts = alertmanager_alerts(stack.alertmanager_url)
        instance_down = alerts.get("OrderServiceInstanceDown")
        if instance_down and "OrderServiceDown" in alerts and instance_down["status"]["state"] == "suppressed":
            return alerts
        return None

    alerts = stack.wait_for("both alerts in Alertmanager, the warning inhibited", delivered, 30)
    instance_down, service_down = alerts["OrderServiceInstanceDown"], alerts["OrderServiceDown"]
    assert instance_down["labels"]["instance"] == stack.app_target
    assert instance_down["annotations"]["runbook"]
    assert [r["name"] for r in instance_down["receivers"]] == ["email"]  # warning
    assert [r["name"] for r in service_down["receivers"]] == ["critical"]  # critical
    assert service_down["status"]["state"] == "active"
    assert instance_down["status"]["inhibitedBy"] == [service_down["fingerprint"]]


def the_critical_alert_reaches_the_paging_webhook_and_the_mailbox(stack: Stack) -> None:
    """OrderServiceDown, critical: to the webhook with its bearer token, and by e-mail. The inhibited warning
    reaches nobody."""
    delivered = stack.delivered
    stack.wait_for("OrderServiceDown at the paging webhook", lambda: delivered.webhook_alerts("/critical"), 30)
    assert set(delivered.webhook_alerts("/critical")) == {("OrderServiceDown", "firing", f"Bearer {WEBHOOK_TOKEN}")}
    stack.wait_for("OrderServiceDown by e-mail", lambda: delivered.mails, 30)
    to = env_file_keys(LOCAL_INFRA_ENV)["ALERT_EMAIL_TO"]
    (mail,) = [m for m in delivered.mails if "OrderServiceDown" in m["data"]]
    assert mail["recipients"] == [f"<{to}>"]
    assert "OrderServiceInstanceDown" not in str(delivered.webhooks) + str(delivered.mails)
